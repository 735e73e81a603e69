"""The old home of ``micrograd playground``'s command line; it lives in
``micrograd/cli/playground.py`` now. Kept so that old imports keep working."""

from micrograd.cli.playground import DEFAULT_PORT, add_parser, free_port, run  # noqa: F401
