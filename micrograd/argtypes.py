"""Argument types shared by the command lines: numbers checked as argparse reads them.

Each one turns a bad value into argparse's own one-line usage error (exit code
2) before any work starts, instead of a traceback after it.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def int_in(low: int, high: int | None = None) -> Callable[[str], int]:
    """A whole number from ``low`` up to ``high`` (no upper limit if None)."""
    bound = f"from {low:,} to {high:,}" if high is not None else f"of at least {low:,}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected a whole number {bound}, got {value}")
        return value

    return parse


def float_at_least(minimum: float, *, inclusive: bool) -> Callable[[str], float]:
    """A finite float above ``minimum`` (or equal to it, if ``inclusive``)."""
    bound = f"of at least {minimum:g}" if inclusive else f"above {minimum:g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        in_range = value >= minimum if inclusive else value > minimum  # False for nan
        if not (in_range and math.isfinite(value)):
            raise argparse.ArgumentTypeError(f"expected a number {bound}, got {value}")
        return value

    return parse


positive_int = int_in(1)
positive_float = float_at_least(0, inclusive=False)
non_negative_float = float_at_least(0, inclusive=True)
