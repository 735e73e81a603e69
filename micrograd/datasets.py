"""Small 2-D toy datasets, in pure Python, every one seeded.

Every ``make_*`` function takes ``(n_samples, noise, seed)`` first, then its own
options, and returns ``(X, y)``: ``X`` a list of ``[x, y]`` points
(floats) and ``y`` a list of class indices ``0 .. k-1`` (ints). Both turn into
arrays with ``numpy.array`` if you want them there.

``make_moons(n_samples=100, noise=0.1, seed=1337)`` gives the very same points
as the famous micrograd demo, which made its data with NumPy and scikit-learn
(``np.random.seed(1337); make_moons(n_samples=100, noise=0.1)``). We want the
same numbers without needing either library, so ``_NumpyLegacyRandom`` below
repeats the few NumPy random draws that call makes. That works because NumPy's
legacy generator and Python's ``random`` module are the same algorithm
(the Mersenne Twister, MT19937); only the seeding and the way a draw is turned
into a normal number or a shuffle differ, and those few steps are written
out here as plain arithmetic. The other datasets use ``random.Random(seed)``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from micrograd.errors import ShapeError

Points = list[list[float]]
Labels = list[int]

# A scalar engine trains on hundreds of points; a million is far past any use
# here, and a typo such as n_samples=10**9 would otherwise fill the memory.
MAX_SAMPLES = 1_000_000


# ------------------------------------------------------------------ checks
def _check_count(value: object, name: str, minimum: int, maximum: int | None = None) -> int:
    """An int (not a bool) in ``minimum .. maximum``, or a ValueError that says so."""
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        upper = f" and <= {maximum:,}" if maximum is not None else ""
        why = (
            " (a million is far more than a scalar engine trains on)"
            if maximum == MAX_SAMPLES
            else ""
        )
        raise ValueError(f"{name}={value!r}: give an int >= {minimum}{upper}{why}.")
    return value


def _check_noise(noise: object, name: str = "noise") -> float:
    if not isinstance(noise, int | float) or isinstance(noise, bool) or not 0 <= noise < math.inf:
        raise ValueError(f"{name}={noise!r}: give a finite number >= 0 (0 means no noise).")
    return float(noise)


def _check_seed(seed: object) -> int:
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed={seed!r}: the seed must be an int, e.g. seed=0.")
    return seed


# ------------------------------------------- NumPy's legacy RandomState, in pure Python
class _NumpyLegacyRandom:
    """The draws of ``numpy.random.RandomState(seed)`` that ``make_moons`` needs.

    Only there so that ``make_moons(seed=1337)`` reproduces the classic demo's data.
    """

    def __init__(self, seed: int) -> None:
        if not 0 <= seed < 2**32:
            raise ValueError(f"seed={seed!r}: make_moons needs a seed in 0 .. 2**32 - 1.")
        # NumPy seeds MT19937 with the textbook `init_genrand`: 624 words, each
        # made from the one before. Python's `random` uses the same generator,
        # so we build those words and hand them over. 624 = "used up", which
        # makes the first draw generate a fresh block, just as NumPy does.
        state = [seed]
        for i in range(1, 624):
            prev = state[-1]
            state.append((1812433253 * (prev ^ (prev >> 30)) + i) & 0xFFFFFFFF)
        self._mt = random.Random()
        self._mt.setstate((3, (*state, 624), None))
        self._spare: float | None = None  # the second normal of each pair

    def random(self) -> float:
        """A uniform float in [0, 1) from 53 bits: same formula in NumPy and Python."""
        return self._mt.random()

    def normal(self, scale: float) -> float:
        """NumPy's legacy normal: the polar Box-Muller method, two numbers per round."""
        if self._spare is not None:
            z, self._spare = self._spare, None
            return scale * z
        while True:
            x1 = 2.0 * self.random() - 1.0
            x2 = 2.0 * self.random() - 1.0
            r2 = x1 * x1 + x2 * x2
            if 0.0 < r2 < 1.0:
                break
        f = math.sqrt(-2.0 * math.log(r2) / r2)
        self._spare = f * x1
        return scale * (f * x2)

    def _bounded(self, high: int) -> int:
        """A uniform int in [0, high]: mask 32-bit draws to the bits needed, retry if too big."""
        mask = (1 << high.bit_length()) - 1
        while True:
            value = self._mt.getrandbits(32) & mask
            if value <= high:
                return value

    def shuffle(self, items: list) -> None:
        """NumPy's legacy in-place shuffle (Fisher-Yates, from the back)."""
        for i in range(len(items) - 1, 0, -1):
            j = self._bounded(i)
            items[i], items[j] = items[j], items[i]


