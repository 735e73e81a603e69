"""The network lab: a dataset, an MLP and its optimiser, trained step by step.

A ``NetworkSession`` holds one tab's run. Each step is one call of the shared
training loop, ``micrograd.training.train(steps=1)``, with this step's
learning rate from the schedule and a batch seed made from (seed, step), so a
run is the same whether it is stepped by hand or played in the background:
reset with the same settings and seed and you get the same run, step for step.

Pictures are computed with the float fast path (``viz.fastforward``): one
pass over a grid gives the decision boundary and every hidden neuron's map.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from micrograd import datasets
from micrograd.engine import Value
from micrograd.losses import accuracy
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam, constant, cosine_decay, linear_decay, step_decay
from micrograd.training import LOSSES, train
from micrograd.viz.fastforward import batch_forward, layer_columns
from micrograd.viz.gradflow import layer_stats

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
DECAY_STEPS = 100  # linear/cosine reach their end here; step halves every DECAY_STEPS // 2

MAX_POINTS = 400
MAX_LAYERS = 4
MAX_NEURONS = 16
MAX_STEPS = 20_000  # per run; reset to start again
MAX_STEPS_PER_REQUEST = 200
IDLE_PAUSE = 10.0  # seconds without a request before a playing run pauses itself
GRID = 60  # decision grid points per axis
NEURON_GRID = 20  # per-neuron pictures: points per axis (every third grid point)

_init_lock = threading.Lock()  # MLP() draws from the global random module


class ConfigError(ValueError):
    """A network setting is missing, of the wrong type or out of range."""


@dataclass(frozen=True)
class Config:
    """Every network setting; the defaults are the classic micrograd moons demo."""

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

    @classmethod
    def from_json(cls, raw: object) -> Config:
        """Validate the page's settings; every bad field gets a message saying what fits."""
        if not isinstance(raw, Mapping):
            raise ConfigError("config must be an object of network settings.")
        unknown = sorted(set(raw) - set(cls.__dataclass_fields__))
        if unknown:
            raise ConfigError(
                f"unknown setting(s) {unknown}; known: {sorted(cls.__dataclass_fields__)}."
            )
        base = cls()
        values = {name: raw.get(name, getattr(base, name)) for name in cls.__dataclass_fields__}
        _choice(values, "dataset", tuple(DATASETS))
        _choice(values, "activation", ACTIVATIONS)
        _choice(values, "schedule", SCHEDULES)
        _choice(values, "optimizer", OPTIMIZERS)
        values["noise"] = _number(values, "noise", 0.0, 1.0)
        values["test"] = _number(values, "test", 0.0, 0.5)
        values["lr"] = _number(values, "lr", 1e-5, 10.0)
        values["l2"] = _number(values, "l2", 0.0, 1.0)
        values["points"] = _integer(values, "points", 10, MAX_POINTS)
        values["batch"] = _integer(values, "batch", 0, MAX_POINTS)
        values["seed"] = _integer(values, "seed", 0, 2**31 - 1)
        hidden = values["hidden"]
        if not isinstance(hidden, list | tuple) or not 1 <= len(hidden) <= MAX_LAYERS:
            raise ConfigError(
                f"hidden must be a list of 1 to {MAX_LAYERS} layer sizes, e.g. [16, 16]."
            )
        for size in hidden:
            if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_NEURONS:
                raise ConfigError(
                    f"hidden layer size {size!r}: give an int from 1 to {MAX_NEURONS}."
                )
        values["hidden"] = tuple(hidden)
        return cls(**values)


def _choice(values: dict, name: str, options: tuple[str, ...]) -> None:
    if values[name] not in options:
        raise ConfigError(f"{name}={values[name]!r}; choose one of {list(options)}.")


