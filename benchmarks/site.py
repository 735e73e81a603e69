"""The playground in the browser (the static site) beside the local-server playground.

    python docs/build.py --out site-build     # once
    python benchmarks/site.py                 # about a minute; prints a table
    python benchmarks/site.py --window 1 --windows 1   # a quick look

One run measures, in headless Chromium, side by side:

* the moons demo's training rate (100 points, ``MLP(2, [16, 16, 1])``, full
  batch) in the network lab, with its live pictures, served by the static site
  (Python under Pyodide in a Web Worker) and by ``micrograd playground`` (Python
  on this machine, in a process of its own, with a trainer thread): the best of
  a few windows, so one hiccup of a shared machine does not decide it;
* how long the site's playground takes, cold (a new browser profile) and warm
  (the same profile, reloaded), until the engine is ready and until the page is
  interactive (the expression lab drawn from the engine's answer);
* the bytes a first visit downloads: the playground, the home page and a
  course page, counted by the server as it sends them, and what gzip would make
  of them (``python -m http.server`` does not compress; most hosts do).

Floors on a quiet two-core machine: at least 8 steps a second in the browser,
interactive within 8 s cold. Absolute numbers depend on the machine's load;
the table says how busy it was (the load average).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
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
FLOOR_RATE = 8.0  # steps/s in the browser, live pictures
FLOOR_COLD = 8.0  # seconds to an interactive playground, new profile
ENGINE_TIMEOUT = 120_000  # ms


class CountingHandler(SimpleHTTPRequestHandler):
    """Serves the site and counts the bytes of each file it sends (200 answers only)."""

    sent: dict[str, int] = {}

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        pass

    def copyfile(self, source, outputfile) -> None:
        start = source.tell()
        super().copyfile(source, outputfile)
        path = self.path.split("?", 1)[0]
        self.sent[path] = self.sent.get(path, 0) + source.tell() - start


def serve(folder: Path) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(CountingHandler, directory=str(folder))
    )
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def local_playground() -> tuple[subprocess.Popen, str]:
    """``micrograd playground`` in a process of its own, as a learner runs it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "micrograd", "playground", "--no-browser", "--port", str(port)]
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url + "api/meta", timeout=2):
                return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"micrograd playground did not start: {command}") from None
            time.sleep(0.2)


def gzip_bytes(folder: Path, paths) -> int:
    return sum(len(gzip.compress((folder / p.lstrip("/")).read_bytes(), 6)) for p in paths)


def first_visit(browser, base: str, folder: Path, path: str, ready: str) -> dict:
    """Open ``path`` in a new profile; what it downloaded until ``ready`` held."""
    CountingHandler.sent.clear()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(base + path)
        page.wait_for_function(ready, timeout=ENGINE_TIMEOUT)
        page.wait_for_load_state("networkidle")
        sent = dict(CountingHandler.sent)
    finally:
        context.close()
    return {"raw": sum(sent.values()), "gzip": gzip_bytes(folder, sent), "files": len(sent)}


READY = "window.MG_ENGINE && MG_ENGINE.state === 'ready'"
INTERACTIVE = "MG.meta !== null && MG.labs.expr.state.data !== null"


def load_times(playwright, base: str) -> dict:
    """Seconds to the engine ready and to an interactive page: cold, then warm.

    A profile on disk, as a learner's browser has: Chromium's in-memory cache (that
    of a fresh Playwright context) does not keep a file as big as Pyodide's 9.6 MB
    WebAssembly, so "warm" would download it again.
    """
    times = {}
    with tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=ARGS
        )
        try:
            page = context.new_page()
            for kind in ("cold", "warm"):
                if kind == "warm":  # leave for another page, then come back
                    page.goto(base + "index.html")
                    page.wait_for_load_state("networkidle")
                CountingHandler.sent.clear()
                start = time.perf_counter()
                page.goto(base + "playground/index.html")
                page.wait_for_function(READY, timeout=ENGINE_TIMEOUT)
                times[f"{kind}_ready"] = time.perf_counter() - start
                page.wait_for_function(INTERACTIVE, timeout=ENGINE_TIMEOUT)
                times[f"{kind}_interactive"] = time.perf_counter() - start
                page.wait_for_load_state("networkidle")
                times[f"{kind}_bytes"] = sum(CountingHandler.sent.values())
        finally:
            context.close()
    return times


