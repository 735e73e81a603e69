"""The network lab's settings: one table of fields, checked in one place.

``Config.from_json`` refuses a bad setting with a message that says what
fits. ``Config.adjusted`` is for settings read from a URL, which a learner may
have edited by hand: it keeps every value that fits, replaces the others by the
nearest one that does (or the default), and lists each change with the reason,
so the page can say what it changed instead of changing it silently.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass

from micrograd import datasets

DATASETS = {
    "moons": datasets.make_moons,
    "circles": datasets.make_circles,
    "xor": datasets.make_xor,
    "spirals": datasets.make_spirals,
    "blobs": datasets.make_blobs,
}
ACTIVATIONS = ("relu", "tanh", "sigmoid")
OPTIMIZERS = ("sgd", "momentum", "adam")
SCHEDULES = ("constant", "linear", "cosine", "step")
# Each optimiser's usual learning rate: plain SGD takes big steps (the classic demo's 1.0);
# momentum adds up about ten past steps, so a tenth of that; Adam's steps are about lr each.
DEFAULT_LR = {"sgd": 1.0, "momentum": 0.1, "adam": 0.01}

MAX_POINTS = 400
MAX_LAYERS = 4
MAX_NEURONS = 16
MAX_CUSTOM = 200  # points a learner may place by hand
CUSTOM_RANGE = 4.0  # |x| and |y| of a hand-placed point
MAX_CLASSES = 4

# name -> (kind, low, high); kind is "choice" (high holds the options), "number" or "int"
FIELDS: dict[str, tuple[str, object, object]] = {
    "dataset": ("choice", None, (*DATASETS, "custom")),
    "noise": ("number", 0.0, 1.0),
    "points": ("int", 10, MAX_POINTS),
    "test": ("number", 0.0, 0.5),
    "hidden": ("hidden", 1, MAX_NEURONS),
    "activation": ("choice", None, ACTIVATIONS),
    "lr": ("number", 1e-5, 10.0),
    "schedule": ("choice", None, SCHEDULES),
    "batch": ("int", 0, MAX_POINTS),
    "l2": ("number", 0.0, 1.0),
    "optimizer": ("choice", None, OPTIMIZERS),
    "seed": ("int", 0, 2**31 - 1),
    "custom": ("custom", None, None),
}


class ConfigError(ValueError):
    """A network setting is missing, of the wrong type or out of range."""


@dataclass(frozen=True)
class Config:
    """Every network setting; the defaults are the classic micrograd moons demo.

    ``custom`` holds hand-placed points ``(x, y, class)``; they are the data
    when ``dataset`` is ``"custom"``.
    """

    dataset: str = "moons"
    noise: float = 0.1
    points: int = 100
    test: float = 0.2  # fraction held out for the test curves
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "relu"
    lr: float = 1.0
    schedule: str = "linear"
    batch: int = 0  # 0: full batch
    l2: float = 1e-4
    optimizer: str = "sgd"
    seed: int = 1337
    custom: tuple[tuple[float, float, int], ...] = ()

    def to_json(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        d["custom"] = [list(p) for p in self.custom]
        return d

    @classmethod
    def from_json(cls, raw: object) -> Config:
        """Validate the page's settings; every bad field gets a message saying what fits."""
        return cls._build(raw, adjust=None)

    @classmethod
    def adjusted(cls, raw: object) -> tuple[Config, list[dict]]:
        """Settings that fit, and a list of ``{field, given, used, why}`` for each value changed."""
        changes: list[dict] = []
        return cls._build(raw, adjust=changes), changes

    @classmethod
    def _build(cls, raw: object, adjust: list | None) -> Config:
        if not isinstance(raw, Mapping):
            if adjust is None:
                raise ConfigError("config must be an object of network settings.")
            adjust.append(_change("config", raw, {}, "settings must be an object; using defaults"))
            raw = {}
        unknown = sorted(set(raw) - set(FIELDS), key=str)
        if unknown:
            if adjust is None:
                raise ConfigError(f"unknown setting(s) {unknown}; known: {sorted(FIELDS)}.")
            for name in unknown:
                adjust.append(_change(name, raw[name], None, "not a setting; ignored"))
        base = cls()
        given = raw.get("optimizer", base.optimizer)
        optimizer = _check("optimizer", given, base.optimizer, adjust)
        # An lr not given is the chosen optimiser's usual one.
        defaults = {**asdict(base), "optimizer": optimizer, "lr": DEFAULT_LR[optimizer]}
        values = {"optimizer": optimizer}
        for name in FIELDS:
            if name != "optimizer":
                values[name] = _check(name, raw.get(name, defaults[name]), defaults[name], adjust)
        config = cls(**values)
        if config.dataset == "custom" and len({p[2] for p in config.custom}) < 2:
            message = "custom data needs points of at least two classes; click to add some."
            if adjust is None:
                raise ConfigError(message)
            adjust.append(_change("dataset", "custom", "moons", message))
            config = cls(**{**values, "dataset": "moons"})
        return config


