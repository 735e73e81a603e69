"""The static site, as a learner sees it: the built folder served from loopback, in Chromium.

Build the site first (``python docs/build.py --out site-build``; ``.ci/run``
does); without it, or without Playwright and Debian's ``chromium``, these tests
skip and say why. ``MICROGRAD_SITE`` points them at another built folder.
Every page is opened in its own browser context; afterwards each test checks
that the page logged no console error and asked nothing of any host but the
loopback server (Chromium is also told that no other host exists).
"""

from __future__ import annotations

import functools
import os
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from test_playground_browser import ARGS as PLAYGROUND_ARGS
from test_playground_browser import CHROMIUM

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("MICROGRAD_SITE", ROOT / "site-build"))
MARKER = ".micrograd-site"  # written by docs/build.py when a build is complete
ARGS = [
    *PLAYGROUND_ARGS,  # the same headless Chromium as the playground's tests
    # Any host but loopback fails to resolve: a page that reached out would show it.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
NOTEBOOKS = ["micrograd_basics", "micrograd_intermediate", "micrograd_advanced", "demo"]
ARTIFACTS = Path(__file__).parent / "artifacts"
# ms: Pyodide starts in about 5 s on a quiet machine, far slower on a busy one
ENGINE_TIMEOUT = 90_000

if not (SITE / MARKER).exists():
    pytest.skip(
        f"the site is not built in {SITE}: python docs/build.py --out site-build",
        allow_module_level=True,
    )
_STATIC = ROOT / "micrograd" / "playground" / "static"


def _built_copy_differs(source: Path) -> bool:
    if source.name == "index.html":  # adapted by the build, one folder up
        return False
    built = SITE / "playground" / "static" / source.name
    return not built.exists() or built.read_bytes() != source.read_bytes()


_STALE = [p.name for p in sorted(_STATIC.iterdir()) if _built_copy_differs(p)]
if _STALE:
    pytest.skip(
        f"the site in {SITE} is older than the playground's {_STALE}: "
        "python docs/build.py --out site-build",
        allow_module_level=True,
    )


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves the folder like ``python -m http.server -d``, without a log line per file."""

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="module")
def base_url():
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(SITE))
    )
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser, base_url):
    """Open a page of the site in a fresh context; check console and requests afterwards."""
    contexts, problems, requests = [], [], []

    def open_(path: str, *, wait_engine: bool = False, url: str | None = None):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        contexts.append(context)
        context.on("request", lambda r: requests.append(r.url))
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(url or base_url + path)
        if wait_engine:
            wait_for_engine(page)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert problems == [], f"console errors: {problems}"
    outside = [u for u in requests if not u.startswith(base_url) and not u.startswith("data:")]
    assert outside == [], f"requests that left {base_url}: {outside[:10]}"


def wait_for_engine(page) -> None:
    """Until the page's engine says it is ready and the page has drawn its lab."""
    page.wait_for_function(
        "window.MG_ENGINE && MG_ENGINE.state !== 'loading'", timeout=ENGINE_TIMEOUT
    )
    assert page.evaluate("MG_ENGINE.state") == "ready", page.evaluate("MG_ENGINE")
    page.wait_for_function("MG.meta !== null && document.querySelector('.lab:not([hidden])')")


def shot(page, name: str, *, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"site-{name}.png"), full_page=full_page)


def broken_images(page) -> list[str]:
    """Every <img> on the page, loaded (lazy ones too), that has no picture."""
    page.evaluate("for (const i of document.images) i.loading = 'eager'")
    page.wait_for_function("[...document.images].every((i) => i.complete)")
    return page.evaluate(
        "[...document.images].filter((i) => !(i.naturalWidth > 0)).map((i) => i.src.slice(0, 80))"
    )


def typeset(page) -> None:
    page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("MathJax.startup.promise")


# ------------------------------------------------------------------ pages
def test_the_home_page_shows_its_pictures_and_links_to_every_part(open_page):
    page = open_page("index.html")
    assert broken_images(page) == []
    page.wait_for_load_state("networkidle")
    # A first visit loads what the page needs: no Python runtime, no maths typesetter.
    loaded = page.evaluate("performance.getEntriesByType('resource').map((r) => r.name)")
    assert not [u for u in loaded if "pyodide" in u or "vendor/mathjax" in u], loaded
    assert page.locator("img").count() >= 3
    hrefs = page.eval_on_selector_all("article a", "links => links.map((a) => a.href)")
    for part in ("intuition/index.html", "playground.html", "guide/tour.html", "api/index.html"):
        assert any(h.endswith(part) for h in hrefs), f"the home page has no link to {part}"
    shot(page, "home")


