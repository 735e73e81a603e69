"""The playground in a real browser: headless Chromium driven by Playwright.

Needs ``pip install playwright`` and Debian's ``chromium`` (``playwright
install`` cannot download browsers here); without either, these tests skip.
Screenshots go to ``tests/artifacts/`` (not committed) for a person to look at.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("MICROGRAD_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).parent / "artifacts"


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    pytest.importorskip("numpy", reason="the playground needs the playground extra")
    pytest.importorskip("grandalf", reason="the playground needs the playground extra")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def base_url():
    from micrograd.playground.server import start_background

    server = start_background("127.0.0.1", 0)
    yield server.url
    server.shutdown()
    server.server_close()


@pytest.fixture
def open_tab(browser, base_url):
    """Open the page in a fresh tab (its own context); check console and network afterwards."""
    contexts, problems, requests = [], [], []

    def open_(query: str = "", allow: str | None = None):
        """``allow``: a console message the test expects (Chromium logs every 4xx answer)."""
        # bypass_csp: the page's policy forbids eval, which Playwright's wait_for_function uses.
        context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on(
            "console",
            lambda m: (
                problems.append(m.text)
                if m.type == "error" and not (allow and allow in m.text)
                else None
            ),
        )
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(base_url + query)
        page.wait_for_function("MG.meta !== null && document.querySelector('.lab:not([hidden])')")
        return page

    yield open_
    for context in contexts:
        context.close()
    assert problems == [], f"console errors: {problems}"
    outside = [u for u in requests if not u.startswith(base_url)]
    assert outside == [], f"requests that left {base_url}: {outside}"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def grad(page, label: str) -> float:
    return float(page.get_by_test_id(f"grad-{label}").text_content())


def counter(page) -> int:
    return int(page.get_by_test_id("step-counter").text_content())


def apply(page, expr: str, values: str) -> None:
    page.get_by_test_id("expr-input").fill(expr)
    page.get_by_test_id("expr-values").fill(values)
    page.get_by_test_id("expr-apply").click()
    page.wait_for_function(
        f"MG.labs.expr.state.data && MG.labs.expr.state.data.expr === {expr!r}"
        " && !MG.labs.expr.state.busy"
    )


# ------------------------------------------------------------------ expression lab
def test_the_page_paints_with_the_matplotlib_palette(open_tab):
    from micrograd.viz import palette

    page = open_tab()
    css = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--class1')")
    assert css.strip().lower() == palette.CLASS_COLORS[1].lower()
    for g, scale in [(-0.37, 1.2), (2.0, 2.0), (0.0, 1.0), (5e-4, 3.0), (-9.0, 3.0)]:
        assert page.evaluate(f"MG.gradColor({g}, {scale})") == palette.grad_color(g, scale)


def test_stepping_a_times_b_plus_a_to_the_end_and_breaking_it(open_tab):
    page = open_tab()
    apply(page, "a*b + a", "a=2 b=-3")
    assert counter(page) == 0
    assert grad(page, "a") == 0.0
    page.get_by_test_id("step-next").click()
    shot(page, "expr-step-1")
    page.get_by_test_id("step-end").click()
    assert counter(page) == 2
    assert grad(page, "a") == -2.0
    assert grad(page, "b") == 2.0
    # the running sum under 'a': 1 + -3 = -2
    assert "1 + -3 = -2" in page.get_by_test_id("graph").text_content()
    shot(page, "expr-end")

    page.get_by_test_id("bug-toggle").check()  # the stepper stays at the end
    page.wait_for_function("MG.labs.expr.state.data.bug === true")
    assert counter(page) == 2
    assert grad(page, "a") == -3.0  # '=' kept only the last contribution
    assert grad(page, "b") == 2.0
    assert "wrong" in page.get_by_test_id("check").text_content()
    assert float(page.get_by_test_id("numeric-a").text_content()) == pytest.approx(-2.0)
    shot(page, "expr-bug")


def test_a_slider_changes_the_numbers_in_the_graph(open_tab):
    page = open_tab()
    apply(page, "a*b + a", "a=2 b=-3")
    page.get_by_test_id("step-end").click()
    page.get_by_test_id("slider-a").evaluate(
        "el => { el.value = '0.5'; el.dispatchEvent(new Event('input', { bubbles: true })); }"
    )
    page.wait_for_function("MG.labs.expr.state.data.values.a === 0.5 && !MG.labs.expr.state.busy")
    assert page.get_by_test_id("expr-values").input_value() == "a=0.5 b=-3"
    assert counter(page) == 2  # still at the end, now with the new numbers
    assert grad(page, "b") == 0.5  # d(a*b + a)/db = a
    assert grad(page, "a") == -2.0  # b + 1
    assert "data 0.5000" in page.get_by_test_id("graph").text_content()
    assert "0.5 × 1 = 0.5" in page.get_by_test_id("graph").text_content()  # local of b is a


def test_stepping_back_moves_the_counter(open_tab):
    page = open_tab()
    apply(page, "tanh(x*w + b)", "x=0.5 w=-2 b=0.3")
    page.get_by_test_id("step-end").click()
    end = counter(page)
    assert end == 3  # tanh, +, *
    page.get_by_test_id("step-prev").click()
    assert counter(page) == end - 1
    page.get_by_test_id("step-reset").click()
    assert counter(page) == 0
    assert grad(page, "x") == 0.0


def test_play_walks_to_the_end(open_tab):
    page = open_tab()
    apply(page, "a*a", "a=3")
    page.get_by_test_id("step-play").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=step-counter]').textContent === '1'"
    )
    assert grad(page, "a") == 6.0  # both uses of a arrive in the same step: 0 + 3 + 3


def test_a_bad_expression_shows_the_parsers_message_and_keeps_the_page(open_tab):
    page = open_tab(allow="status of 422 (Unprocessable Entity)")
    apply(page, "a*b + a", "a=2 b=-3")
    page.get_by_test_id("expr-input").fill("a*b +")
    page.get_by_test_id("expr-apply").click()
    error = page.get_by_test_id("expr-error")
    error.wait_for(state="visible")
    assert "is not a valid expression" in error.text_content()
    page.get_by_test_id("expr-input").fill("__import__('os')")
    page.get_by_test_id("expr-apply").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=expr-error]').textContent.includes('not allowed')"
    )
    page.get_by_test_id("step-end").click()  # the last good graph still steps
    assert grad(page, "a") == -2.0


def test_nudge_shows_the_output_moving_by_grad_times_h(open_tab):
    page = open_tab()
    apply(page, "a*b + a", "a=2 b=-3")
    page.get_by_test_id("nudge-go").click()
    out = page.get_by_test_id("nudge-out")
    out.wait_for(state="visible")
    page.wait_for_function("document.querySelector('[data-testid=nudge-out]').textContent.length")
    assert "-2 × 0.01 = -0.0200" in out.text_content()


def test_the_url_restores_the_expression_in_a_fresh_tab(open_tab):
    page = open_tab()
    apply(page, "tanh(x*y) + x", "x=0.5 y=-1.25")
    page.get_by_test_id("bug-toggle").check()
    page.wait_for_function("MG.labs.expr.state.data.bug === true")
    page.get_by_test_id("step-next").click()
    page.get_by_test_id("step-next").click()
    url = page.url
    fresh = open_tab(url[url.index("?") :])
    fresh.wait_for_function("MG.labs.expr.state.data !== null")
    assert fresh.get_by_test_id("expr-input").input_value() == "tanh(x*y) + x"
    assert fresh.get_by_test_id("expr-values").input_value() == "x=0.5 y=-1.25"
    assert fresh.get_by_test_id("bug-toggle").is_checked()
    assert counter(fresh) == 2


# ------------------------------------------------------------------ network lab
def open_network(open_tab, query: str = "", allow: str | None = None):
    page = open_tab(f"?tab=net{query}", allow=allow)
    page.wait_for_function("MG.labs.net.state.data !== null")
    return page


def steps(page) -> int:
    return int(page.get_by_test_id("train-steps").text_content())


def test_five_clicks_on_step_give_step_5(open_tab):
    page = open_network(open_tab)
    for _ in range(5):
        page.get_by_test_id("train-step").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=train-steps]').textContent === '5'"
    )
    page.wait_for_timeout(300)  # nothing more arrives
    assert steps(page) == 5
    assert page.get_by_test_id("train-accuracy").text_content().endswith("%")
    loss = page.get_by_test_id("train-loss").text_content()
    page.get_by_test_id("train-reset").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=train-steps]').textContent === '0'"
    )
    for _ in range(5):  # the same seed: the same run
        page.get_by_test_id("train-step").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=train-steps]').textContent === '5'"
    )
    assert page.get_by_test_id("train-loss").text_content() == loss


def engine_rate() -> float:
    """Steps per second of the moons demo trained directly, without the page."""
    from micrograd.playground.network import Config, NetworkSession

    run = NetworkSession(Config(test=0.0))
    start = time.perf_counter()
    run.train(15, budget=60)
    return 15 / (time.perf_counter() - start)


def test_the_moons_demo_trains_live_at_ten_steps_a_second(open_tab):
    page = open_network(open_tab, "&test=0")  # all 100 points in the training set
    assert page.evaluate("MG.labs.net.state.data.train.X.length") == 100
    assert page.evaluate("MG.labs.net.state.data.layers") == [16, 16, 1]
    # A timer in the page notes the longest gap between its ticks: a busy page would stall it.
    page.evaluate(
        """() => { window.gaps = { last: performance.now(), worst: 0 };
          setInterval(() => { const now = performance.now();
            gaps.worst = Math.max(gaps.worst, now - gaps.last); gaps.last = now; }, 50); }"""
    )
    page.get_by_test_id("train-play").click()
    page.wait_for_function(
        "Number(document.querySelector('[data-testid=train-steps]').textContent) > 0"
    )
    page.evaluate("gaps.worst = 0; gaps.last = performance.now()")
    rates = []  # the best of three 2-second windows: one window can catch a hiccup
    for _ in range(3):
        start, first = time.perf_counter(), steps(page)
        page.wait_for_timeout(2000)
        rates.append((steps(page) - first) / (time.perf_counter() - start))
    rate = max(rates)
    worst = page.evaluate("gaps.worst") / 1000
    page.get_by_test_id("train-pause").click()
    # 10 steps a second, as long as the engine itself, measured now with the page paused,
    # manages at least 1/0.6 of that. On a machine busy with other work it may not; then
    # the page must still train at 60% of the engine's own speed.
    floor = min(10.0, 0.6 * engine_rate())
    assert rate >= floor, f"{rate:.1f} steps/s in the page (floor {floor:.1f})"
    assert worst < 1.0, f"the page froze for {worst:.2f} s while training"
    assert len(page.locator("[data-testid^=neuron-]").all()) == 32


def test_training_screenshot_and_linked_views(open_tab):
    page = open_network(open_tab)
    page.get_by_test_id("train-play").click()
    page.wait_for_function(  # a shared machine can be slow: give it time
        "Number(document.querySelector('[data-testid=train-steps]').textContent) >= 100",
        timeout=90_000,
    )
    page.get_by_test_id("train-pause").click()
    page.wait_for_timeout(300)
    assert page.get_by_test_id("train-rate").text_content() == "–"  # no stale rate when paused
    assert page.get_by_test_id("train-status").text_content().startswith("Paused at step ")
    shot(page, "net-trained")
    # Click the first training point on the boundary canvas.
    x, y = page.evaluate(
        """() => {
          const s = MG.labs.net.state.data, [x0, x1, y0, y1] = s.extent, p = s.train.X[0];
          const r = document.querySelector('[data-testid=boundary]').getBoundingClientRect();
          return [r.left + (p[0] - x0) / (x1 - x0) * r.width,
                  r.top + (y1 - p[1]) / (y1 - y0) * r.height];
        }"""
    )
    page.mouse.click(x, y)
    page.get_by_test_id("point-graph").locator("svg").wait_for()
    assert "train point 1" in page.get_by_test_id("inspector").text_content()
    page.get_by_test_id("inspector").scroll_into_view_if_needed()
    shot(page, "net-point")
    page.get_by_test_id("neuron-1-3").click()
    page.get_by_test_id("neuron-weights").wait_for()
    text = page.get_by_test_id("neuron-weights").text_content()
    assert "x1" in text and "x2" in text and "bias" in text


def test_settings_live_in_the_url_and_change_the_network(open_tab):
    page = open_network(open_tab)
    page.get_by_test_id("dataset").select_option("circles")
    page.wait_for_function("MG.labs.net.state.data.config.dataset === 'circles'")
    page.get_by_test_id("layer-add").click()
    page.wait_for_function("MG.labs.net.state.data.layers.length === 4")
    assert "ds=circles" in page.url and "h=16%2C16%2C4" in page.url
    url = page.url
    fresh = open_tab(url[url.index("?") :])
    fresh.wait_for_function("MG.labs.net.state.data !== null")
    assert fresh.get_by_test_id("dataset").input_value() == "circles"
    assert fresh.evaluate("MG.labs.net.state.data.layers") == [16, 16, 4, 1]
    assert len(fresh.locator("[data-testid^=neuron-]").all()) == 36


def visible(page, testid: str) -> bool:
    return page.get_by_test_id(testid).is_visible()


def wait_steps(page, at_least: int) -> None:
    page.wait_for_function(
        f"Number(document.querySelector('[data-testid=train-steps]').textContent) >= {at_least}"
    )


def test_a_diverging_run_is_explained_and_reset_trains_again(open_tab):
    # L2 α = 1 with lr 1: each step multiplies the weights by about 1 - 2·lr·α = -1.
    page = open_network(open_tab, "&l2=1")
    page.get_by_test_id("train-play").click()
    trouble = page.get_by_test_id("net-trouble")
    trouble.wait_for(state="visible", timeout=30_000)
    text = trouble.text_content()
    assert "diverged" in text.lower() and "step" in text
    assert "L2 α" in text  # what to lower
    assert "internal error" not in page.locator("body").text_content()
    assert page.get_by_test_id("train-rate").text_content() == "–"
    shot(page, "net-diverged")
    diverged_at = steps(page)

    page.get_by_test_id("train-reset").click()
    page.wait_for_function("MG.labs.net.state.snap.step === 0 && !MG.labs.net.state.trouble")
    assert not visible(page, "net-trouble")
    page.get_by_test_id("train-play").click()
    wait_steps(page, min(5, diverged_at))  # it trains again

    trouble.wait_for(state="visible", timeout=30_000)  # the same settings diverge again
    page.get_by_test_id("trouble-fix").click()  # "Reset with L2 α = 0.0001"
    page.wait_for_function("MG.labs.net.state.data.config.l2 < 0.01")
    assert "l2=0.0001" in page.url
    page.get_by_test_id("train-play").click()
    wait_steps(page, diverged_at + 10)
    page.get_by_test_id("train-pause").click()
    assert not visible(page, "net-trouble")


# ------------------------------------------------------------------ issue 17: the expression lab
def test_the_check_table_follows_the_stepper(open_tab):
    page = open_tab()
    apply(page, "a*b + a", "a=2 b=-3")
    assert counter(page) == 0
    check = page.get_by_test_id("check")
    assert page.get_by_test_id("check-a").text_content() == "–"  # nothing received yet
    assert page.get_by_test_id("verdict-b").text_content() == "–"
    assert "wrong" not in check.text_content()
    page.get_by_test_id("step-next").click()  # '+' passes 1 to a: a is still waiting for '*'
    assert page.get_by_test_id("check-a").text_content() == "–"
    page.get_by_test_id("step-next").click()
    assert float(page.get_by_test_id("check-a").text_content()) == -2.0
    assert page.get_by_test_id("verdict-a").text_content() == "✓"
    assert page.get_by_test_id("verdict-b").text_content() == "✓"


def test_a_single_leaf_has_grad_1_and_a_tick(open_tab):
    page = open_tab()
    for expr in ["a", "((a))"]:
        apply(page, expr, "a=2")
        assert grad(page, "a") == 1.0
        assert float(page.get_by_test_id("check-a").text_content()) == 1.0
        assert page.get_by_test_id("verdict-a").text_content() == "✓"


def test_a_kink_is_explained_not_marked_wrong(open_tab):
    page = open_tab()
    apply(page, "relu(a)", "a=0")
    page.get_by_test_id("step-end").click()
    assert page.get_by_test_id("verdict-a").text_content() == "≈ kink"
    assert "kink" in page.get_by_test_id("check").text_content()  # and why
    assert float(page.get_by_test_id("numeric-a").text_content()) == pytest.approx(0.5)


def test_the_running_sum_shows_every_contribution(open_tab):
    page = open_tab()
    apply(page, "a*b + a + a*c", "a=2 b=-3 c=4")
    page.get_by_test_id("step-end").click()
    assert grad(page, "a") == 2.0
    sums = page.locator("#graph .sum").all_text_contents()
    assert any(s.count(" + ") == 2 and s.endswith("= 2") for s in sums), sums


def test_an_edge_shows_its_local_derivative_with_the_numbers(open_tab):
    page = open_tab()
    apply(page, "a*b + a", "a=2 b=-3")
    index = page.evaluate(
        """() => { const d = MG.labs.expr.state.data;
          return d.edges.findIndex(
            (e) => d.nodes[e.parent].op === '*' && d.nodes[e.child].label === 'a'); }"""
    )
    page.get_by_test_id(f"edge-{index}").focus()
    tip = page.get_by_test_id("edge-tip")
    tip.wait_for(state="visible")
    assert tip.text_content() == "∂(a·b)/∂a = b = -3"


def test_a_slow_first_answer_does_not_overwrite_values_typed_meanwhile(open_tab):
    page = open_tab()
    apply(page, "a*b + a", "a=2 b=-3")
    held = []
    page.route("**/api/expr", lambda route: route.continue_() if held else held.append(route))
    page.get_by_test_id("expr-input").fill("a*b - a")
    page.get_by_test_id("expr-apply").click()  # asks with a=2 b=-3; the answer is held back
    page.wait_for_function("MG.labs.expr.state.busy")
    page.get_by_test_id("expr-values").fill("a=5 b=7")
    page.get_by_test_id("expr-apply").click()  # wanted once the first answer is in
    while not held:
        page.wait_for_timeout(20)
    held[0].continue_()
    page.wait_for_function("MG.labs.expr.state.data.values.a === 5 && !MG.labs.expr.state.busy")
    assert page.get_by_test_id("expr-values").input_value() == "a=5 b=7"
    assert page.get_by_test_id("expr-output").text_content() == "30.0000"  # 5*7 - 5


def test_an_expression_over_the_limit_is_refused_before_sending(open_tab):
    page = open_tab()
    apply(page, "a*b + a", "a=2 b=-3")
    page.get_by_test_id("nudge-go").click()
    page.wait_for_function("document.querySelector('[data-testid=nudge-out]').textContent.length")
    limit = page.evaluate("MG.meta.limits.exprLength")
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "/api/expr" in r.url else None)
    long = "+".join(["a"] * (limit // 2 + 50))
    page.get_by_test_id("expr-input").fill(long)
    assert page.get_by_test_id("expr-input").input_value() == long  # never cut silently
    error = page.get_by_test_id("expr-error")
    error.wait_for(state="visible")
    assert f"{len(long):,} characters" in error.text_content()
    assert page.get_by_test_id("expr-output").text_content() == "–"  # f was for the old input
    assert page.get_by_test_id("nudge-out").text_content() == ""
    page.get_by_test_id("expr-apply").click()
    page.wait_for_timeout(200)
    assert sent == []
    box = error.bounding_box()
    side = page.locator("#lab-expr .side").bounding_box()
    assert box["x"] + box["width"] <= side["x"] + side["width"] + 1  # long text wraps


def test_a_unicode_name_survives_apply_slider_and_toggle(open_tab):
    page = open_tab(allow="status of 422")
    apply(page, "α*β + α", "")
    apply(page, "α*β + α", page.get_by_test_id("expr-values").input_value())  # applied twice
    assert not page.get_by_test_id("expr-error").is_visible()
    page.get_by_test_id("slider-α").evaluate(
        "el => { el.value = '2'; el.dispatchEvent(new Event('input', { bubbles: true })); }"
    )
    page.wait_for_function("MG.labs.expr.state.data.values['α'] === 2 && !MG.labs.expr.state.busy")
    page.get_by_test_id("bug-toggle").check()
    page.wait_for_function("MG.labs.expr.state.data.bug === true")
    assert not page.get_by_test_id("expr-error").is_visible()


def test_stepping_with_the_keyboard_only(open_tab):
    page = open_tab()
    apply(page, "a*b + a", "a=2 b=-3")
    page.locator("body").click(position={"x": 5, "y": 200})
    for _ in range(40):  # Tab through the page to the Step button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "step-next":
            break
    else:
        pytest.fail("Tab never reaches the Step button")
    page.keyboard.press("Enter")
    assert counter(page) == 1
    page.keyboard.press("ArrowRight")
    assert counter(page) == 2
    page.keyboard.press("Home")
    assert counter(page) == 0
    page.keyboard.press("End")
    assert counter(page) == 2
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('button, input, select, [tabindex]')]
          .filter((el) => el.offsetParent !== null || el instanceof SVGElement)
          .filter((el) => !(el.getAttribute('aria-label') || (el.labels && el.labels.length)
                            || el.textContent.trim() || el.title))
          .map((el) => el.outerHTML.slice(0, 80))"""
    )
    assert unnamed == []