def _linspace(start: float, stop: float, num: int) -> list[float]:
    """``numpy.linspace`` to the last bit: ``start + i*step``, the end set exactly to ``stop``."""
    if num == 1:
        return [start]
    step = (stop - start) / (num - 1)
    values = [i * step + start for i in range(num)]
    if values:
        values[-1] = stop
    return values


# ---------------------------------------------------------------- datasets
def make_moons(n_samples: int = 100, noise: float = 0.1, seed: int = 1337) -> tuple[Points, Labels]:
    """Two interleaving half circles, classes 0 (top) and 1 (bottom).

    Follows scikit-learn's ``make_moons`` step by step (points on the two arcs,
    shuffle, then Gaussian noise with standard deviation ``noise``), with the
    random numbers NumPy would draw after ``np.random.seed(seed)``. So the
    default call returns exactly the classic micrograd demo's 100 points.
    """
    n = _check_count(n_samples, "n_samples", 1, MAX_SAMPLES)
    noise = _check_noise(noise)
    rng = _NumpyLegacyRandom(_check_seed(seed))
    n_out, n_in = n // 2, n - n // 2
    outer = [(math.cos(t), math.sin(t)) for t in _linspace(0.0, math.pi, n_out)]
    inner = [(1 - math.cos(t), 1 - math.sin(t) - 0.5) for t in _linspace(0.0, math.pi, n_in)]
    points = outer + inner
    labels = [0] * n_out + [1] * n_in
    order = list(range(n))
    rng.shuffle(order)
    X = [[points[i][0], points[i][1]] for i in order]
    y = [labels[i] for i in order]
    for row in X:  # noise is drawn row by row: x0, y0, x1, y1, ...
        row[0] += rng.normal(noise)
        row[1] += rng.normal(noise)
    return X, y


def make_circles(
    n_samples: int = 100, noise: float = 0.05, seed: int = 0, factor: float = 0.5
) -> tuple[Points, Labels]:
    """A small circle (class 1, radius ``factor``) inside a big one (class 0, radius 1).

    Points are spread evenly around each circle, then moved by Gaussian noise.
    No straight line separates the classes, so a linear model fails here.
    """
    n = _check_count(n_samples, "n_samples", 1, MAX_SAMPLES)
    noise = _check_noise(noise)
    if not isinstance(factor, int | float) or not 0 < factor < 1:
        raise ValueError(f"factor={factor!r}: the inner radius must be between 0 and 1.")
    rng = random.Random(_check_seed(seed))
    n_out, n_in = n // 2, n - n // 2
    X: Points = []
    y: Labels = []
    for label, count, radius in ((0, n_out, 1.0), (1, n_in, float(factor))):
        for i in range(count):
            angle = 2 * math.pi * i / count
            X.append([radius * math.cos(angle), radius * math.sin(angle)])
            y.append(label)
    return _jitter_and_shuffle(X, y, noise, rng)


def make_blobs(
    n_samples: int = 100, noise: float = 0.5, seed: int = 0, centers: int = 3
) -> tuple[Points, Labels]:
    """``centers`` round clouds of points, one class each.

    The centres sit evenly on a circle of radius 2, so the blobs never pile on
    top of each other; ``noise`` is the spread (standard deviation) of each cloud. Sample ``i`` goes
    to class ``i % centers``, so the classes are balanced.
    """
    n = _check_count(n_samples, "n_samples", 1, MAX_SAMPLES)
    k = _check_count(centers, "centers", 1, MAX_SAMPLES)
    noise = _check_noise(noise)
    rng = random.Random(_check_seed(seed))
    angles = [2 * math.pi * c / k for c in range(k)]
    y = [i % k for i in range(n)]
    X = [[2 * math.cos(angles[c]), 2 * math.sin(angles[c])] for c in y]
    return _jitter_and_shuffle(X, y, noise, rng)


