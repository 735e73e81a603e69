"""Every 🔁 experiment of notebooks 3 (advanced, A) and 4 (demo, D), run as the prose words it.

Each test runs the notebook's own cells with the suggested change substituted
(``notebook_cells.run_cells``) and checks what the prose says happens. If a
library change moves a number, the test says which sentence is now untrue.
The prose is read too, so a test fails when the wording and the check drift.
"""

from __future__ import annotations

import contextlib
import io
import math
import statistics

import pytest
from notebook_cells import run_cells, source

A, D = "micrograd_advanced.ipynb", "demo.ipynb"


def words(name: str, cell_id: str) -> str:
    """A markdown cell's text with its line breaks as spaces, to search for a sentence."""
    return " ".join(source(name, cell_id).split())


def printed(name, cells, changes=(), namespace=None):
    """Run the cells and return (namespace, what they printed)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ns = run_cells(name, cells, changes, namespace)
    return ns, out.getvalue()


# ------------------------------------------------------------------ advanced (A)
A_SETUP = ["cell-02", "cell-03"]


def kinks(ys: list[float]) -> int:
    """Grid cells where a piecewise-linear curve's slope changes: its kinks, as drawn."""
    slopes = [b - a for a, b in zip(ys, ys[1:])]
    return sum(abs(t - s) > 1e-9 for s, t in zip(slopes, slopes[1:]))


def relu_kinks(changes=()) -> list[int]:
    ns = run_cells(A, [*A_SETUP, "cell-11"], changes)
    relu_panel = ns["figures"][0].axes[0]
    assert "relu" in relu_panel.get_title()
    return [kinks(list(line.get_ydata())) for line in relu_panel.get_lines()]


def test_a12_one_wide_layer_has_the_most_kinks_and_four_narrow_ones_the_fewest():
    prose = words(A, "cell-12")
    assert "`[32, 1]`" in prose and "`[4, 4, 4, 4, 1]`" in prose and "most kinks" in prose
    default = relu_kinks()
    wide = relu_kinks([("[8, 8, 1]", "[32, 1]")])
    deep = relu_kinks([("[8, 8, 1]", "[4, 4, 4, 4, 1]")])
    assert len(default) == len(wide) == len(deep) == 3  # three seeds
    for seed in range(3):  # "for each of the three seeds"
        assert wide[seed] > default[seed] > deep[seed], (seed, wide, default, deep)


def test_a36_four_learning_rates_crawl_improve_overshoot_and_explode():
    prose = words(A, "cell-35")
    assert "0.01 crawls" in prose and "ends lowest" in prose and "explodes" in prose
    assert "four learning rates" in words(A, "cell-36")
    ns = run_cells(A, [*A_SETUP, "cell-14", "cell-24", "cell-32", "cell-36"])
    loss_row = [ax for ax in ns["figures"][0].axes if ax.get_title().startswith("loss, ")]
    histories = {ax.get_title().split()[-1]: list(ax.get_lines()[0].get_ydata()) for ax in loss_row}
    assert list(histories) == ["0.01", "0.1", "0.3", "0.5"]
    slow, medium, big, huge = histories.values()
    assert slow[-1] > medium[-1] > big[-1]  # 0.1 gets further than 0.01; 0.3 ends lowest
    assert max(big[:10]) > big[0]  # 0.3 overshoots at first: the loss jumps up
    assert huge[-1] > 1e6 * huge[0]  # 0.5 explodes


def test_a55_every_weight_box_is_its_edge_times_the_gradient_it_feeds():
    assert "they agree, for every weight" in words(A, "cell-55")
    ns = run_cells(A, [*A_SETUP, "cell-14", "cell-38", "cell-40", "cell-54"])
    root = ns["y_hat_unfused"]
    weights = {p for p in ns["tiny_unfused"].parameters()}
    checked = 0
    for node in root.topological_order():
        for child, local in zip(node._children, node._local or ()):
            if child in weights:
                assert child.grad == pytest.approx(local * node.grad, rel=1e-12), child.label
                checked += 1
    assert checked == len(weights)  # each weight feeds exactly one node


def test_a56_the_prediction_is_not_printed_before_it_is_made():
    base = run_cells(A, [*A_SETUP, "cell-14", "cell-38", "cell-40", "cell-54"])
    _, before = printed(A, ["cell-56"], namespace=base)
    assert "-0.6316" not in before and "after the two backward passes" not in before
    _, after = printed(A, ["cell-56"], [("my_factor = None", "my_factor = 2")], base)
    assert "✅" in after and "-0.6316" in after


@pytest.fixture(scope="module")
def gradient_flow_setup():
    return run_cells(A, [*A_SETUP, "cell-14", "cell-48"])


