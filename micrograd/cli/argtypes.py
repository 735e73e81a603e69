"""What the subcommands share: argument types, path checks and the two errors.

Each type turns a bad value into argparse's own one-line usage error (exit
code 2) before any work starts, instead of a traceback after it. The path
checks do the same for output files and folders, so a long training run never
ends in "cannot write". A subcommand raises ``UsageError`` for anything wrong
with what was typed (exit 2) and ``CommandFailed`` when the work itself fails
(exit 1); ``micrograd.cli.main`` prints either in one line.
"""

from __future__ import annotations

import argparse
import errno
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from micrograd import atomic


class UsageError(Exception):
    """What the user typed cannot work: one line on stderr, exit code 2, nothing done."""


class CommandFailed(Exception):
    """The work itself failed (a file could not be written, training diverged): exit code 1."""


def path_text(text: str) -> str:
    """A path as typed, kept as text so that a trailing separator still means a folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a path, got an empty string")
    return text


def output_file(text: str, option: str, suffixes: tuple[str, ...] = ()) -> Path:
    """Check, before any work, that ``text`` names a file this command may (re)write.

    Nothing is written: the folder is tried with a temporary file that is gone
    at once, so a folder the system will not write into (``/sys``, ``/proc``, a
    read-only mount) is found now, not after a long run.
    """
    if suffixes and Path(text).suffix.lower() not in suffixes:
        raise UsageError(f"{option} {_shown(text)}: end the file name in {' or '.join(suffixes)}.")
    try:
        target = atomic.check_target(text)
        with tempfile.TemporaryFile(dir=target.parent):
            pass
    except OSError as exc:
        raise UsageError(f"{option} {_shown(text)}: {exc.strerror or exc}.") from None
    return Path(text)


def output_folder(text: str, option: str) -> Path:
    """Check, before any work, that files can be written into the folder ``text``.

    A folder that does not exist yet is not made here (a command refused later,
    for another reason, must leave nothing behind): the nearest folder that does
    exist must be one this user can write into. ``make_folder`` makes it when
    the first file is about to be written.
    """
    folder = Path(text)
    try:
        if folder.exists() and not folder.is_dir():
            raise UsageError(
                f"{option} {_shown(text)}: that is a file, not a folder; give a folder."
            )
        if folder.is_dir():
            with tempfile.TemporaryFile(dir=folder):
                pass
            return folder
        for name in folder.parts:  # every name in the path must be one the system takes
            if len(os.fsencode(name)) > 255:
                raise OSError(errno.ENAMETOOLONG, "a name in the path is longer than 255 bytes")
        existing = next(p for p in (folder.absolute(), *folder.absolute().parents) if p.exists())
        if not existing.is_dir():
            raise UsageError(f"{option} {_shown(text)}: cannot write there ({existing} is a file).")
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise UsageError(f"{option} {_shown(text)}: cannot write there ({exc.strerror}).") from None
    return folder


def make_folder(folder: Path) -> None:
    """Make the folder checked by ``output_folder``, when there is something to write into it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandFailed(f"cannot make the folder {folder}: {exc.strerror or exc}.") from None


def _shown(text: str) -> str:
    """A path as it goes into a one-line message: quoted if odd, shortened if huge."""
    shown = text if len(text) <= 80 else text[:60] + "..." + text[-12:]
    odd = shown != shown.strip() or not shown.isprintable()
    return repr(shown) if odd else shown


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


def float_in(low: float, high: float) -> Callable[[str], float]:
    """A finite float from ``low`` to ``high``, both included."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not low <= value <= high:  # False for nan
            raise argparse.ArgumentTypeError(
                f"expected a number from {low:g} to {high:g}, got {value:g}"
            )
        return value

    return parse


positive_int = int_in(1)
positive_float = float_at_least(0, inclusive=False)
non_negative_float = float_at_least(0, inclusive=True)
