"""The network lab's numbers: honest curves, the optimiser's real next step, settings that
say what they changed, hand-placed points, and a backend that needs neither threads nor NumPy.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from micrograd.playground import api, inspector, network
from micrograd.playground.sessions import Sessions


def call(sessions, path, body):
    status, d = api.handle(sessions, path, body)
    assert status == 200, d
    return d


def new_run(**config) -> tuple[Sessions, str, network.NetworkSession]:
    sessions = Sessions(threaded=False)
    key = call(sessions, "/api/net/new", {"config": config})["session"]
    return sessions, key, sessions.get(key)


# ------------------------------------------------------------------ plain-float pictures
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_plain_float_columns_are_the_engines_numbers_bit_for_bit(activation):
    import random

    from micrograd.nn import MLP
    from micrograd.viz.fastforward import float_columns

    rng = random.Random(5)
    saved = random.getstate()
    random.seed(5)
    model = MLP(2, [5, 4, 3], activation=activation)
    random.setstate(saved)
    points = [[rng.uniform(-3, 3), rng.uniform(-3, 3)] for _ in range(40)]
    output = float_columns(model, points)[-1]
    assert [list(row) for row in zip(*output)] == [[v.data for v in model(p)] for p in points]
    for p in model.parameters():
        p.data *= 1e200  # overflows: inf or nan in the picture, never an exception
    assert len(float_columns(model, points)[-1][0]) == 40


def test_pictures_of_a_blown_up_network_clip_instead_of_failing():
    import math

    from micrograd.playground.pictures import quantize

    assert quantize([1.0, -2.0, math.inf, -math.inf, math.nan]) == {
        "scale": 2.0,
        "q": [64, -127, 127, -127, 0],
    }
    assert quantize([0.0, 0.0]) == {"scale": 0.0, "q": [0, 0]}


# ------------------------------------------------------------------ curves
def test_train_curves_are_the_whole_training_set_even_with_a_batch_of_one():
    sessions, key, run = new_run(batch=1, points=40, hidden=[4], lr=0.1)
    snap = call(sessions, "/api/net/step", {"session": key, "steps": 3})
    n = len(run.X)
    assert all(abs(a * n - round(a * n)) < 1e-9 for a in snap["curves"]["accuracy"])
    loss, acc = inspector.evaluate(run.model, run.X, run.y, run.loss)
    assert snap["curves"]["loss"][-1] == loss and snap["curves"]["accuracy"][-1] == acc
    test_loss, test_acc = inspector.evaluate(run.model, run.X_test, run.y_test, run.loss)
    assert snap["curves"]["test_loss"][-1] == test_loss
    assert snap["curves"]["test_accuracy"][-1] == test_acc
    assert 0 < acc < 1  # not the 0% / 100% of a single point


def test_whole_set_loss_is_the_engines_loss():
    from micrograd.training import evaluate

    sessions, key, run = new_run(points=40, hidden=[4, 3], dataset="blobs")
    call(sessions, "/api/net/step", {"session": key, "steps": 2})
    engine = evaluate(run.model, run.X, run.y, loss=run.loss, alpha=0.0)
    assert run.curves.loss[-1] == pytest.approx(engine.data_loss, rel=1e-12)
    assert run.curves.accuracy[-1] == engine.accuracy


# ------------------------------------------------------------------ optimisers
def test_each_optimiser_gets_its_own_usual_learning_rate():
    meta = call(Sessions(), "/api/meta", {})
    assert meta["lrByOptimizer"] == {"sgd": 1.0, "momentum": 0.1, "adam": 0.01}
    for name, lr in meta["lrByOptimizer"].items():
        assert network.Config.from_json({"optimizer": name}).lr == lr
    assert network.Config.from_json({"optimizer": "adam", "lr": 0.5}).lr == 0.5


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_the_neuron_inspector_predicts_the_optimisers_real_next_step(optimizer):
    sessions, key, run = new_run(points=30, hidden=[3], optimizer=optimizer, batch=8)
    call(sessions, "/api/net/step", {"session": key, "steps": 2})  # some momentum to remember
    d = call(sessions, "/api/net/neuron", {"session": key, "layer": 0, "index": 1})
    neuron = run.model.layers[0].neurons[1]
    before = [p.data for p in [*neuron.w, neuron.b]]
    call(sessions, "/api/net/step", {"session": key, "steps": 1})
    moved = [p.data - b for p, b in zip([*neuron.w, neuron.b], before)]
    assert [w["next"] for w in d["weights"]] == pytest.approx(moved, rel=1e-6, abs=1e-12)
    assert d["formula"] == "relu(w·x + b)" and d["formulaNumbers"].startswith("relu(")


# ------------------------------------------------------------------ settings
def test_settings_from_a_url_say_what_was_changed_and_why():
    raw = {"hidden": [8] * 8, "points": 5, "lr": "abc", "colour": "red", "dataset": "mnist"}
    d = call(Sessions(), "/api/net/config", {"config": raw})
    changed = {c["field"]: c for c in d["adjusted"]}
    assert d["config"]["hidden"] == [8, 8, 8, 8] and "at most 4 layers" in changed["hidden"]["why"]
    assert d["config"]["points"] == 10 and "smallest" in changed["points"]["why"]
    assert d["config"]["lr"] == 1.0 and "default" in changed["lr"]["why"]
    assert d["config"]["dataset"] == "moons" and "choose one of" in changed["dataset"]["why"]
    assert "not a setting" in changed["colour"]["why"]
    sessions = Sessions(threaded=False)
    d = call(sessions, "/api/net/new", {"config": {"points": 10_000}, "clamp": True})
    assert d["data"]["config"]["points"] == network.MAX_POINTS
    assert d["adjusted"][0]["field"] == "points"
    status, d = api.handle(sessions, "/api/net/new", {"config": {"points": 10_000}})
    assert status == 422  # without clamp: refused, as before


def test_hand_placed_points_are_the_data():
    points = [[-1, -1, 0], [-1.5, -0.5, 0], [1, 1, 1], [1.2, 0.8, 1], [0.1, 2, 1]]
    sessions, key, run = new_run(dataset="custom", custom=points, test=0.0, hidden=[3])
    placed = [[float(x), float(y)] for x, y, _ in points]
    assert placed == run.X
    assert run.y == [0, 0, 1, 1, 1]
    snap = call(sessions, "/api/net/step", {"session": key, "steps": 5})
    assert snap["step"] == 5
    for bad, fragment in [([[9, 9, 0], [1, 1, 1]], "|x|, |y| <= 4"),
                          ([[0, 0, 0]], "at least two classes"),
                          ([[0, 0, 0]] * 201, "up to 200")]:  # fmt: skip
        status, d = api.handle(sessions, "/api/net/new",
                               {"config": {"dataset": "custom", "custom": bad}})  # fmt: skip
        assert status == 422 and fragment in d["error"], d


# ------------------------------------------------------------------ the point inspector
def test_the_point_inspector_says_which_points_have_zero_loss_and_why():
    sessions, key, run = new_run(points=40, hidden=[4])
    call(sessions, "/api/net/step", {"session": key, "steps": 60})
    d = call(sessions, "/api/net/point", {"session": key, "index": 0})
    assert d["zeroLoss"], "after 60 steps some points are beyond the margin"
    zero = call(sessions, "/api/net/point", {"session": key, "index": d["zeroLoss"][0]})
    assert zero["zero"] and zero["loss"] == 0.0 and "≥ 1" in zero["why"]
    assert all(g == 0.0 for layer in zero["layers"] for row in layer["weightGrads"] for g in row)
    others = [i for i in range(len(run.X)) if i not in d["zeroLoss"]]
    busy = call(sessions, "/api/net/point", {"session": key, "index": others[0]})
    assert not busy["zero"] and busy["loss"] > 0
    assert [len(layer["out"]) for layer in busy["layers"]] == [4, 1]
    assert busy["layers"][-1]["out"][0] == busy["score"]


# ------------------------------------------------------------------ no threads, no NumPy
def test_advance_trains_a_playing_run_without_a_thread():
    sessions, key, run = new_run(points=30, hidden=[3])
    snap = call(sessions, "/api/net/advance", {"session": key, "budget": 0.05})
    assert snap["step"] == 0  # not playing: nothing to do
    call(sessions, "/api/net/step", {"session": key, "steps": 0, "play": True})
    snap = call(sessions, "/api/net/advance", {"session": key, "budget": 0.05})
    assert snap["step"] >= 1 and snap["playing"] and run._thread is None
    status, d = api.handle(sessions, "/api/net/advance", {"session": key, "budget": 5})
    assert status == 400 and "0 to 1 seconds" in d["error"]


def test_a_worker_can_pass_json_text_both_ways():
    sessions = Sessions(threaded=False)
    status, text = api.handle_json(sessions, "/api/expr", '{"expr": "a*b", "values": "a=2"}')
    assert status == 200 and '"output": 2.0' in text
    status, text = api.handle_json(sessions, "/api/expr", '{"expr": NaN}')
    assert status == 400 and "not valid JSON" in text
    status, text = api.handle_json(sessions, "/api/expr", "[1]")
    assert status == 400 and "JSON object" in text


BLOCKER = """
import sys

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("numpy", "matplotlib"):
            raise ImportError(f"{name} is blocked in this test")