def deep_networks(setup, changes=()):
    return printed(A, ["cell-65"], changes, setup)


def test_a66_sigmoid_vanishes_19000_fold_and_relu_explodes(gradient_flow_setup):
    assert "about 19,000 times smaller" in words(A, "cell-66")
    assert "**exploding** gradient" in words(A, "cell-66")
    assert "about 19,000 times smaller" in words(A, "cell-71")
    ns, out = deep_networks(gradient_flow_setup)
    stats = {name: ns["layer_stats"](net) for name, net in ns["deep"].items()}
    ratio = {name: s[0].grad_mean_abs / s[-1].grad_mean_abs for name, s in stats.items()}
    assert 18_500 < 1 / ratio["sigmoid"] < 19_500  # "about 19,000 times smaller"
    assert ratio["relu"] > 1 and ratio["relu"] ** (1 / 8) > 1  # grows at every layer: exploding
    assert 0.15 < ratio["tanh"] < 0.25  # "about a fifth"
    assert "19,151 times smaller" in out and "6.6 times larger" in out


def test_a68_sixteen_sigmoid_layers_give_every_point_the_same_score(gradient_flow_setup):
    prose = words(A, "cell-68")
    assert "`[8] * 16`" in prose and "It does not." in prose
    assert "0.614533 to six decimal places" in prose
    ns, _ = deep_networks(gradient_flow_setup, [("[8] * 8", "[8] * 16")])
    net, X, labels = ns["deep"]["sigmoid"], ns["X"], ns["labels"]
    scores = [net(x).data for x in X]
    assert {f"{s:.6f}" for s in scores} == {"0.614533"}  # the same score for all 40 points
    assert labels.count(1.0) == labels.count(-1.0) == 20
    grads = [s.grad_mean_abs for s in ns["layer_stats"](net)]
    assert all(1e-9 < g < 1e-8 for g in grads)  # "between 10⁻⁹ and 10⁻⁸ in every layer"
    assert grads[0] / grads[-1] > 0.1  # flat: it does not fall further


def test_a68_weights_times_three_saturate_tanh_and_blow_up_relu(gradient_flow_setup):
    prose = words(A, "cell-68")
    assert "for p in net.parameters(): p.data *= 3" in prose
    build = "    net = MLP(2, hidden_layers + [1], activation=activation)\n"
    times_three = build + "    for p in net.parameters():\n        p.data *= 3\n"
    before, _ = deep_networks(gradient_flow_setup)
    after, _ = deep_networks(gradient_flow_setup, [(build, times_three)])
    X, stats = before["X"], before["layer_stats"]
    saturated_before = [s.saturated_fraction for s in stats(before["deep"]["tanh"], X)[:-1]]
    saturated_after = [s.saturated_fraction for s in stats(after["deep"]["tanh"], X)[:-1]]
    assert max(saturated_before) <= 1 / 8  # "at most an eighth now"
    assert all(0.25 < f < 0.8 for f in saturated_after)  # "a third to three quarters"
    relu_before = stats(before["deep"]["relu"])[0].grad_mean_abs
    relu_after = stats(after["deep"]["relu"])[0].grad_mean_abs
    assert relu_after / relu_before > 1000  # "thousands of times larger"


# ------------------------------------------------------------------------ demo (D)
D_SETUP = ["cell-02", "cell-03", "cell-05", "cell-07", "cell-15"]


@pytest.fixture(scope="module")
def demo():
    """The demo up to its full-batch run (section 4), once for all the tests below."""
    return run_cells(D, D_SETUP)


def test_d14_the_last_step_uses_0_109(demo):
    assert "step 99, uses 0.109" in words(D, "cell-14c")
    assert f"{demo['full'].lr[99]:.3g}" == "0.109"


def mini_batches(demo, changes=()):
    return printed(D, ["cell-31", "cell-32"], changes, demo)[0]


def test_d33_read_at_the_same_interval_both_runs_are_about_equally_bumpy(demo):
    ns = mini_batches(demo)
    rises, full_losses, log, mini = ns["rises"], ns["full_losses"], ns["mini_log"], ns["mini"]
    assert ns["full_updates"] == log.updates  # the same interval
    assert abs(rises(full_losses) - rises(log.losses)) <= 1  # "about equally bumpy"
    readings = len(log.losses) - 1
    assert rises(mini.loss) / (len(mini.loss) - 1) > 1.5 * rises(log.losses) / readings  # faint
    assert full_losses[-1] < log.losses[-1]  # per update, the full batch ends lower
    assert log.losses[-1] < demo["full"].loss[10] / 2  # per point processed, far lower