# ------------------------------------------------------------------ issue 17: the network lab
def test_link_values_that_do_not_fit_are_shown_with_why(open_tab):
    page = open_network(open_tab, "&h=8,8,8,8,8,8,8,8&n=10&lr=abc&noise=0.9&opt=adam")
    notice = page.get_by_test_id("net-notice")
    notice.wait_for(state="visible")
    text = notice.text_content()
    assert "at most 4 hidden layers" in text
    assert "lr=abc: not a number" in text
    assert "noise=0.9" in text
    assert page.evaluate("MG.labs.net.state.data.layers") == [8, 8, 8, 8, 1]
    assert page.evaluate("MG.labs.net.state.data.config.points") == 10  # the API allows 10
    assert page.evaluate("MG.labs.net.state.data.config.lr") == 0.01  # adam's usual lr
    fresh = open_network(open_tab, "&h=0")
    fresh.get_by_test_id("net-notice").wait_for(state="visible")
    assert (
        "h=0: each layer needs 1 to 16 neurons" in fresh.get_by_test_id("net-notice").text_content()
    )


def test_each_optimiser_gets_its_usual_learning_rate(open_tab):
    page = open_network(open_tab)
    assert page.get_by_test_id("lr").input_value() == "1"
    for optimizer, lr in [("adam", "0.01"), ("sgd", "1"), ("momentum", "0.1")]:
        page.get_by_test_id("optimizer").select_option(optimizer)
        page.wait_for_function(f"MG.labs.net.state.data.config.optimizer === {optimizer!r}")
        assert page.get_by_test_id("lr").input_value() == lr
        assert "lr=" + lr in page.url


