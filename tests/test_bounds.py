"""Sizes a library call would choke on are refused at once, with the bound in the message."""

from __future__ import annotations

import random

import pytest

from micrograd import datasets
from micrograd.nn import MLP
from micrograd.viz.boundary import decision_grid, grid_axis

MAKERS = [getattr(datasets, name) for name in ("make_moons", "make_circles", "make_blobs",
          "make_spirals", "make_xor")]  # fmt: skip


@pytest.mark.parametrize("make", MAKERS, ids=lambda f: f.__name__)
def test_a_billion_samples_is_refused_naming_the_bound(make):
    with pytest.raises(ValueError, match=r"n_samples=1000000000: .*<= 1,000,000"):
        make(n_samples=10**9)
    assert len(make(n_samples=12)[0]) == 12


@pytest.mark.parametrize(("make", "option"), [(datasets.make_blobs, "centers"),
                                              (datasets.make_spirals, "n_arms")])  # fmt: skip
def test_a_billion_classes_is_refused(make, option):
    with pytest.raises(ValueError, match=rf"{option}=1000000000: .*<= 1,000,000"):
        make(n_samples=10, **{option: 10**9})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"resolution": 10**6}, r"resolution=1,000,000: at most 2,000 grid points per axis"),
        ({"step": 1e-9}, r"step=1e-09: .*at most 2,000 .*use a larger step"),
        ({"step": float("nan")}, r"step=nan: the grid spacing must be positive"),
    ],
)
def test_a_decision_grid_too_fine_to_draw_is_refused(kwargs, message):
    model = MLP(2, [2, 1], rng=random.Random(0))
    with pytest.raises(ValueError, match=message):
        decision_grid(model, [[0.0, 0.0], [1.0, 1.0]], **kwargs)
    assert len(grid_axis(0.0, 1.0, 2000, None)) == 2000  # the bound itself is allowed