sys.meta_path.insert(0, Blocker())
"""

WITHOUT_NUMPY = """
from micrograd.playground import api
from micrograd.playground.sessions import Sessions

sessions = Sessions(threaded=False)

def call(path, body):
    status, d = api.handle(sessions, path, body)
    assert status == 200, (path, d)
    return d

assert call("/api/expr", {"expr": "tanh(a*b + c)", "values": "a=2 b=-3"})["check"]
for dataset in ("moons", "blobs"):
    key = call("/api/net/new", {"config": {"dataset": dataset, "points": 40}})["session"]
    call("/api/net/step", {"session": key, "steps": 0, "play": True})
    snap = call("/api/net/advance", {"session": key, "budget": 0.05})
    assert snap["step"] >= 1 and snap["boundary"] and snap["neurons"]
    snap = call("/api/net/step", {"session": key, "steps": 2, "play": False})
    assert snap["pictureStep"] == snap["step"] and snap["gradflow"] and snap["weights"]
    assert call("/api/net/point", {"session": key, "index": 0})["layers"]
    assert call("/api/net/neuron", {"session": key, "layer": 0, "index": 0})["weights"]
assert "numpy" not in sys.modules and "matplotlib" not in sys.modules
print("ok")
"""


def test_the_backend_runs_with_numpy_and_matplotlib_unimportable():
    code = BLOCKER + textwrap.dedent(WITHOUT_NUMPY)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=300)  # fmt: skip
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-3000:]