def test_curves_before_the_first_step_and_a_test_loss_number(open_tab):
    page = open_network(open_tab)
    shot(page, "net-step-0")
    assert page.get_by_test_id("test-loss").text_content() == "–"
    page.get_by_test_id("train-step").click()
    page.wait_for_function("MG.labs.net.state.snap.step === 1")
    assert float(page.get_by_test_id("test-loss").text_content()) > 0
    assert page.get_by_test_id("curve-test-loss").text_content().startswith("test now ")
    assert "all 80 training points" in page.get_by_test_id("curves-note").text_content()


def test_a_refused_tab_says_why_and_what_to_do(open_tab):
    page = open_tab("?tab=expr", allow="status of 429")
    page.route(
        "**/api/net/new",
        lambda route: route.fulfill(
            status=429,
            content_type="application/json",
            body='{"error": "12 playground tabs are open already; close one and reload."}',
        ),
    )
    page.get_by_test_id("tab-net").click()
    trouble = page.get_by_test_id("net-trouble")
    trouble.wait_for(state="visible")
    assert "12 playground tabs are open" in trouble.text_content()
    assert "Close another playground tab" in trouble.text_content()
    assert page.get_by_test_id("train-play").is_disabled()
    page.unroute("**/api/net/new")
    page.get_by_test_id("trouble-again").click()  # "Try again"
    page.wait_for_function("MG.labs.net.state.data !== null && !MG.labs.net.state.trouble")
    assert not page.get_by_test_id("train-play").is_disabled()


