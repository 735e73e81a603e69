"""Library calls leave no global state behind: the global random generator, threads, figures."""

from __future__ import annotations

import random
import threading

import pytest

from micrograd.datasets import make_moons
from micrograd.nn import MLP
from micrograd.training import classic_demo, train


def _forbid_global_seeding(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a library call touched the global random state")

    for name in ("seed", "setstate", "getstate"):
        monkeypatch.setattr(random, name, forbidden)


def test_classic_demo_never_touches_the_global_random_state(monkeypatch):
    random.seed(1337)
    expected = [p.data for p in MLP(2, [16, 16, 1]).parameters()]
    _forbid_global_seeding(monkeypatch)
    model, X, y = classic_demo()
    monkeypatch.undo()
    assert [p.data for p in model.parameters()] == expected
    assert len(X) == len(y) == 100


def test_an_mlp_can_draw_its_weights_from_its_own_generator():
    random.seed(7)
    from_global = [p.data for p in MLP(3, [4, 2], bias_init="uniform").parameters()]
    state = random.getstate()
    own = MLP(3, [4, 2], bias_init="uniform", rng=random.Random(7))
    assert [p.data for p in own.parameters()] == from_global
    assert random.getstate() == state
    with pytest.raises(TypeError, match=r"rng=7: give a random\.Random"):
        MLP(2, [1], rng=7)


def test_training_and_data_leave_the_global_random_state_alone():
    random.seed(3)
    state = random.getstate()
    model, X, y = classic_demo()
    make_moons(n_samples=20, seed=5)
    train(model, X, y, steps=2, batch_size=10, seed=4, progress=False)
    assert random.getstate() == state


def test_a_progress_bar_leaves_no_thread_running(monkeypatch):
    pytest.importorskip("tqdm")
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    before = {t.ident for t in threading.enumerate()}
    model = MLP(2, [3, 1], rng=random.Random(0))
    train(model, [[0.0, 1.0], [1.0, 0.0]], [1, -1], steps=3, progress=True)
    left = [t.name for t in threading.enumerate() if t.ident not in before]
    assert left == [], f"threads left running: {left}"


def test_graphviz_renders_in_several_threads_give_stderr_back():
    """The playground draws from several threads; each render silences descriptor 2."""
    import os
    import time

    from micrograd.viz.render_graphviz import _quiet_stderr

    def identity():
        st = os.fstat(2)
        return st.st_dev, st.st_ino

    before = identity()

    def render_many():
        for _ in range(600):
            with _quiet_stderr():
                time.sleep(0.0001)  # let the other threads in while stderr is swapped

    threads = [threading.Thread(target=render_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert identity() == before, "stderr was left pointing at /dev/null"
