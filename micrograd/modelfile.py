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
* Writing serialises first, then goes through ``micrograd.atomic``: a
  temporary file next to the target, moved into place with ``os.replace``. A
  failure at any point (a non-finite weight, a full disk, a file-size limit,
  Ctrl-C) leaves the previous file untouched, and a device, a FIFO or a
  folder is never replaced.
"""

from __future__ import annotations

import errno
import json
import math
import numbers
import os
import stat
from collections.abc import Mapping

from micrograd import atomic
from micrograd.errors import NotARegularFileError

MAX_BYTES = 64 * 2**20  # 64 MiB: about a million parameters, far more than micrograd trains

WHAT_IT_HOLDS = (
    "A model file is one JSON object that maps every parameter name "
    '(e.g. "layers.0.neurons.0.w.0") to a finite number, as Module.save() writes it.'
)


def finite_number(name: str, value: object) -> float:
    """``value`` as a finite float, or a TypeError/ValueError naming ``name``.

    Any real number will do, NumPy scalars such as ``np.float32`` included
    (``Value()`` takes them too); a bool is refused, as it is surely a mistake.
    """
    if isinstance(value, _HugeInteger):
        raise _too_large(name, len(value.lstrip("-")))
    value = _plain_number(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(
            f"parameter {name!r} holds {_short(value)}, not a number. "
            "The state must map every parameter name to a float."
        )
    try:
        number = float(value)
    except OverflowError:
        raise _too_large(name, _digits(value)) from None
    if not math.isfinite(number):
        raise ValueError(
            f"parameter {name!r} is {_short(value)}, not a finite number. "
            "A model with an infinite or NaN weight cannot predict anything; "
            "train it again (a smaller learning rate usually helps)."
        )
    return number


def _too_large(name: str, digits: int) -> ValueError:
    return ValueError(
        f"parameter {name!r} is an integer of {digits:,} digits, far beyond what a float "
        "holds (about 1.8e308). Module.save() never writes such a number: was the state "
        "changed by hand or by another program?"
    )


def _digits(number: int) -> int:
    """How many decimal digits ``number`` has, without str() (which refuses past 4,300)."""
    digits = int(abs(number).bit_length() * math.log10(2))  # exact or one short
    return digits + (abs(number) >= 10**digits)


def check_state(state: object) -> dict[str, float]:
    """Every entry of ``state`` as a finite float, checked before anything is used."""
    if not isinstance(state, Mapping):
        raise TypeError(f"the state is {_kind(state)}, not a mapping. {WHAT_IT_HOLDS}")
    bad_keys = [k for k in state if not isinstance(k, str)]
    if bad_keys:
        raise TypeError(f"the state has a key {bad_keys[0]!r}, not a string. {WHAT_IT_HOLDS}")
    return {name: finite_number(name, value) for name, value in state.items()}


def write_state(path: str | os.PathLike[str], state: Mapping[str, float]) -> None:
    """Write ``state`` as strict JSON to ``path``, replacing any old file only on success.

    Checked and serialised first, then written by ``micrograd.atomic``: a
    special file, a folder or a missing folder is refused before anything is
    written, and a failure while writing leaves the old file as it was.
    """
    text = json.dumps(check_state(state), indent=1, allow_nan=False) + "\n"
    atomic.write_text(path, text)


def read_state(path: str | os.PathLike[str]) -> dict[str, float]:
    """The checked state stored in ``path``; a TypeError or ValueError for anything else.

    Only a regular file of at most ``MAX_BYTES`` is read: ``/dev/zero`` or a
    FIFO would otherwise be read without end (or wait forever for a writer).
    """
    raw = _read_model_file(path)
    try:
        state = json.loads(
            raw.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_int=_parse_int
        )
    except UnicodeDecodeError:
        raise ValueError(f"{str(path)!r} is not UTF-8 text. {WHAT_IT_HOLDS}") from None
    except _DuplicateKeyError as exc:
        raise ValueError(
            f"{str(path)!r} names the parameter {exc.key!r} twice, so it is not clear which "
            f"number is meant. {WHAT_IT_HOLDS}"
        ) from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{str(path)!r} is not valid JSON ({exc}). {WHAT_IT_HOLDS}") from None
    except RecursionError:  # e.g. [[[[...]]]] 100,000 deep: no model file looks like that
        raise ValueError(f"{str(path)!r} nests far too deeply. {WHAT_IT_HOLDS}") from None
    if not isinstance(state, dict):
        raise TypeError(f"{str(path)!r} holds {_kind(state)}, not a JSON object. {WHAT_IT_HOLDS}")
    return check_state(state)


def _read_model_file(path: str | os.PathLike[str]) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES, or an error that says which rule failed."""
    name = str(os.fspath(path))
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileNotFoundError(
            errno.ENOENT, "there is no model file here; check the name", name
        ) from None
    _check_regular(mode, name)
    # O_NONBLOCK: should a FIFO appear between the check and the open, the open does not hang.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as f:
        _check_regular(os.fstat(f.fileno()).st_mode, name)
        raw = f.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ValueError(
            f"{name!r} is larger than {MAX_BYTES // 2**20} MiB, the most a model file may be "
            "(about a million parameters; micrograd trains far fewer). It is not a model file "
            "written by Module.save()."
        )
    return raw


def _check_regular(mode: int, name: str) -> None:
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "that is a folder; give a model file in it", name)
    if not stat.S_ISREG(mode):
        raise NotARegularFileError(
            errno.EINVAL,
            "that is not a regular file (a device, a FIFO or a socket); "
            "a model file is an ordinary file written by Module.save()",
            name,
        )


class _DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class _HugeInteger(str):
    """The digits of an integer too long for a float, kept so the error can name its key."""


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """A JSON object as a dict; a key given twice is refused (json's default: the last wins)."""
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key)
        result[key] = value
    return result


def _parse_int(digits: str) -> int | _HugeInteger:
    # Past about 310 digits no float can hold it; past 4,300 int() itself refuses
    # (with a message that names no parameter). Either way the check names the key.
    return int(digits) if len(digits) <= 400 else _HugeInteger(digits)


def _plain_number(value: object) -> object:
    """A NumPy scalar or other real number as a Python int or float; anything else as is."""
    if isinstance(value, bool | int | float | str):
        return value
    if getattr(value, "shape", None) == () and hasattr(value, "item"):  # numpy scalar, 0-d array
        value = value.item()  # numpy.bool_ becomes a bool, and is refused as one
    if isinstance(value, bool):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        try:
            return float(value)
        except OverflowError:
            return math.inf
    return value


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), f"a {type(value).__name__}"
    )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