def test_batch_size_1_shows_accuracy_on_the_whole_training_set(open_tab):
    page = open_network(open_tab, "&bs=1")
    for _ in range(8):
        page.get_by_test_id("train-step").click()
    page.wait_for_function("MG.labs.net.state.snap.step === 8")
    accuracy = page.evaluate("MG.labs.net.state.curves.accuracy")
    assert any(0 < a < 1 for a in accuracy), accuracy  # not one point's 0% or 100%
    assert all(round(a * 80, 6).is_integer() for a in accuracy)  # k of the 80 points
    note = page.get_by_test_id("curves-note").text_content()
    assert "all 80 training points, not only the step's mini-batch of 1" in note


def test_the_point_inspector_is_drawn_from_numbers_and_explains_zero_loss(open_tab):
    page = open_network(open_tab)
    page.evaluate(  # 60 steps straight through the API (each answer trains for up to 0.2 s)
        """async () => { const session = MG.labs.net.state.session; let s;
          do { s = await MG.api('/api/net/step', {session, steps: 60}); } while (s.step < 60); }"""
    )
    page.get_by_test_id("train-step").click()
    page.wait_for_function("MG.labs.net.state.snap.step > 60")
    zero = page.evaluate(
        """() => MG.api('/api/net/point', {session: MG.labs.net.state.session, index: 0})
            .then((d) => d.zeroLoss)"""
    )
    assert zero, "after 62 steps some points are beyond the margin"
    x, y = page.evaluate(
        f"""() => {{
          const s = MG.labs.net.state.data, [x0, x1, y0, y1] = s.extent, p = s.train.X[{zero[0]}];
          const r = document.querySelector('[data-testid=boundary]').getBoundingClientRect();
          return [r.left + (p[0] - x0) / (x1 - x0) * r.width,
                  r.top + (y1 - p[1]) / (y1 - y0) * r.height];
        }}"""
    )
    page.mouse.click(x, y)
    page.get_by_test_id("point-graph").locator("svg").wait_for()
    assert "loss for this point 0" in page.get_by_test_id("inspector").text_content()
    assert "no gradient" in page.get_by_test_id("point-why").text_content()
    assert "have loss 0" in page.get_by_test_id("zero-loss").text_content()
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/api/net/point" in r.url else None)
    page.get_by_test_id("train-play").click()  # not pinned: the inspector stays as it is
    page.wait_for_timeout(2500)
    page.get_by_test_id("train-pause").click()
    assert requests == []
    page.get_by_test_id("neuron-1-1").click()
    page.get_by_test_id("formula-neuron").wait_for()
    assert "relu(w·x + b)" in page.get_by_test_id("formula-neuron").text_content()
    assert "next sgd step" in page.get_by_test_id("neuron-weights").text_content()