@pytest.mark.parametrize("guide", ["site", "playground", "tour"])
def test_a_guide_from_the_readme_shows_its_pictures(open_page, guide):
    page = open_page(f"guide/{guide}.html")
    assert broken_images(page) == []
    if guide != "tour":
        assert page.locator("article img").count() >= 1


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_a_course_page_shows_every_picture_and_typesets_its_maths(open_page, name):
    page = open_page(f"intuition/{name}.html")
    typeset(page)
    assert broken_images(page) == []
    pictures = page.locator(".jp-OutputArea-output img, .jp-OutputArea-output svg").count()
    assert pictures >= 3, f"{name}: only {pictures} pictures among the outputs"
    text = page.locator("article").inner_text()
    # Raw TeX left between dollars means MathJax did not run.
    raw = re.findall(r"\$[^$\n]{0,80}\\(?:frac|partial|cdot|sum|tanh|left)[^$\n]{0,80}\$", text)
    assert raw == [], f"{name}: maths left untypeset: {raw[:3]}"
    if name != "demo":  # the demo notebook is mostly pictures
        assert page.locator("mjx-container").count() >= 5
    else:
        assert page.locator("img[src^='data:image/gif']").count() >= 1, "the training GIF"
    if name == "micrograd_basics":
        shot(page, "course")


def test_the_course_in_order_says_how_to_run_it_locally(open_page):
    page = open_page("intuition/index.html")
    text = page.locator("article").inner_text()
    assert "Running the notebooks" in text and 'pip install -e ".[notebooks]"' in text
    order = page.eval_on_selector_all(
        "nav.md-nav--primary a.md-nav__link[href*='micrograd_'], "
        "nav.md-nav--primary a.md-nav__link[href$='demo.html']",
        "links => links.map((a) => a.getAttribute('href'))",
    )
    names = [h.rsplit("/", 1)[-1].removesuffix(".html") for h in order]
    assert [n for n in dict.fromkeys(names)] == NOTEBOOKS


def test_search_finds_the_backward_pass(open_page):
    page = open_page("index.html")
    page.locator("input.md-search__input").click()
    page.keyboard.type("topological", delay=20)  # the search answers to keystrokes
    results = page.locator(".md-search-result__item")
    results.first.wait_for()
    assert results.count() >= 1
    assert "topological" in page.locator(".md-search-result").inner_text().lower()


def test_the_api_page_lists_value_and_its_methods(open_page):
    page = open_page("api/engine.html")
    assert page.locator("[id='micrograd.engine.Value']").count() == 1
    methods = ("backward", "topological_order", "tanh", "exp", "log", "relu", "sigmoid", "sqrt")
    for method in methods:
        assert page.locator(f"[id='micrograd.engine.Value.{method}']").count() == 1, method
    shot(page, "api")


def test_a_course_page_opened_from_a_file_shows_pictures_maths_and_search(browser):
    """Without a server: the offline build keeps pictures, maths and search working."""
    context = browser.new_context()
    try:
        page = context.new_page()
        problems, requests = [], []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        context.on("request", lambda r: requests.append(r.url))
        page.goto((SITE / "intuition" / "micrograd_basics.html").resolve().as_uri())
        typeset(page)
        assert broken_images(page) == []
        assert page.locator("mjx-container").count() >= 5
        page.locator("input.md-search__input").click()
        page.keyboard.type("topological", delay=20)
        page.locator(".md-search-result__item").first.wait_for()
        assert problems == []
        assert [u for u in requests if not u.startswith(("file://", "data:", "blob:"))] == []
    finally:
        context.close()


# ------------------------------------------------------------------ the playground
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


def test_the_playground_says_it_must_be_served_when_opened_from_a_file(browser):
    context = browser.new_context()
    try:
        page = context.new_page()
        problems = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto((SITE / "playground" / "index.html").resolve().as_uri())
        status = page.get_by_test_id("engine-status")
        status.wait_for()
        assert status.get_attribute("data-state") == "file"
        assert "python -m http.server" in status.inner_text()
        assert problems == []
    finally:
        context.close()


def test_the_engine_loads_and_steps_a_times_b_plus_a_in_the_browser(open_page):
    page = open_page("playground/index.html")
    status = page.get_by_test_id("engine-status")
    # Python takes seconds to start: meanwhile the page says what is happening.
    assert status.get_attribute("data-state") == "loading"
    assert "Loading the engine" in status.inner_text()
    wait_for_engine(page)
    assert "Pyodide" in status.inner_text()
    apply(page, "a*b + a", "a=2 b=-3")
    assert counter(page) == 0
    page.get_by_test_id("step-next").click()
    page.get_by_test_id("step-end").click()
    assert counter(page) == 2
    assert grad(page, "a") == -2.0
    assert grad(page, "b") == 2.0
    assert "1 + -3 = -2" in page.get_by_test_id("graph").text_content()
    shot(page, "playground-expression")

    page.get_by_test_id("bug-toggle").check()
    page.wait_for_function("MG.labs.expr.state.data.bug === true")
    assert grad(page, "a") == -3.0  # '=' kept only the last contribution
    assert grad(page, "b") == 2.0


