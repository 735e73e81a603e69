import math
from collections import Counter

import pytest

from micrograd.datasets import (
    make_blobs,
    make_circles,
    make_moons,
    make_spirals,
    make_xor,
    signed_labels,
    train_test_split,
)
from micrograd.errors import ShapeError

np = pytest.importorskip("numpy")

MAKERS = [make_moons, make_circles, make_blobs, make_spirals, make_xor]


def numpy_make_moons(n_samples, noise, seed):
    """scikit-learn's make_moons after np.random.seed(seed), written out with NumPy.

    scikit-learn is not a dependency, so its few lines are repeated here; the
    random numbers come from NumPy's own legacy RandomState.
    """
    rs = np.random.RandomState(seed)
    n_out, n_in = n_samples // 2, n_samples - n_samples // 2
    outer_x = np.cos(np.linspace(0, np.pi, n_out))
    outer_y = np.sin(np.linspace(0, np.pi, n_out))
    inner_x = 1 - np.cos(np.linspace(0, np.pi, n_in))
    inner_y = 1 - np.sin(np.linspace(0, np.pi, n_in)) - 0.5
    X = np.vstack([np.append(outer_x, inner_x), np.append(outer_y, inner_y)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    indices = np.arange(n_samples)
    rs.shuffle(indices)
    X, y = X[indices], y[indices]
    X += rs.normal(scale=noise, size=X.shape)
    return X, y


def test_make_moons_is_the_classic_demo_data():
    X, y = make_moons(n_samples=100, noise=0.1, seed=1337)
    X_ref, y_ref = numpy_make_moons(100, 0.1, 1337)
    assert np.array(X).shape == (100, 2)
    assert np.abs(np.array(X) - X_ref).max() < 1e-12
    assert (np.array(X) == X_ref).all()  # in fact bit for bit
    assert y == y_ref.tolist()


@pytest.mark.parametrize(
    "n, noise, seed", [(1, 0.1, 0), (2, 0.0, 7), (7, 0.3, 0), (101, 1.0, 42), (64, 0.05, 2**32 - 1)]
)
def test_make_moons_matches_numpy_for_other_settings(n, noise, seed):
    X, y = make_moons(n, noise, seed)
    X_ref, y_ref = numpy_make_moons(n, noise, seed)
    assert np.abs(np.array(X).reshape(-1, 2) - X_ref).max(initial=0.0) < 1e-12
    assert y == y_ref.tolist()


def test_make_moons_defaults_and_types():
    X, y = make_moons()
    assert (X, y) == make_moons(100, 0.1, 1337)
    assert all(type(v) is float for row in X for v in row)
    assert all(type(label) is int for label in y)
    assert Counter(y) == {0: 50, 1: 50}


@pytest.mark.parametrize("maker", MAKERS)
def test_every_maker_is_seeded_and_well_formed(maker):
    X, y = maker(60, 0.1, 3)  # the same first three arguments everywhere
    assert (X, y) == maker(n_samples=60, noise=0.1, seed=3)
    assert (X, y) != maker(n_samples=60, noise=0.1, seed=4)
    assert maker(n_samples=60, noise=0.3, seed=3)[0] != X
    assert len(X) == len(y) == 60
    assert np.array(X, dtype=float).shape == (60, 2)
    assert all(isinstance(label, int) for label in y)
    assert all(math.isfinite(v) for row in X for v in row)


def test_blobs_and_spirals_have_k_balanced_classes():
    _, y = make_blobs(n_samples=30, centers=5, seed=0)
    assert Counter(y) == {c: 6 for c in range(5)}
    _, y = make_spirals(n_samples=31, n_arms=3, seed=0)
    assert sorted(Counter(y).items()) == [(0, 11), (1, 10), (2, 10)]


def test_blob_points_stay_near_their_own_centre():
    X, y = make_blobs(n_samples=200, noise=0.1, centers=4, seed=1)
    for (a, b), label in zip(X, y):
        angle = 2 * math.pi * label / 4
        assert math.hypot(a - 2 * math.cos(angle), b - 2 * math.sin(angle)) < 1.0


def test_circles_radii_without_noise():
    X, y = make_circles(n_samples=40, noise=0.0, factor=0.3, seed=0)
    for (a, b), label in zip(X, y):
        assert math.hypot(a, b) == pytest.approx(0.3 if label == 1 else 1.0)


def test_xor_labels_without_noise():
    X, y = make_xor(n_samples=200, noise=0.0, seed=5)
    assert y == [int((a > 0) != (b > 0)) for a, b in X]
    assert 0.3 < sum(y) / len(y) < 0.7


@pytest.mark.parametrize("maker", MAKERS)
@pytest.mark.parametrize("bad", [0, -3, 2.5, "100", True])
def test_bad_n_samples_is_refused(maker, bad):
    with pytest.raises(ValueError, match="n_samples"):
        maker(n_samples=bad)


@pytest.mark.parametrize("maker", MAKERS)
@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1"])
def test_bad_noise_is_refused(maker, bad):
    with pytest.raises(ValueError, match="noise"):
        maker(noise=bad)


def test_other_bad_arguments():
    with pytest.raises(TypeError, match="seed"):
        make_moons(seed=1.5)
    with pytest.raises(ValueError, match="seed"):
        make_moons(seed=-1)
    with pytest.raises(ValueError, match="factor"):
        make_circles(factor=1.5)
    with pytest.raises(ValueError, match="centers"):
        make_blobs(centers=0)
    with pytest.raises(ValueError, match="n_arms"):
        make_spirals(n_arms=0)


def test_signed_labels():
    assert signed_labels([0, 1, 1, 0]) == [-1.0, 1.0, 1.0, -1.0]
    assert signed_labels(signed_labels([0, 1])) == [-1.0, 1.0]
    assert signed_labels(np.array([1, 0])) == [1.0, -1.0]
    with pytest.raises(ValueError, match="label 2"):
        signed_labels([0, 1, 2])


def test_train_test_split_partitions_the_data():
    X, y = make_moons(40, seed=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=1)
    assert len(X_test) == len(y_test) == 10 and len(X_train) == len(y_train) == 30
    pairs = sorted(map(tuple, X_train + X_test))
    assert pairs == sorted(map(tuple, X))
    lookup = {tuple(p): label for p, label in zip(X, y)}
    assert all(lookup[tuple(p)] == label for p, label in zip(X_train + X_test, y_train + y_test))
    assert train_test_split(X, y, seed=1) == train_test_split(X, y, seed=1)
    assert train_test_split(X, y, seed=1) != train_test_split(X, y, seed=2)


def test_train_test_split_count_and_stratify():
    X = [[float(i), 0.0] for i in range(20)]
    y = [0] * 16 + [1] * 4
    _, X_test, _, y_test = train_test_split(X, y, test_size=5, seed=0, stratify=True)
    assert len(X_test) == 5
    assert Counter(y_test) == {0: 4, 1: 1}


def test_train_test_split_errors():
    with pytest.raises(ShapeError, match="3 points"):
        train_test_split([[0, 0]] * 3, [0, 1])
    with pytest.raises(ValueError, match="between 0 and 1"):
        train_test_split([[0, 0]] * 4, [0] * 4, test_size=1.5)
    with pytest.raises(ValueError, match="at least one"):
        train_test_split([[0, 0]] * 4, [0] * 4, test_size=4)
    with pytest.raises(TypeError, match="test_size"):
        train_test_split([[0, 0]] * 4, [0] * 4, test_size="half")