def click_plane(page, x: float, y: float, shift: bool = False) -> None:
    """Click the decision-boundary plane at data coordinates (x, y)."""
    px, py = page.evaluate(
        f"""() => {{
          const [x0, x1, y0, y1] = MG.labs.net.state.data.extent;
          const r = document.querySelector('[data-testid=boundary]').getBoundingClientRect();
          return [r.left + ({x} - x0) / (x1 - x0) * r.width,
                  r.top + (y1 - {y}) / (y1 - y0) * r.height];
        }}"""
    )
    if shift:
        page.keyboard.down("Shift")
    page.mouse.click(px, py)
    if shift:
        page.keyboard.up("Shift")


def test_drawing_points_trains_on_them_and_the_url_keeps_them(open_tab):
    page = open_network(open_tab)
    page.get_by_test_id("dataset").select_option("custom")
    page.wait_for_function("MG.labs.net.state.data.config.dataset === 'custom'")
    assert page.evaluate("MG.labs.net.state.data.train.X.length") == 80  # from the moons
    page.get_by_test_id("draw-clear").click()
    assert page.get_by_test_id("train-play").is_disabled()  # nothing to train on
    assert "both classes" in page.get_by_test_id("draw-count").text_content()
    for x, y in [(-1.0, 1.0), (-0.5, 1.2), (-1.2, 0.4)]:
        click_plane(page, x, y)
    for x, y in [(1.0, -1.0), (1.4, -0.6), (0.8, -1.3)]:
        click_plane(page, x, y, shift=True)  # the other class
    page.wait_for_function(
        "!MG.labs.net.state.drawOnly && MG.labs.net.state.data.config.custom.length === 6"
    )
    labels = page.evaluate("MG.labs.net.state.data.config.custom.map((p) => p[2])")
    assert labels == [0, 0, 0, 1, 1, 1]
    assert "pts=" in page.url
    for _ in range(3):
        page.get_by_test_id("train-step").click()
    page.wait_for_function("MG.labs.net.state.snap.step === 3")
    shot(page, "net-drawn")
    url = page.url
    fresh = open_network(open_tab, "&" + url[url.index("?") + 1 :])
    assert fresh.evaluate("MG.labs.net.state.data.config.custom.length") == 6
    assert fresh.get_by_test_id("dataset").input_value() == "custom"