def test_a_bad_expression_gets_the_parsers_message_from_the_worker(open_page):
    page = open_page("playground/index.html", wait_engine=True)
    apply(page, "a*b + a", "a=2 b=-3")
    page.get_by_test_id("expr-input").fill("__import__('os')")
    page.get_by_test_id("expr-apply").click()
    error = page.get_by_test_id("expr-error")
    error.wait_for(state="visible")
    assert "not allowed" in error.text_content()  # a 422 answer, as from the server
    page.get_by_test_id("step-end").click()  # the last good graph still steps
    assert grad(page, "a") == -2.0


def test_the_url_restores_the_expression_lab_in_a_fresh_tab(open_page):
    page = open_page("playground/index.html", wait_engine=True)
    apply(page, "tanh(x*y) + x", "x=0.5 y=-1.25")
    page.get_by_test_id("bug-toggle").check()
    page.wait_for_function("MG.labs.expr.state.data.bug === true")
    page.get_by_test_id("step-next").click()
    page.get_by_test_id("step-next").click()
    fresh = open_page("", url=page.url, wait_engine=True)
    fresh.wait_for_function("MG.labs.expr.state.data !== null")
    assert fresh.get_by_test_id("expr-input").input_value() == "tanh(x*y) + x"
    assert fresh.get_by_test_id("expr-values").input_value() == "x=0.5 y=-1.25"
    assert fresh.get_by_test_id("bug-toggle").is_checked()
    assert counter(fresh) == 2


def open_network(open_page, query: str = ""):
    page = open_page(f"playground/index.html?tab=net{query}", wait_engine=True)
    page.wait_for_function("MG.labs.net.state.data !== null")
    return page


def pixels(page, test_id: str) -> str:
    """What a canvas shows now, as a data URL."""
    return page.get_by_test_id(test_id).evaluate("c => c.toDataURL()")


def steps(page) -> int:
    return int(page.get_by_test_id("train-steps").text_content())


def test_the_network_lab_trains_the_moons_with_live_pictures(open_page):
    page = open_network(open_page, "&test=0")
    assert page.evaluate("MG.labs.net.state.data.layers") == [16, 16, 1]
    assert page.locator("[data-testid^=neuron-]").count() == 32
    boundary, neuron = pixels(page, "boundary"), pixels(page, "neuron-1-1")
    page.get_by_test_id("train-play").click()
    page.wait_for_function(
        "Number(document.querySelector('[data-testid=train-steps]').textContent) >= 25",
        timeout=60_000,
    )
    # The pictures are redrawn while it plays, not only when it stops.
    page.wait_for_function(
        "MG.labs.net.state.snap && MG.labs.net.state.snap.pictureStep > 0", timeout=30_000
    )
    assert pixels(page, "boundary") != boundary
    assert pixels(page, "neuron-1-1") != neuron
    page.get_by_test_id("train-pause").click()
    page.wait_for_function("!MG.labs.net.state.playing")
    assert page.get_by_test_id("train-accuracy").text_content().endswith("%")
    loss = float(page.get_by_test_id("train-loss").text_content())
    assert 0 < loss < 1.0, f"the loss after {steps(page)} steps is {loss}"
    shot(page, "playground-network")


def test_the_url_restores_the_network_lab_in_a_fresh_tab(open_page):
    page = open_network(open_page)
    page.get_by_test_id("dataset").select_option("circles")
    page.wait_for_function("MG.labs.net.state.data.config.dataset === 'circles'")
    page.get_by_test_id("layer-add").click()
    page.wait_for_function("MG.labs.net.state.data.layers.length === 4")
    fresh = open_page("", url=page.url, wait_engine=True)
    fresh.wait_for_function("MG.labs.net.state.data !== null")
    assert fresh.get_by_test_id("dataset").input_value() == "circles"
    assert fresh.evaluate("MG.labs.net.state.data.layers") == [16, 16, 4, 1]


def test_the_playground_works_from_a_folder_of_a_bigger_site(browser, tmp_path):
    """Hosted at /micrograd/ (GitHub Pages, a school server): every path is relative."""
    (tmp_path / "micrograd").symlink_to(SITE.resolve(), target_is_directory=True)
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp_path))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}/"
    context = browser.new_context()
    try:
        page = context.new_page()
        problems, requests = [], []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        context.on("request", lambda r: requests.append(r.url))
        page.goto(root + "micrograd/playground/index.html")  # a*b + a, a=2, b=-3
        wait_for_engine(page)
        page.wait_for_function("MG.labs.expr.state.data !== null")
        assert page.evaluate("MG.labs.expr.state.data.expr") == "a*b + a"
        page.get_by_test_id("step-end").click()
        assert grad(page, "a") == -2.0
        assert problems == []
        assert [u for u in requests if not u.startswith(root + "micrograd/")] == []
    finally:
        context.close()
        server.shutdown()
        server.server_close()
