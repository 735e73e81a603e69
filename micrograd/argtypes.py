"""The old home of the command lines' argument types: ``micrograd/cli/argtypes.py`` now."""

from micrograd.cli.argtypes import (  # noqa: F401
    float_at_least,
    int_in,
    non_negative_float,
    positive_float,
    positive_int,
)