def test_weights_are_lines_and_a_neuron_shows_its_formula_on_hover(open_tab):
    page = open_network(open_tab)
    page.get_by_test_id("train-step").click()
    page.wait_for_function("MG.labs.net.state.snap.step === 1")
    lines = page.locator("#neurons svg.wires line")
    assert lines.count() == 2 * 16 + 16 * 16 + 16  # inputs→1, 1→2, 2→output
    widths = {
        float(w) for w in lines.evaluate_all("ls => ls.map((l) => l.getAttribute('stroke-width'))")
    }
    assert len(widths) > 10  # width follows the weight's size
    page.get_by_test_id("neuron-1-2").hover()
    tip = page.get_by_test_id("tip-neuron")
    tip.wait_for(state="visible")
    assert "relu(w·x + b)" in tip.text_content()
    numbers = page.get_by_test_id("tip-neuron-numbers").text_content()
    assert numbers.startswith("= relu(") and "·x1" in numbers and "·x2" in numbers
    shot(page, "net-neuron-hover")


def test_edge_labels_never_sit_on_another_edge(open_tab):
    page = open_tab()
    apply(page, "tanh(a*b + a*c + b*c) * a", "a=0.5 b=-1 c=2")
    for _ in range(4):
        page.get_by_test_id("step-next").click()
        overlaps = page.evaluate(
            """() => {
              const paths = [...document.querySelectorAll('#graph path.edge')];
              const labels = [...document.querySelectorAll('#graph .edge-label')];
              const bad = [];
              labels.forEach((label, i) => {
                if (!label.textContent || label.classList.contains('faded')) return;
                const b = label.getBBox();
                paths.forEach((p) => {
                  if (MG.labs.expr.view().edges[i].path === p) return;
                  const n = 60, L = p.getTotalLength();
                  for (let k = 0; k <= n; k++) {
                    const q = p.getPointAtLength(k / n * L);
                    if (q.x > b.x && q.x < b.x + b.width && q.y > b.y && q.y < b.y + b.height) {
                      bad.push([i, label.textContent, Math.round(q.x), Math.round(q.y)]); break;
                    }
                  }
                });
              });
              return bad;
            }"""
        )
        assert overlaps == [], (counter(page), overlaps)


