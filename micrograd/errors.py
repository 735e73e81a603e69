"""The project's own exception types, and the check for optional extras.

Wrong numbers raise the built-in exceptions a Python programmer expects
(TypeError, ValueError, ZeroDivisionError, OverflowError). These two cover
what the built-ins do not say well on their own.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class ShapeError(ValueError):
    """An input has the wrong length for the layer or loss it was given to."""


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def require(module: str, extra: str | None, purpose: str) -> ModuleType:
    """Import an optional dependency, or explain exactly how to install it.

    ``extra=None`` is for a package we deliberately leave out of the extras
    (PyTorch: its right build depends on the machine), so the fix is to
    install the package itself.

    >>> plt = require("matplotlib.pyplot", extra="plot", purpose="plotting")
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = module.split(".")[0]
        if extra is None:
            raise MissingExtraError(
                f"{purpose} needs the optional package '{package}', which is not installed. "
                f"Install it with:  pip install {package}"
            ) from exc
        raise MissingExtraError(
            f"{purpose} needs the optional package '{package}', which is not installed. "
            f"Install it with:  pip install 'micrograd[{extra}]'  (or: pip install {package})"
        ) from exc


class NotARegularFileError(OSError):
    """A file would replace something that is not a regular file (a device, a FIFO, a socket).

    Raised before anything is written: replacing ``/dev/null`` with an ordinary
    file, for instance, would break every program on the machine that uses it.
    """