def test_d33_a_batch_of_50_ends_below_the_full_batch_for_the_same_work(demo):
    assert "`batch_size = 10`" in words(D, "cell-33")
    ns = mini_batches(demo, [("batch_size = 10", "batch_size = 50")])
    assert ns["work"] == 5000
    assert ns["mini_log"].losses[-1] < demo["full"].loss[50]


def test_d33_a_batch_of_1_falls_apart_at_the_same_learning_rate(demo):
    assert "ends near 7.8 with only about half of the points right" in words(D, "cell-33q")
    log = mini_batches(demo, [("batch_size = 10", "batch_size = 1")])["mini_log"]
    assert log.losses[0] == pytest.approx(0.9, abs=0.01)
    assert log.losses[log.updates.index(25)] > 6  # "within 25 updates ... above 6"
    assert 7.5 < log.losses[-1] < 8.1 and 0.4 < log.accuracies[-1] < 0.6


def test_d33_the_prediction_runs_the_batch_of_1_only_once_predicted(demo):
    ns = mini_batches(demo)
    _, before = printed(D, ["cell-33p"], namespace=ns)
    assert "all points: loss" not in before and "The experiment runs" in before
    _, after = printed(D, ["cell-33p"], [("my_prediction = None", "my_prediction = 0.5")], ns)
    assert "after 100 updates, all points: loss 7.8" in after and "✅ OK" in after


def test_d33_a_batch_of_1_needs_a_learning_rate_ten_times_smaller(demo):
    assert "`first_lr = 0.1`" in words(D, "cell-33q")
    changes = [("batch_size = 10", "batch_size = 1"), ("first_lr = 1.0", "first_lr = 0.1")]
    log = mini_batches(demo, changes)["mini_log"]
    assert log.losses[-1] == pytest.approx(0.25, abs=0.01)
    assert f"{log.accuracies[-1]:.0%}" == "90%"


def schedules(demo, extra):
    first = '    "constant η = 1.0": constant(1.0),'
    ns = mini_batches(demo)
    return printed(D, ["cell-34"], [(first, first + "\n    " + extra)], ns)[0]


def test_d35_a_constant_0_1_is_a_little_calmer_but_slower(demo):
    entry = '"constant η = 0.1": constant(0.1),'
    assert f"`{entry}`" in words(D, "cell-35")
    ns = schedules(demo, entry)
    late, runs, rises = ns["late"], ns["runs"], ns["rises"]
    small, one = late["constant η = 0.1"], late["constant η = 1.0"]
    assert all(s > o for s, o in zip(small, one))  # higher for all three seeds
    assert min(small) >= 0.185 and max(small) < 0.245  # "0.19 to 0.24"
    bumps = {name: [rises(log.losses) for _, log in results] for name, results in runs.items()}
    assert (min(bumps["constant η = 0.1"]), max(bumps["constant η = 0.1"])) == (6, 8)
    assert (min(bumps["constant η = 1.0"]), max(bumps["constant η = 1.0"])) == (8, 11)


def test_d35_a_constant_3_ends_far_above_the_rest(demo):
    entry = '"constant η = 3.0": constant(3.0),'
    assert f"`{entry}`" in words(D, "cell-35")
    late = schedules(demo, entry)["late"]
    big = late.pop("constant η = 3.0")
    assert min(big) > 0.85 and max(big) < 4.6  # "between 0.88 and 4.5"
    assert min(big) > 4 * max(v for values in late.values() for v in values)


# ---- section 9: memorising or learning
MEMO = ["cell-39", "cell-41"]


def memorising(demo, changes=()):
    ns = printed(D, MEMO, changes, demo)[0]
    return ns["scores"]


def gain(scores) -> float:
    memoriser, learner = (test for _, test in list(scores.values())[:2])
    return 100 * (learner - memoriser)


def test_d42_on_sample_3_the_memoriser_fits_every_point_and_the_learner_gains_ten(demo):
    scores = memorising(demo)
    train, test = scores["memoriser (α = 0)"]
    assert train == 1.0 and test < 0.75
    assert gain(scores) == pytest.approx(10.2, abs=0.05)  # "(+10.2)", "about ten points"


@pytest.mark.parametrize("sample, expected", [(0, 10.0), (1, 3.7), (2, 4.0), (4, -0.5)])
def test_d42_other_samples_give_the_gains_the_prose_lists(demo, sample, expected):
    prose = words(D, "cell-42")
    assert "+10.0, +3.7, +4.0 and −0.5 points" in prose
    scores = memorising(demo, [("sample = 3", f"sample = {sample}")])
    assert gain(scores) == pytest.approx(expected, abs=0.05)


