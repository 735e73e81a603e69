"""The network lab: a dataset, an MLP and its optimiser, trained step by step.

A ``NetworkSession`` holds one tab's run. Each step is one call of the shared
training loop, ``micrograd.training.train(steps=1)``, with this step's
learning rate from the schedule and a batch seed made from (seed, step), so a
run is the same whether it is stepped by hand or played in the background:
reset with the same settings and seed and you get the same run, step for step.

Playing needs no thread: ``advance(budget_seconds)`` trains the playing run
for a time budget and returns. The local server's trainer thread calls it in
a loop; a host with one thread (Python in a browser's Web Worker) calls it
through the API (``/api/net/advance``).

The curves are measured after each step on the whole training and test sets,
not on the step's mini-batch. Pictures are computed with plain floats
(``pictures``), at most every ``PICTURE_SECONDS`` while playing.

If training blows up, the run stops with a diagnosis (``divergence``) and is
never left stuck: reset, or play again after reset, works at once.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import asdict, dataclass, field

from micrograd import datasets
from micrograd.nn import MLP
from micrograd.optim import SGD, Adam, constant, cosine_decay, linear_decay, step_decay
from micrograd.playground import divergence, inspector, pictures
from micrograd.playground.settings import (  # noqa: F401 - re-exported for the API
    ACTIVATIONS,
    DATASETS,
    DEFAULT_LR,
    MAX_CUSTOM,
    MAX_LAYERS,
    MAX_NEURONS,
    MAX_POINTS,
    OPTIMIZERS,
    SCHEDULES,
    Config,
    ConfigError,
)
from micrograd.training import train
from micrograd.viz.gradflow import layer_stats

DECAY_STEPS = 100  # linear/cosine reach their end here; step halves every DECAY_STEPS // 2
MAX_STEPS = 20_000  # per run; reset to start again
MAX_STEPS_PER_REQUEST = 200
MAX_ADVANCE_SECONDS = 1.0  # the longest budget one /api/net/advance may ask for
IDLE_PAUSE = 10.0  # seconds without a request before a playing run pauses itself
PICTURE_SECONDS = 0.3  # while playing, pictures are redrawn at most this often
PICTURE_SHARE = 0.25  # ... and take at most about this share of the time
GRID = 60  # decision grid points per axis
NEURON_GRID = 20  # per-neuron pictures: points per axis (every third grid point)

_init_lock = threading.Lock()  # MLP() draws from the global random module


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
    """One entry per step, measured after the step on all the points of each set."""

    loss: list[float] = field(default_factory=list)  # data loss on the whole training set
    accuracy: list[float] = field(default_factory=list)
    test_loss: list[float | None] = field(default_factory=list)
    test_accuracy: list[float | None] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)


class NetworkSession:
    """One tab's network run. Hold ``lock`` (``with run.acquire():``) while using it.

    ``play()`` marks the run as playing; ``advance()`` then trains it. On the
    local server a thread calls ``advance`` one step at a time under the lock,
    so the page can ask for pictures whenever it is ready to draw them. Playing
    stops on ``pause()``, on divergence, at ``MAX_STEPS``, or when no one has
    asked for ``IDLE_PAUSE`` seconds (a tab closed without saying so), and
    ``stopped`` says which.
    """

    def __init__(self, config: Config, *, threaded: bool = True) -> None:
        self.lock = threading.Lock()
        self.last_used = time.monotonic()
        self.threaded = threaded  # False: the host calls advance() itself (no threads)
        self.playing = False
        self._waiting = 0  # requests waiting for the lock; the trainer lets them in
        self._counting = threading.Lock()  # += is not atomic between threads
        self._thread: threading.Thread | None = None
        self.reset(config)

    # ------------------------------------------------------------- play / pause
    def play(self) -> None:
        """Mark the run as playing; with threads, start the trainer (call with the lock held)."""
        if self.error is not None or self.steps >= MAX_STEPS:
            return  # stopped says why; reset to train again
        self.playing = True
        self.stopped = None
        if self.threaded and self._thread is None:  # the trainer clears it, under the lock
            self._thread = threading.Thread(target=self._run, name="micrograd-train", daemon=True)
            self._thread.start()

    def pause(self) -> None:
        """Stop after the current step (call with the lock held)."""
        if self.playing:
            self._stop("paused", f"paused at step {self.steps}.")

    def _stop(self, reason: str, message: str) -> None:
        self.playing = False
        self.stopped = {"reason": reason, "step": self.steps, "message": message}

    def advance(self, budget_seconds: float) -> int:
        """Train the playing run for about ``budget_seconds`` (at least one step); call with
        the lock held. Returns the steps made; 0 when not playing or when playing stops."""
        if not self.playing:
            return 0
        if time.monotonic() - self.last_used > IDLE_PAUSE:
            self._stop("idle", f"paused at step {self.steps}: no one was watching.")
            return 0
        return self.train(MAX_STEPS, budget_seconds)

    def _run(self) -> None:
        me = threading.current_thread()
        try:
            while True:
                patience = time.monotonic() + 0.5
                while self._waiting and time.monotonic() < patience:
                    time.sleep(0.001)  # a request is waiting: let it take the lock first
                with self.lock:
                    if self._thread is not me or not self.playing:
                        if self._thread is me:
                            self._thread = None
                        return
                    self.advance(0.0)  # one step
        except BaseException as exc:  # a bug of ours: never leave the run stuck
            with self.lock:
                if self._thread is me:
                    self._thread = None
                self.error = f"training stopped by an internal error: {exc!r}"
                self._stop("error", self.error)

    def acquire(self) -> NetworkSession:
        """``with run.acquire():`` takes the lock ahead of the training thread."""
        with self._counting:
            self._waiting += 1
        self.lock.acquire()
        with self._counting:
            self._waiting -= 1
        self.last_used = time.monotonic()
        return self

    def __enter__(self) -> NetworkSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.lock.release()

    # ------------------------------------------------------------- the run
    def reset(self, config: Config) -> None:
        """Start again: same config and seed give the same data, weights and run."""
        X, y = _dataset(config)
        if config.test > 0 and len(X) >= 4:
            X_train, X_test, y_train, y_test = datasets.train_test_split(
                X, y, test_size=config.test, seed=config.seed
            )
        else:
            X_train, X_test, y_train, y_test = X, [], y, []
        if config.batch > len(X_train):
            raise ConfigError(
                f"batch={config.batch} is more than the {len(X_train)} training points; "
                "lower it, or use 0 for the full batch."
            )
        self.playing = False
        self._thread = None  # an old trainer sees it is no longer the run's and ends
        self.config = config
        self.X, self.X_test, self.y, self.y_test = X_train, X_test, y_train, y_test
        self.classes = max(2, max(y) + 1)  # class indices 0, 1, ...
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
        self.diverged: dict | None = None
        self.stopped: dict | None = None
        self.grad_peaks: list[list[float]] = []  # per step, each layer's largest |grad|
        self._pictures: tuple[int, float, dict] | None = None  # (step, time, pictures)
        # A square view (so circles look round), the data plus a margin of 0.5.
        cx = (min(p[0] for p in X) + max(p[0] for p in X)) / 2
        cy = (min(p[1] for p in X) + max(p[1] for p in X)) / 2
        half = max(max(abs(p[0] - cx) for p in X), max(abs(p[1] - cy) for p in X)) + 0.5
        self.extent = (cx - half, cx + half, cy - half, cy + half)
        self.grid = pictures.grid_points(self.extent, GRID)

    @property
    def steps(self) -> int:
        return len(self.curves.loss)

    def train(self, steps: int, budget: float) -> int:
        """Up to ``steps`` training steps, stopping early after ``budget`` seconds.

        Returns how many were made. Divergence ends the run with a diagnosis
        (``diverged``, ``error``, ``stopped``) instead of raising.
        """
        deadline = time.perf_counter() + budget
        made = 0
        for _ in range(min(steps, MAX_STEPS - self.steps)):
            if self.error is not None or not self._step():
                break
            made += 1
            if time.perf_counter() > deadline:
                break
        if self.steps >= MAX_STEPS and self.error is None and self.stopped is None:
            self._stop(
                "max_steps",
                f"stopped at {MAX_STEPS:,} steps, the most one run may take; reset to train again.",
            )
        return made

    def _step(self) -> bool:
        c, n, k = self.config, len(self.X), self.steps
        lr = self.schedule(k)
        try:
            train(
                self.model, self.X, self.y, loss=self.loss, steps=1, lr=lr,
                optimizer=self.optimizer, batch_size=c.batch if 0 < c.batch < n else None,
                alpha=c.l2, seed=c.seed * 100_003 + k, progress=False,
            )  # fmt: skip
            peaks = divergence.layer_peaks(self.model)
            loss, acc = inspector.evaluate(self.model, self.X, self.y, self.loss)
            test_loss, test_acc = (
                inspector.evaluate(self.model, self.X_test, self.y_test, self.loss)
                if self.X_test
                else (None, None)
            )
        except (ArithmeticError, ValueError) as exc:
            self._diverge(k, exc)
            return False
        self.grad_peaks.append(peaks)
        curves = self.curves
        curves.loss.append(loss)
        curves.accuracy.append(acc)
        curves.test_loss.append(test_loss)
        curves.test_accuracy.append(test_acc)
        curves.lr.append(lr)
        return True

    def _diverge(self, step: int, exc: BaseException) -> None:
        """Stop with a diagnosis; the weights are the last finite ones (the optimiser refuses)."""
        cause = str(exc.__cause__ or exc)
        what = divergence.what_overflowed(cause)
        layer, growth = divergence.first_blown_layer(self.grad_peaks)
        lr = self.schedule(step)
        self.diverged = divergence.diagnose(self.config, step, what, layer, growth, cause, lr)
        self.error = self.diverged["message"]
        self._stop("diverged", self.error)

    # --------------------------------------------------------------- snapshots
    def data(self) -> dict:
        """The points, sent once per reset."""
        return {
            "config": self.config.to_json(),
            "extent": self.extent,
            "classes": self.classes,
            "train": {"X": self.X, "y": self.y},
            "test": {"X": self.X_test, "y": self.y_test},
            "layers": [len(layer.neurons) for layer in self.model.layers],
            "parameters": len(self.params),
            "grid": GRID,
            "neuronGrid": NEURON_GRID,
            "maxSteps": MAX_STEPS,
        }

    def pictures(self) -> dict:
        """Boundary, neuron maps, weights and gradient flow, recomputed when the step changed.

        While playing they are redrawn at most every ``PICTURE_SECONDS``, and never
        more often than ``PICTURE_SHARE`` of the time allows: on a busy machine (or
        in a slower browser Python) drawing takes longer, and training keeps its pace.
        """
        now = time.monotonic()
        cached = self._pictures
        if cached is not None and (cached[0] == self.steps or (self.playing and now < cached[1])):
            return cached[2]
        drawn = pictures.pictures(self.model, self.grid, GRID, NEURON_GRID, self.classes)
        drawn["weights"] = pictures.weights(self.model)
        drawn["gradflow"] = self._gradflow()
        drawn["pictureStep"] = self.steps
        took = time.monotonic() - now
        self._pictures = (self.steps, now + max(PICTURE_SECONDS, took / PICTURE_SHARE), drawn)
        return drawn

    def snapshot(self, since: int = 0) -> dict:
        """What changed while training: new curve points, boundary, neuron maps, gradient flow."""
        since = max(0, min(since, self.steps))
        curves = {name: values[since:] for name, values in asdict(self.curves).items()}
        return {
            "step": self.steps,
            "since": since,
            "curves": curves,
            **self.pictures(),
            "error": self.error,
            "diverged": self.diverged,
            "stopped": self.stopped,
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
    def point(self, split: str, index: int, svg: bool = False) -> dict:
        """One point's way through the network, with its own gradients, as JSON
        (and, with ``svg``, the older server-drawn picture)."""
        X, y = (self.X, self.y) if split == "train" else (self.X_test, self.y_test)
        if not 0 <= index < len(X):
            raise ConfigError(f"there is no {split} point {index}; there are {len(X)}.")
        try:
            answer = inspector.point(self.model, X[index], y[index], self.loss)
        except ArithmeticError:
            raise ConfigError(
                f"{split} point {index} cannot be computed: the weights are so large that its "
                "numbers overflow (the run diverged). Reset to inspect points again."
            ) from None
        answer.update(split=split, index=index)
        answer["zeroLoss"] = inspector.zero_loss_points(self.model, X, y, self.loss)
        if svg:
            answer["svg"] = inspector.point_svg(self.model, X[index], y[index], self.loss)
        return answer

    def neuron(self, layer: int, index: int) -> dict:
        """One neuron's formula, weights, their gradients, and the optimiser's next step."""
        layers = self.model.layers
        if not 0 <= layer < len(layers) or not 0 <= index < len(layers[layer].neurons):
            raise ConfigError(f"there is no neuron {index} in layer {layer}.")
        return inspector.neuron(self, layer, index)


def _dataset(config: Config) -> tuple[list, list]:
    if config.dataset == "custom":
        return [[x, y] for x, y, _ in config.custom], [c for _, _, c in config.custom]
    make = DATASETS[config.dataset]
    return make(n_samples=config.points, noise=config.noise, seed=config.seed)