def _change(name: str, given: object, used: object, why: str) -> dict:
    return {"field": name, "given": _shown(given), "used": used, "why": why}


def _shown(value: object) -> object:
    """The given value, safe to send back as JSON (long or odd values as short text)."""
    if isinstance(value, bool | int) and abs(value) < 2**53:
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check(name: str, value: object, default: object, adjust: list | None) -> object:
    """One field: the value if it fits; else an error, or (adjusting) the nearest that fits."""
    kind, low, high = FIELDS[name]
    if kind == "choice":
        if value in high:
            return value
        message = f"{name}={_shown(value)!r}; choose one of {list(high)}."
        return _refuse(name, value, default, message, adjust)
    if kind == "hidden":
        return _hidden(value, adjust)
    if kind == "custom":
        return _custom(value, adjust)
    whole = kind == "int"
    what = "a whole number" if whole else "a number"
    message = f"{name}={_shown(value)!r}: give {what} from {low:g} to {high:g}."
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or (whole and not isinstance(value, int)) or value != value:
        return _refuse(name, value, default, message + " Using the default.", adjust)
    if low <= value <= high:
        return value if whole else float(value)
    if adjust is None:
        raise ConfigError(message)
    used = min(max(value, low), high)
    side = "largest" if value > high else "smallest"
    adjust.append(_change(name, value, used, f"{message} Using the {side} allowed."))
    return used if whole else float(used)


def _refuse(name: str, value: object, used: object, message: str, adjust: list | None) -> object:
    if adjust is None:
        raise ConfigError(message)
    adjust.append(_change(name, value, used, message))
    return used


def _hidden(value: object, adjust: list | None) -> tuple[int, ...]:
    message = f"hidden must be a list of 1 to {MAX_LAYERS} layer sizes, e.g. [16, 16]."
    if not isinstance(value, list | tuple) or not value:
        return tuple(_refuse("hidden", value, list(Config().hidden), message, adjust))
    sizes, why = [], []
    for size in value:
        if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_NEURONS:
            fix = f"hidden layer size {_shown(size)!r}: give an int from 1 to {MAX_NEURONS}."
            if adjust is None:
                raise ConfigError(fix)
            number = isinstance(size, int | float) and not isinstance(size, bool) and size == size
            size = int(min(max(size, 1), MAX_NEURONS)) if number else Config().hidden[0]
            why.append(f"{fix} Using {size}.")
        sizes.append(size)
    if len(sizes) > MAX_LAYERS:
        if adjust is None:
            raise ConfigError(message)
        why.append(f"at most {MAX_LAYERS} layers; kept the first {MAX_LAYERS}.")
        sizes = sizes[:MAX_LAYERS]
    if why:
        adjust.append(_change("hidden", value, sizes, " ".join(why)))
    return tuple(sizes)


def _custom(value: object, adjust: list | None) -> tuple[tuple[float, float, int], ...]:
    """Hand-placed points ``[[x, y, class], ...]``: bounded in count, range and classes."""
    fix = (
        f"custom must be a list of up to {MAX_CUSTOM} points [x, y, class] with |x|, |y| <= "
        f"{CUSTOM_RANGE:g} and class 0 to {MAX_CLASSES - 1}."
    )
    if not isinstance(value, list | tuple):
        return tuple(_refuse("custom", value, [], fix, adjust))
    points = []
    for p in value:
        ok = (
            isinstance(p, list | tuple)
            and len(p) == 3
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in p)
            and all(math.isfinite(v) and abs(v) <= CUSTOM_RANGE for v in p[:2])
            and isinstance(p[2], int)
            and 0 <= p[2] < MAX_CLASSES
        )
        if not ok:
            if adjust is None:
                raise ConfigError(f"custom point {_shown(p)!r}: {fix}")
            adjust.append(_change("custom", p, None, "not a valid point; left out. " + fix))
            continue
        points.append((float(p[0]), float(p[1]), int(p[2])))
    if len(points) > MAX_CUSTOM:
        if adjust is None:
            raise ConfigError(f"{len(points)} custom points: {fix}")
        adjust.append(_change("custom", len(points), MAX_CUSTOM, f"kept the first {MAX_CUSTOM}"))
        points = points[:MAX_CUSTOM]
    return tuple(points)
