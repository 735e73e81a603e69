"""The model file: a model's parameters as one strict JSON object, written atomically.

The format is what ``Module.state_dict()`` returns, as JSON::

    {"layers.0.neurons.0.w.0": 0.23550571390294128, ..., "layers.2.neurons.0.b": 0.0}

one key per parameter (the names of ``named_parameters()``), each holding a
finite number. Nothing else: no NaN, no Infinity (they are not JSON, and a
model holding them cannot predict anything), no nesting.

Why so careful: a model file is often the only result of a long training run.

* Reading validates the whole file before anything is assigned, so a bad file
  leaves the model exactly as it was, and every problem is a ``TypeError`` or
  ``ValueError`` that says what a model file must contain.
* Writing serialises first, then writes a temporary file next to the target
  and moves it into place with ``os.replace``. A failure at any point (a
  non-finite weight, a full disk, a file-size limit) leaves the previous file
  untouched.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

WHAT_IT_HOLDS = (
    "A model file is one JSON object that maps every parameter name "
    '(e.g. "layers.0.neurons.0.w.0") to a finite number, as Module.save() writes it.'
)


def finite_number(name: str, value: object) -> float:
    """``value`` as a finite float, or a TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            f"parameter {name!r} holds {_short(value)}, not a number. "
            "The state must map every parameter name to a float."
        )
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(
            f"parameter {name!r} is {_short(value)}, not a finite number. "
            "A model with an infinite or NaN weight cannot predict anything; "
            "train it again (a smaller learning rate usually helps)."
        )
    return number


def check_state(state: object) -> dict[str, float]:
    """Every entry of ``state`` as a finite float, checked before anything is used."""
    if not isinstance(state, Mapping):
        raise TypeError(f"the state is {_kind(state)}, not a mapping. {WHAT_IT_HOLDS}")
    bad_keys = [k for k in state if not isinstance(k, str)]
    if bad_keys:
        raise TypeError(f"the state has a key {bad_keys[0]!r}, not a string. {WHAT_IT_HOLDS}")
    return {name: finite_number(name, value) for name, value in state.items()}


def write_state(path: str | os.PathLike[str], state: Mapping[str, float]) -> None:
    """Write ``state`` as strict JSON to ``path``, replacing any old file only on success."""
    text = json.dumps(check_state(state), indent=1, allow_nan=False) + "\n"
    target = Path(os.path.realpath(path))  # through a symlink: replace the file it points to
    if target.is_dir():
        raise IsADirectoryError(f"save({str(path)!r}): that is a folder; give a file name.")
    if not target.parent.is_dir():
        raise FileNotFoundError(
            f"save({str(path)!r}): the folder {str(target.parent)!r} does not exist; "
            "create it first."
        )
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(target))
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_state(path: str | os.PathLike[str]) -> dict[str, float]:
    """The checked state stored in ``path``; a TypeError or ValueError for anything else."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        state = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{str(path)!r} is not UTF-8 text. {WHAT_IT_HOLDS}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{str(path)!r} is not valid JSON ({exc}). {WHAT_IT_HOLDS}") from None
    except RecursionError:  # e.g. [[[[...]]]] 100,000 deep: no model file looks like that
        raise ValueError(f"{str(path)!r} nests far too deeply. {WHAT_IT_HOLDS}") from None
    if not isinstance(state, dict):
        raise TypeError(f"{str(path)!r} holds {_kind(state)}, not a JSON object. {WHAT_IT_HOLDS}")
    return check_state(state)


def _file_mode(target: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual ones (0o666 minus umask)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), f"a {type(value).__name__}"
    )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