def test_fit_shows_the_whole_graph_and_stepping_keeps_the_current_node_in_view(open_tab):
    page = open_tab()
    expr = " + ".join(f"tanh(a*x{i} + b)" for i in range(6))
    apply(page, expr, "a=0.5 b=0.1")
    graph = page.get_by_test_id("graph")
    for _ in range(9):
        page.get_by_test_id("step-next").click()
        inside = page.evaluate(
            """() => { const d = MG.labs.expr.state.data, s = d.steps[MG.labs.expr.state.step - 1];
              const r = MG.labs.expr.view().nodes[s.node].rect.getBoundingClientRect();
              const h = document.querySelector('[data-testid=graph]').getBoundingClientRect();
              return r.left >= h.left && r.right <= h.right
                && r.top >= h.top && r.bottom <= h.bottom; }"""
        )
        assert inside, f"step {counter(page)}: the current node is out of view"
    page.get_by_test_id("zoom-fit").click()
    size = graph.evaluate("g => [g.scrollWidth <= g.clientWidth, g.scrollHeight <= g.clientHeight]")
    assert size == [True, True]


UNNAMED = """() => [...document.querySelectorAll(
    'button, input, select, canvas[tabindex], [role=button]')]
  .filter((el) => el.getClientRects().length)
  .filter((el) => !(el.getAttribute('aria-label') || (el.labels && el.labels.length)
                    || el.textContent.trim() || el.title || el.closest('label')))
  .map((el) => el.outerHTML.slice(0, 90))"""