def _number(values: dict, name: str, low: float, high: float) -> float:
    value = values[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(f"{name}={value!r}: give a number from {low:g} to {high:g}.")
    return float(value)


def _integer(values: dict, name: str, low: int, high: int) -> int:
    value = values[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{name}={value!r}: give a whole number from {low} to {high}.")
    return value


def _schedule(config: Config):
    lr = config.lr
    return {
        "constant": constant(lr),
        "linear": linear_decay(lr, lr * 0.1, DECAY_STEPS),
        "cosine": cosine_decay(lr, 0.0, DECAY_STEPS),
        "step": step_decay(lr, 0.5, DECAY_STEPS // 2),
    }[config.schedule]


def _optimizer(config: Config, params):
    if config.optimizer == "adam":
        return Adam(params, lr=config.lr)
    return SGD(params, lr=config.lr, momentum=0.9 if config.optimizer == "momentum" else 0.0)


@dataclass
class Curves:
    """One entry per step: train loss/accuracy from the step itself, test from after it."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)


class NetworkSession:
    """One tab's network run. Hold ``lock`` while reading or changing it.

    ``play()`` trains in a background thread, one step at a time under the
    lock, so the page can ask for pictures whenever it is ready to draw them
    and training never waits for the browser. The thread stops on ``pause()``,
    on an error, at ``MAX_STEPS``, or when no one has asked for
    ``IDLE_PAUSE`` seconds (a tab closed without saying so).
    """

    def __init__(self, config: Config) -> None:
        self.lock = threading.Lock()
        self.last_used = time.monotonic()
        self.playing = False
        self._waiting = 0  # requests waiting for the lock; the trainer lets them in
        self._thread: threading.Thread | None = None
        self.reset(config)

    # ------------------------------------------------------------- play / pause
    def play(self) -> None:
        """Start training in the background (call with ``lock`` held)."""
        self.playing = True
        if self._thread is None:  # the trainer clears it, under the lock, when it stops
            self._thread = threading.Thread(target=self._run, name="micrograd-train", daemon=True)
            self._thread.start()

    def pause(self) -> None:
        """Stop after the current step (call with ``lock`` held)."""
        self.playing = False

    def _run(self) -> None:
        while True:
            patience = time.monotonic() + 0.5
            while self._waiting and time.monotonic() < patience:
                time.sleep(0.001)  # a request is waiting: let it take the lock first
            with self.lock:
                idle = time.monotonic() - self.last_used > IDLE_PAUSE
                if not self.playing or idle or self.error or self.steps >= MAX_STEPS:
                    self.playing = False
                    self._thread = None
                    return
                self.train(1, budget=math.inf)

    def acquire(self) -> NetworkSession:
        """``with run.acquire():`` takes the lock ahead of the training thread."""
        self._waiting += 1
        self.lock.acquire()
        self._waiting -= 1
        self.last_used = time.monotonic()
        return self

    def __enter__(self) -> NetworkSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock.release()

    def reset(self, config: Config) -> None:
        """Start again: same config and seed give the same data, weights and run."""
        self.playing = False
        self.config = config
        make = DATASETS[config.dataset]
        X, y = make(n_samples=config.points, noise=config.noise, seed=config.seed)
        if config.test > 0:
            self.X, self.X_test, self.y, self.y_test = datasets.train_test_split(
                X, y, test_size=config.test, seed=config.seed
            )
        else:
            self.X, self.X_test, self.y, self.y_test = X, [], y, []
        if config.batch > len(self.X):
            raise ConfigError(
                f"batch={config.batch} is more than the {len(self.X)} training points; "
                "lower it, or use 0 for the full batch."
            )
        self.classes = len(set(y))
        self.loss = "svm" if self.classes <= 2 else "cross_entropy"
        outputs = 1 if self.classes <= 2 else self.classes
        with _init_lock:
            saved = random.getstate()
            random.seed(config.seed)
            self.model = MLP(2, [*config.hidden, outputs], activation=config.activation)
            random.setstate(saved)
        self.params = self.model.parameters()
        self.optimizer = _optimizer(config, self.params)
        self.schedule = _schedule(config)
        self.curves = Curves()
        self.error: str | None = None
        # A square view (so circles look round), the data plus a margin of 0.5.
        cx = (min(p[0] for p in X) + max(p[0] for p in X)) / 2
        cy = (min(p[1] for p in X) + max(p[1] for p in X)) / 2
        half = max(max(abs(p[0] - cx) for p in X), max(abs(p[1] - cy) for p in X)) + 0.5
        lo_x, hi_x, lo_y, hi_y = cx - half, cx + half, cy - half, cy + half
        self.extent = (lo_x, hi_x, lo_y, hi_y)
        xs = [lo_x + (hi_x - lo_x) * (k + 0.5) / GRID for k in range(GRID)]
        ys = [hi_y - (hi_y - lo_y) * (k + 0.5) / GRID for k in range(GRID)]  # top row first
        self.grid = [(x, y) for y in ys for x in xs]

    @property
    def steps(self) -> int:
        return len(self.curves.loss)

    def train(self, steps: int, budget: float) -> None:
        """Up to ``steps`` training steps, stopping early after ``budget`` seconds."""
        deadline = time.perf_counter() + budget
        c, n = self.config, len(self.X)
        for _ in range(min(steps, MAX_STEPS - self.steps)):
            if self.error is not None:
                return
            k = self.steps
            lr = self.schedule(k)
            try:
                record = train(
                    self.model, self.X, self.y, loss=self.loss, steps=1, lr=lr,
                    optimizer=self.optimizer, batch_size=c.batch if 0 < c.batch < n else None,
                    alpha=c.l2, seed=c.seed * 100_003 + k, progress=False,
                ).final  # fmt: skip
            except (OverflowError, ValueError, ZeroDivisionError) as exc:
                self.error = (
                    f"training stopped at step {k}: {exc}. The steps grew too large; "
                    "lower the learning rate and reset."
                )
                return
            if not math.isfinite(record.loss):
                self.error = (
                    f"the loss is {record.loss} at step {k}; lower the learning rate and reset."
                )
                return
            test_loss, test_acc = self._test_metrics()
            curves = self.curves
            curves.loss.append(record.data_loss)
            curves.accuracy.append(record.accuracy)
            curves.test_loss.append(test_loss)
            curves.test_accuracy.append(test_acc)
            curves.lr.append(record.lr)
            if time.perf_counter() > deadline:
                return

    def _scores(self, X) -> list:
        return batch_forward(self.model, X) if X else []

    def _test_metrics(self) -> tuple[float | None, float | None]:
        if not self.X_test:
            return None, None
        scores = self._scores(self.X_test)
        if self.loss == "svm":
            values = [Value(s) for s in scores]
            labels = [1 if t == 1 else -1 for t in self.y_test]
        else:
            values = [[Value(s) for s in row] for row in scores]
            labels = self.y_test
        return LOSSES[self.loss](values, labels).data, accuracy(scores, labels)

    # --------------------------------------------------------------- snapshots
    def data(self) -> dict:
        """The points, sent once per reset."""
        return {
            "config": {**asdict(self.config), "hidden": list(self.config.hidden)},
            "extent": self.extent,
            "classes": self.classes,
            "train": {"X": self.X, "y": self.y},
            "test": {"X": self.X_test, "y": self.y_test},
            "layers": [len(layer.neurons) for layer in self.model.layers],
            "parameters": len(self.params),
            "grid": GRID,
            "neuronGrid": NEURON_GRID,
        }

    def snapshot(self, since: int = 0) -> dict:
        """What changed while training: new curve points, boundary, neuron maps, gradient flow."""
        columns = layer_columns(self.model, self.grid)
        output = columns[-1]
        stride = GRID // NEURON_GRID
        neurons = []
        for layer in columns[:-1]:
            maps = []
            for col in layer:
                picture = col.reshape(GRID, GRID)[stride // 2 :: stride, stride // 2 :: stride]
                maps.append(_quantize(picture.ravel()))
            neurons.append(maps)
        if self.classes <= 2:
            boundary = {"kind": "binary", "scores": _quantize(output[0])}
        else:
            import numpy as np

            scores = np.stack(output, axis=1)
            leads = []  # how far each class is ahead of its best rival: > 0 where it wins
            for c in range(scores.shape[1]):
                rivals = np.delete(scores, c, axis=1).max(axis=1)
                leads.append(_quantize(scores[:, c] - rivals))
            boundary = {"kind": "classes", "winner": scores.argmax(axis=1).tolist(), "leads": leads}
        since = max(0, min(since, self.steps))
        curves = {name: values[since:] for name, values in asdict(self.curves).items()}
        return {
            "step": self.steps,
            "since": since,
            "curves": curves,
            "boundary": boundary,
            "neurons": neurons,
            "gradflow": self._gradflow(),
            "error": self.error,
            "playing": self.playing,
            "maxSteps": MAX_STEPS,
        }

    def _gradflow(self) -> list[dict]:
        if not self.steps:
            return []
        return [
            {
                "layer": s.index + 1,
                "activation": s.activation,
                "meanAbsGrad": s.grad_mean_abs,
                "dead": s.dead_fraction,
                "saturated": s.saturated_fraction,
            }
            for s in layer_stats(self.model, self.X)
        ]

    # ----------------------------------------------------------------- linked views
    def point(self, split: str, index: int) -> dict:
        """One point's computation through the network, with its own gradients (draw_neurons)."""
        from micrograd.viz.neurons import draw_neurons

        X, y = (self.X, self.y) if split == "train" else (self.X_test, self.y_test)
        if not 0 <= index < len(X):
            raise ConfigError(f"there is no {split} point {index}; there are {len(X)}.")
        x, label = X[index], y[index]
        saved = [p.grad for p in self.params]  # keep the last training step's gradients
        try:
            self.model.zero_grad()
            score = self.model(x)
            target = (1 if label == 1 else -1) if self.loss == "svm" else label
            loss = LOSSES[self.loss]([score], [target])
            loss.backward()
            svg = draw_neurons(self.model, x, engine="auto").pipe("svg").decode()
        finally:
            for p, g in zip(self.params, saved):
                p.grad = g
        scores = score.data if self.loss == "svm" else [s.data for s in score]
        return {"split": split, "index": index, "x": x, "label": label, "score": scores,
                "loss": loss.data, "svg": svg}  # fmt: skip

    def neuron(self, layer: int, index: int) -> dict:
        """One neuron's weights and their gradients from the last training step."""
        layers = self.model.layers
        if not 0 <= layer < len(layers) or not 0 <= index < len(layers[layer].neurons):
            raise ConfigError(f"there is no neuron {index} in layer {layer}.")
        n = layers[layer].neurons[index]
        sources = (
            [f"x{i + 1}" for i in range(len(n.w))]
            if layer == 0
            else [f"L{layer}·N{i + 1}" for i in range(len(n.w))]
        )
        weights = [{"from": s, "data": w.data, "grad": w.grad} for s, w in zip(sources, n.w)]
        weights.append({"from": "bias", "data": n.b.data, "grad": n.b.grad})
        return {"layer": layer, "index": index, "activation": n.activation, "weights": weights}


def _quantize(values) -> dict:
    """A NumPy array as ints in -127..127 of its largest magnitude: a small JSON for a picture."""
    import numpy as np

    scale = float(np.abs(values).max()) if len(values) else 0.0
    if scale == 0:
        return {"scale": 0.0, "q": [0] * len(values)}
    return {"scale": scale, "q": np.rint(values * (127 / scale)).astype(int).tolist()}