def training_rate(browser, url: str, *, window: float, windows: int, engine: bool) -> float:
    """Steps a second while the network lab plays the moons demo, pictures live."""
    # bypass_csp: the local server forbids eval, which wait_for_function uses.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(url)
        if engine:
            page.wait_for_function(READY, timeout=ENGINE_TIMEOUT)
        page.wait_for_function("MG.meta !== null && MG.labs.net.state.data !== null")
        page.get_by_test_id("train-play").click()
        page.wait_for_function(
            "Number(document.querySelector('[data-testid=train-steps]').textContent) > 2",
            timeout=ENGINE_TIMEOUT,
        )
        steps = "Number(document.querySelector('[data-testid=train-steps]').textContent)"
        rates = []
        for _ in range(windows):
            start, first = time.perf_counter(), page.evaluate(steps)
            page.wait_for_timeout(window * 1000)
            rates.append((page.evaluate(steps) - first) / (time.perf_counter() - start))
        page.get_by_test_id("train-pause").click()
        return max(rates)
    finally:
        context.close()


def ok(good: bool) -> str:
    return "✓" if good else "✗ (missed)"


def megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=REPO / "site-build", help="the built site")
    parser.add_argument("--window", type=float, default=3.0, help="seconds per rate window")
    parser.add_argument("--windows", type=int, default=3, help="rate windows; the best counts")
    args = parser.parse_args(argv)
    if not (args.site / ".micrograd-site").exists():
        print(
            f"no built site in {args.site}: python docs/build.py --out site-build", file=sys.stderr
        )
        return 2
    if not Path(CHROMIUM).exists():
        print(f"no Chromium at {CHROMIUM}: apt-get install -y chromium", file=sys.stderr)
        return 2
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("needs Playwright: pip install playwright", file=sys.stderr)
        return 2
    static, base = serve(args.site)
    local, local_url = local_playground()
    load = os.getloadavg()[0]
    query = "?tab=net&test=0"  # the classic demo: all 100 points train
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                times = load_times(p, base)
                rate = dict(window=args.window, windows=args.windows)
                in_browser = training_rate(
                    browser, base + "playground/index.html" + query, engine=True, **rate
                )
                on_server = training_rate(browser, local_url + query, engine=False, **rate)
                visits = {
                    "playground": first_visit(
                        browser, base, args.site, "playground/index.html", INTERACTIVE
                    ),
                    "home page": first_visit(
                        browser, base, args.site, "index.html", "document.readyState === 'complete'"
                    ),
                    "course page (notebook 1)": first_visit(
                        browser,
                        base,
                        args.site,
                        "intuition/micrograd_basics.html",
                        "window.MathJax && MathJax.startup && MathJax.startup.document",
                    ),
                }
            finally:
                browser.close()
    finally:
        local.terminate()
        local.wait(timeout=10)
        static.shutdown()

    lines = [
        f"Load average at the start: {load:.2f} on {os.cpu_count()} cores "
        "(the floors are for a quiet machine).",
        "",
        "| measure | in the browser (static site, Pyodide) | local server | floor |",
        "|---|---|---|---|",
        f"| moons demo, steps/s with live pictures (best of {args.windows} × {args.window:g} s) "
        f"| {in_browser:.1f} | {on_server:.1f} | ≥ {FLOOR_RATE:g} in the browser "
        f"{ok(in_browser >= FLOOR_RATE)} |",
        f"| browser / server rate | {in_browser / on_server:.2f} | 1 | |",
        f"| cold load: engine ready / page interactive | {times['cold_ready']:.1f} s / "
        f"{times['cold_interactive']:.1f} s | (no engine to load) | interactive ≤ "
        f"{FLOOR_COLD:g} s {ok(times['cold_interactive'] <= FLOOR_COLD)} |",
        f"| warm load (the same profile, back again): ready / interactive | "
        f"{times['warm_ready']:.1f} s"
        f" / {times['warm_interactive']:.1f} s ({megabytes(times['warm_bytes'])} sent; "
        f"cold {megabytes(times['cold_bytes'])}) | | |",
    ]
    for name, visit in visits.items():
        lines.append(
            f"| first visit, {name}: bytes sent ({visit['files']} files) | "
            f"{megabytes(visit['raw'])} raw, {megabytes(visit['gzip'])} gzip | | |"
        )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