def test_d42_a_weak_penalty_lands_in_between(demo):
    assert '`"α = 0.001": 0.001`' in words(D, "cell-42")
    alphas = '"learner (α = 0.01)": 0.01}'
    scores = memorising(demo, [(alphas, alphas[:-1] + ', "α = 0.001": 0.001}')])
    train, test = scores["α = 0.001"]
    assert f"{train:.0%}" == "97%" and f"{test:.0%}" == "78%"
    assert scores["memoriser (α = 0)"][1] < test < scores["learner (α = 0.01)"][1]


@pytest.mark.slow  # two networks on 100 points for 300 steps: about half a minute
def test_d42_with_100_training_points_the_lead_shrinks_to_about_one_point(demo):
    assert "`make_moons(100, ...)`" in words(D, "cell-42")
    scores = memorising(demo, [("make_moons(30, noise=0.35", "make_moons(100, noise=0.35")])
    train, test = scores["memoriser (α = 0)"]
    assert f"{train:.0%}" == "97%" and f"{test:.1%}" == "85.5%"
    assert 0.5 < gain(scores) < 1.5


@pytest.mark.slow  # forty networks: a few minutes
def test_d42_the_spread_over_five_samples_and_four_seeds(demo):
    prose = words(D, "cell-42")
    assert "17 of the 20, by 5.4 points on average" in prose and "−2.2 to +19.8" in prose
    gains = []
    for sample in range(5):
        for seed in (1337, 1, 2, 4):
            changes = [
                ("sample = 3", f"sample = {sample}"),
                ("random.seed(1337)", f"random.seed({seed})"),
            ]
            gains.append(gain(memorising(demo, changes)))
    assert sum(g > 0 for g in gains) == 17
    assert statistics.mean(gains) == pytest.approx(5.4, abs=0.05)
    assert (round(min(gains), 1), round(max(gains), 1)) == (-2.2, 19.8)


def test_d46_a_learning_rate_of_3_collapses_rather_than_diverges(demo):
    prose = words(D, "cell-46b")
    assert "**collapsed**" in prose and "50%" in prose
    draw = "    plot_decision_boundary(net, X, y, ax=ax, title=title, resolution=30)\n"
    ns = run_cells(
        D,
        ["cell-46"],
        [(draw, draw + "    trained[(hidden, learning_rate)] = net\n")],
        {**demo, "trained": {}},
    )
    net = ns["trained"][(8, 3.0)]
    X, y = demo["X"], demo["y"]
    hidden = ns["layer_columns"](net, X)[1]  # the second layer's outputs, neuron by neuron
    assert all(float(column.max()) == 0.0 for column in hidden)  # every neuron off, every point
    scores = ns["batch_forward"](net, X)
    assert len(set(scores)) == 1 and scores[0] < 0  # one score for all: the output bias
    assert ns["accuracy"](scores, y) == 0.5
    assert all(math.isfinite(p.data) for p in net.parameters())  # nothing overflowed


# ------------------------------------------------------------- every 🔁 has a test
TRIED = {
    A: {
        "cell-12": [test_a12_one_wide_layer_has_the_most_kinks_and_four_narrow_ones_the_fewest],
        "cell-35": [test_a36_four_learning_rates_crawl_improve_overshoot_and_explode],
        "cell-55": [test_a55_every_weight_box_is_its_edge_times_the_gradient_it_feeds],
        "cell-68": [
            test_a68_sixteen_sigmoid_layers_give_every_point_the_same_score,
            test_a68_weights_times_three_saturate_tanh_and_blow_up_relu,
        ],
    },
    D: {
        "cell-33": [test_d33_a_batch_of_50_ends_below_the_full_batch_for_the_same_work],
        "cell-33q": [
            test_d33_a_batch_of_1_falls_apart_at_the_same_learning_rate,
            test_d33_a_batch_of_1_needs_a_learning_rate_ten_times_smaller,
        ],
        "cell-35": [
            test_d35_a_constant_0_1_is_a_little_calmer_but_slower,
            test_d35_a_constant_3_ends_far_above_the_rest,
        ],
        "cell-42": [
            test_d42_other_samples_give_the_gains_the_prose_lists,
            test_d42_a_weak_penalty_lands_in_between,
            test_d42_with_100_training_points_the_lead_shrinks_to_about_one_point,
        ],
        "cell-45": [test_d46_a_learning_rate_of_3_collapses_rather_than_diverges],
    },
}


@pytest.mark.parametrize("name", [A, D])
def test_every_try_this_cell_has_a_test(name):
    """A new 🔁 suggestion in the prose must come with a test that runs it."""
    from notebook_cells import notebook

    suggested = {
        c.get("id")
        for c in notebook(name).cells
        if c.cell_type == "markdown" and "🔁" in c.source and c.get("id") != "cell-00"
    }
    untested = suggested - set(TRIED[name])
    assert not untested, f"{name}: 🔁 cells {sorted(untested)} have no test in TRIED"