def test_the_network_lab_works_from_the_keyboard_and_every_control_has_a_name(open_tab):
    page = open_network(open_tab)
    assert page.evaluate(UNNAMED) == []
    page.get_by_test_id("train-reset").focus()
    for _ in range(6):  # Tab onwards to the Step button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "train-step":
            break
    page.keyboard.press("Enter")
    page.wait_for_function("MG.labs.net.state.snap.step === 1")
    page.get_by_test_id("neuron-1-1").focus()  # a picture is a button too
    page.get_by_test_id("tip-neuron").wait_for(state="visible")
    page.keyboard.press("Enter")
    page.get_by_test_id("neuron-weights").wait_for()
    page.get_by_test_id("tab-expr").focus()
    page.keyboard.press("ArrowRight")  # tabs follow the arrow keys
    assert page.evaluate("document.activeElement.dataset.testid") == "tab-net"
    assert page.get_by_test_id("tab-net").get_attribute("aria-selected") == "true"


@pytest.mark.parametrize(
    ("width", "height", "scheme"), [(390, 844, "light"), (1280, 720, "dark"), (1400, 900, "light")]
)
def test_usable_on_a_phone_a_laptop_and_a_desktop(browser, base_url, width, height, scheme):
    context = browser.new_context(
        viewport={"width": width, "height": height}, bypass_csp=True, color_scheme=scheme
    )
    try:
        page = context.new_page()
        page.goto(base_url + "?tab=net")
        page.wait_for_function("MG.labs.net.state.data !== null")
        page.get_by_test_id("train-step").click()
        page.wait_for_function("MG.labs.net.state.snap.step === 1")
        shot(page, f"net-{width}x{height}-{scheme}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways page
        assert page.get_by_test_id("tab-expr").is_visible()
        assert page.get_by_test_id("tab-net").is_visible()
        if width >= 1280:  # the curves above the fold
            assert page.get_by_test_id("curve-loss").bounding_box()["y"] < height - 40
        else:  # the boundary before the settings
            boundary = page.get_by_test_id("boundary").bounding_box()
            assert boundary["y"] < page.get_by_test_id("dataset").bounding_box()["y"]
            assert boundary["width"] <= width - 16
        if scheme == "dark":
            bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert bg != "rgb(245, 246, 248)"  # the dark background, not the light one
        page.goto(base_url + "?e=a*b+%2B+a&v=a%3D2+b%3D-3")
        page.wait_for_function("MG.labs.expr.state.data !== null")
        shot(page, f"expr-{width}x{height}-{scheme}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        context.close()


CURVE_TEXT = """() => { window.curveText = [];
  const original = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    if (this.canvas.id === 'curve-loss') window.curveText.push(String(text));
    return original.call(this, text, ...rest);
  }; }"""


def test_curve_axes_before_the_first_step_and_for_huge_losses(open_tab):
    page = open_network(open_tab, "&l2=1")
    page.evaluate(CURVE_TEXT)
    page.get_by_test_id("train-reset").click()
    page.wait_for_function("window.curveText.length > 0")
    assert "no steps yet: press Step or Play" in page.evaluate("window.curveText")
    assert not any("e-" in t for t in page.evaluate("window.curveText"))
    page.evaluate("window.curveText = []")
    page.get_by_test_id("train-play").click()  # L2 α = 1: the loss climbs towards e+300
    page.get_by_test_id("net-trouble").wait_for(state="visible", timeout=30_000)
    texts = page.evaluate("window.curveText")
    assert any("(log scale)" in t for t in texts)
    assert any(t.startswith("1e1") or t.startswith("1e2") for t in texts)  # the top is in view


def test_a_server_failure_is_said_in_plain_words(open_tab):
    page = open_tab(allow="status of 500")
    apply(page, "a*b + a", "a=2 b=-3")
    page.route(
        "**/api/expr",
        lambda route: route.fulfill(
            status=500,
            content_type="application/json",
            body='{"error": "internal error: AttributeError(\\"\'Vertex\' object\\")"}',
        ),
    )
    page.get_by_test_id("expr-apply").click()
    error = page.get_by_test_id("expr-error")
    error.wait_for(state="visible")
    assert "internal error" not in error.text_content()
    assert "a problem on its side, not in your input" in error.text_content()
    assert page.get_by_test_id("expr-output").text_content() == "–"


def test_the_neuron_inspector_shows_the_chosen_optimisers_next_step(open_tab):
    page = open_network(open_tab, "&opt=adam")
    assert page.get_by_test_id("lr").input_value() == "0.01"
    page.get_by_test_id("train-step").click()
    page.wait_for_function("MG.labs.net.state.snap.step === 1")
    page.get_by_test_id("neuron-1-1").click()
    weights = page.get_by_test_id("neuron-weights")
    weights.wait_for()
    assert "next adam step" in weights.text_content()
    moves = weights.locator("tr td:last-child").all_text_contents()
    assert len(moves) == 3 and all(m == "stays" or m[:4] in ("up ↑", "down") for m in moves)