def make_spirals(
    n_samples: int = 100, noise: float = 0.2, seed: int = 0, n_arms: int = 2
) -> tuple[Points, Labels]:
    """``n_arms`` spirals winding out from the centre, one class per arm.

    A classic hard case: the network has to learn a boundary that winds
    around. Radius grows from 0 to 1 along each arm, which turns through one
    full circle; ``noise`` jitters the angle (in radians).
    """
    n = _check_count(n_samples, "n_samples", 1, MAX_SAMPLES)
    k = _check_count(n_arms, "n_arms", 1, MAX_SAMPLES)
    noise = _check_noise(noise)
    rng = random.Random(_check_seed(seed))
    X: Points = []
    y: Labels = []
    for arm in range(k):
        count = n // k + (1 if arm < n % k else 0)
        for i in range(count):
            r = i / max(count - 1, 1)
            angle = 2 * math.pi * (r + arm / k) + rng.gauss(0.0, noise)
            X.append([r * math.sin(angle), r * math.cos(angle)])
            y.append(arm)
    return _jitter_and_shuffle(X, y, 0.0, rng)


def make_xor(n_samples: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[Points, Labels]:
    """Points in the square [-1, 1]^2; class 1 where exactly one coordinate is positive.

    The labels come from the clean point; ``noise`` then moves it, so a few
    points near the axes land in the "wrong" quadrant, as real data would.
    """
    n = _check_count(n_samples, "n_samples", 1, MAX_SAMPLES)
    noise = _check_noise(noise)
    rng = random.Random(_check_seed(seed))
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(n)]
    y = [int((a > 0) != (b > 0)) for a, b in X]
    return _jitter_and_shuffle(X, y, noise, rng)


def _jitter_and_shuffle(
    X: Points, y: Labels, noise: float, rng: random.Random
) -> tuple[Points, Labels]:
    """Add Gaussian noise to every coordinate, then shuffle points and labels together."""
    for row in X:
        row[0] += rng.gauss(0.0, noise) if noise else 0.0
        row[1] += rng.gauss(0.0, noise) if noise else 0.0
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


# ---------------------------------------------------------------- helpers
def signed_labels(y: Sequence[int | float]) -> list[float]:
    """Class 0/1 labels as -1.0/+1.0, the form the SVM (max-margin) loss wants.

    Labels that are already -1/+1 pass through unchanged, so calling it twice is safe.
    """
    out = []
    for label in y:
        if label == 1:
            out.append(1.0)
        elif label in (0, -1):
            out.append(-1.0)
        else:
            raise ValueError(
                f"signed_labels: label {label!r} is not 0/1 (or -1/+1). "
                "It is for two classes only; use cross_entropy for more classes."
            )
    return out


def train_test_split(
    X: Sequence,
    y: Sequence,
    test_size: float | int = 0.25,
    seed: int = 0,
    stratify: bool = False,
) -> tuple[list, list, list, list]:
    """Shuffle, then split into ``X_train, X_test, y_train, y_test`` (scikit-learn's order).

    ``test_size`` is a fraction (0 < f < 1, rounded up to whole samples) or a
    count. With ``stratify=True`` each class is split on its own, so both
    parts keep the class proportions (rounding per class can move the test
    size by a sample or so); useful for small or unbalanced data.
    """
    if len(X) != len(y):
        raise ShapeError(f"train_test_split: {len(X)} points in X but {len(y)} labels in y.")
    n = len(X)
    n_test = _test_count(test_size, n)
    rng = random.Random(_check_seed(seed))
    if stratify:
        test: list[int] = []
        rest: list[int] = []
        for label in sorted(set(y)):
            members = [i for i in range(n) if y[i] == label]
            rng.shuffle(members)
            k = round(len(members) * n_test / n)
            test += members[:k]
            rest += members[k:]
        rng.shuffle(test)
        rng.shuffle(rest)
    else:
        order = list(range(n))
        rng.shuffle(order)
        test, rest = order[:n_test], order[n_test:]
    return [X[i] for i in rest], [X[i] for i in test], [y[i] for i in rest], [y[i] for i in test]


def _test_count(test_size: float | int, n: int) -> int:
    if isinstance(test_size, bool) or not isinstance(test_size, int | float):
        raise TypeError(f"test_size={test_size!r}: give a fraction like 0.25 or a count like 20.")
    if isinstance(test_size, float):
        if not 0 < test_size < 1:
            raise ValueError(f"test_size={test_size!r}: a fraction must be between 0 and 1.")
        count = math.ceil(test_size * n)
    else:
        count = test_size
    if not 1 <= count < n:
        raise ValueError(
            f"test_size={test_size!r} leaves {count} of {n} samples for testing; "
            "both parts need at least one sample."
        )
    return count
