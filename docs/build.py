"""Build the static site into one folder: ``python docs/build.py --out site-build``.

The site holds the home page, the course (the committed notebooks with their
outputs, not re-executed), the README's guides, the API reference from the
docstrings, and the playground running our own engine in the browser under
Pyodide. Everything it needs at view time is in the folder: no CDN, no web
fonts, no network. Serve it with ``python -m http.server -d site-build``
(the playground needs a server; the other pages also open from ``file://``).

Why a build script rather than ``mkdocs build`` alone: the pages come from
files that live elsewhere in the repository (the README, ``intuition/``), so
they are staged into ``build/site-src`` first, with the README's links pointed
at their pages; the theme's few external assets and MathJax come from the npm
packages pinned in ``docs/package-lock.json`` (``npm ci``); and the playground
is the package's own static page with a shim that sends its API calls to a
Web Worker instead of a server, plus wheels built at build time.

Steps: npm ci, stage pages, seed the privacy plugin's cache, mkdocs build,
add the playground (Pyodide, wheels, worker), add the licences. The build asks
the npm registry and PyPI for the pinned packages (or their local caches);
the site it makes asks nothing of anyone.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
STAGE = ROOT / "build" / "site-src"
PRIVACY_CACHE = ROOT / "build" / "privacy-cache"
NODE_MODULES = DOCS / "node_modules"
STATIC = ROOT / "micrograd" / "playground" / "static"
# grandalf is pure Python and dual-licensed (GPLv2 or EPL-1.0): shipped under the EPL-1.0.
GRANDALF = "grandalf==0.8"
MARKER = ".micrograd-site"  # a folder holding it is one this script may replace
PYODIDE_FILES = (  # what the browser loads; the npm package's other files are for Node
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
)

# README sections -> guide pages (a section's ### subsections go with it).
GUIDES = {
    "A tour of the API": "guide/tour.md",
    "From micrograd to PyTorch": "guide/pytorch.md",
    "The command line": "guide/cli.md",
    "The playground: `micrograd playground`": "guide/playground.md",
    "The site: the course, the API and the playground in a browser": "guide/site.md",
    "Benchmarks": "guide/benchmarks.md",
    "How it relates to the original micrograd": "guide/original.md",
}


class BuildError(Exception):
    """A step of the build failed; the message says which and what to do."""


# ------------------------------------------------------------------ helpers
def run(command: list[str], cwd: Path, what: str) -> None:
    """Run a step, showing its output only when it fails."""
    # Material's end-of-life banner is answered in README.md and on the Licences page.
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env)
    except FileNotFoundError:
        raise BuildError(f"{what}: {command[0]!r} is not installed.") from None
    if done.returncode != 0:
        raise BuildError(
            f"{what} failed (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )


def check_tools() -> None:
    missing = []
    for module, package in (
        ("mkdocs", "mkdocs"),
        ("material", "mkdocs-material"),
        ("mkdocs_jupyter", "mkdocs-jupyter"),
        ("mkdocstrings_handlers.python", "mkdocstrings-python"),
    ):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        raise BuildError(f'missing {", ".join(missing)}: python -m pip install -e ".[site]"')
    if shutil.which("npm") is None:
        raise BuildError("npm is not installed: apt-get install nodejs npm (Node 18 or newer).")


def copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        shutil.copy2(source, target)


# ------------------------------------------------------------------ pages
def readme_sections(text: str) -> dict[str, str]:
    """The README's ``## `` sections by title, each with its body (no heading line)."""
    parts = re.split(r"^## (.+)$", text, flags=re.MULTILINE)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts), 2)}


def anchor(title: str) -> str:
    """The id the toc extension gives a heading (lowercase words joined by '-')."""
    plain = re.sub(r"[^\w\s-]", "", title.replace("`", "")).strip().lower()
    return re.sub(r"[\s-]+", "-", plain)


def relink(markdown: str, page: str, anchors: dict[str, str]) -> str:
    """Point the README's links (written from the repository root) at the staged pages."""
    depth = page.count("/")
    up = "../" * depth

    def target(match: re.Match) -> str:
        text, link = match.group(1), match.group(2)
        if re.match(r"[a-z]+:", link):
            return match.group(0)
        if link.startswith("#"):
            home = anchors.get(link[1:])
            if home and home != page:
                link = up + home + link
        else:
            link = up + link
        return f"{text}({link})"

    return re.sub(r"(!?\[[^\]]*\])\(([^)\s]+)\)", target, markdown)


def stage_notebook(source: Path, target: Path) -> None:
    """Copy a notebook for the site: links to the other notebooks lead to their pages, and
    each GIF output gets an HTML form (nbconvert's HTML leaves GIFs out)."""
    notebook = json.loads(source.read_text(encoding="utf-8"))
    course = "|".join(re.escape(p.stem) for p in source.parent.glob("*.ipynb"))
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown" and course:
            # A link to another notebook leads to its page on the site.
            text = "".join(cell["source"])
            cell["source"] = re.sub(rf"\]\(({course})\.ipynb(#[^)]*)?\)", r"](\1.html\2)", text)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/gif" in data and "text/html" not in data:
                gif = "".join(data["image/gif"]).replace("\n", "")
                data["text/html"] = f'<img alt="animation" src="data:image/gif;base64,{gif}">'
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(notebook), encoding="utf-8")


def stage_pages() -> None:
    """Copy the hand-written pages, the course and the README's guides into ``build/site-src``."""
    if STAGE.exists():
        shutil.rmtree(STAGE)
    copy(DOCS / "site", STAGE)
    copy(DOCS / "images", STAGE / "docs" / "images")
    for path in (ROOT / "intuition").iterdir():
        if path.suffix == ".ipynb":
            stage_notebook(path, STAGE / "intuition" / path.name)
        elif path.suffix in (".md", ".py") or path.name == "images":
            copy(path, STAGE / "intuition" / path.name)
    # The course links to the engine's source files: the site holds them, to read.
    for source in sorted((ROOT / "micrograd").rglob("*.py")):
        copy(source, STAGE / source.relative_to(ROOT))
    copy(ROOT / "benchmarks" / "results.md", STAGE / "benchmarks" / "results.md")
    copy(ROOT / "LICENSE", STAGE / "LICENSE.txt")

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sections = readme_sections(readme)
    missing = sorted(set(GUIDES) - set(sections))
    if missing:
        raise BuildError(f"README.md has no section(s) {missing}: update GUIDES in docs/build.py.")
    anchors = {}
    for title, page in GUIDES.items():
        anchors[anchor(title)] = page
        for sub in re.findall(r"^### (.+)$", sections[title], flags=re.MULTILINE):
            anchors[anchor(sub)] = page
    for title, page in GUIDES.items():
        body = relink(sections[title], page, anchors)
        body = re.sub(r"^### ", "## ", body, flags=re.MULTILINE)
        (STAGE / page).parent.mkdir(parents=True, exist_ok=True)
        (STAGE / page).write_text(f"# {title}\n{body}", encoding="utf-8")

    intro = readme.split("\n## ", 1)[0].split("\n", 1)[1]  # below the title, above Quickstart
    home = (STAGE / "index.md").read_text(encoding="utf-8")
    home = home.replace("<!-- README:intro -->", relink(intro.strip(), "index.md", anchors))
    quickstart = sections["Quickstart"] + "\n" + sections["An example session"]
    home = home.replace(
        "<!-- README:Quickstart -->", relink(quickstart.strip(), "index.md", anchors)
    )
    (STAGE / "index.md").write_text(home, encoding="utf-8")


def vendor_assets() -> None:
    """MathJax into the pages' assets; the theme's external scripts into the privacy cache."""
    mathjax = NODE_MODULES / "mathjax" / "es5"
    for part in ("tex-chtml.js", "input", "output", "ui", "a11y", "adaptors", "sre"):
        copy(mathjax / part, STAGE / "vendor" / "mathjax" / part)
    copy(NODE_MODULES / "mathjax" / "LICENSE", STAGE / "vendor" / "mathjax" / "LICENSE")
    # The offline plugin asks for https://unpkg.com/iframe-worker/shim; the privacy
    # plugin serves it from this cache (and never downloads) when the file is here.
    external = PRIVACY_CACHE / "assets" / "external" / "unpkg.com"
    shim = external / "iframe-worker" / "shim.js"
    copy(NODE_MODULES / "iframe-worker" / "shim" / "index.js", shim)
    link = shim.with_suffix("")
    if not link.is_symlink():
        link.unlink(missing_ok=True)
        link.symlink_to(shim.name)
    copy(
        NODE_MODULES / "wicked-good-xpath" / "dist" / "wgxpath.install.js",
        PRIVACY_CACHE
        / "assets"
        / "external"
        / "cdn.jsdelivr.net"
        / "npm"
        / "wicked-good-xpath@1.3.0"
        / "dist"
        / "wgxpath.install.js",
    )


# ------------------------------------------------------------------ playground
def download_grandalf(folder: Path) -> Path:
    """grandalf's wheel from PyPI (pip's cache answers offline after the first build)."""
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q"]
    run([*pip, "-d", str(folder), GRANDALF], ROOT, f"downloading {GRANDALF} from PyPI")
    return next(folder.glob("grandalf-*.whl"))


def build_wheels(target: Path) -> list[str]:
    """Our package (``pip wheel --no-deps .``) and grandalf's wheel from PyPI."""
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp, str(ROOT)],
            ROOT,
            "building micrograd's wheel",
        )
        download_grandalf(Path(tmp))
        names = []
        for wheel in sorted(Path(tmp).glob("*.whl")):
            shutil.copy2(wheel, target / wheel.name)
            names.append(wheel.name)
    return names


def add_playground(out: Path) -> None:
    """The package's static page, unchanged but for paths and the shim, and its engine."""
    page = out / "playground"
    for path in STATIC.iterdir():
        if path.name != "index.html":  # the page itself goes one folder up, adapted
            copy(path, page / "static" / path.name)
    html = (STATIC / "index.html").read_text(encoding="utf-8")
    # The local server serves the page at /; here it lives in a folder of any site.
    html = html.replace('href="/static/', 'href="static/').replace('src="/static/', 'src="static/')
    html = html.replace('href="/favicon.ico"', 'href="static/favicon.svg"')
    first_script = html.find("<script")
    if first_script < 0:
        raise BuildError("the playground's index.html has no <script>: cannot inject the shim.")
    html = (
        html[:first_script]
        + '<link rel="stylesheet" href="engine.css">\n<script src="engine.js"></script>\n'
        + html[first_script:]
    )
    (page / "index.html").write_text(html, encoding="utf-8")

    wheels = build_wheels(page / "wheels")
    for name in ("engine.js", "engine.css", "worker.mjs", "bridge.py"):
        copy(DOCS / "playground" / name, page / name)
    (page / "wheels" / "index.json").write_text(json.dumps(wheels), encoding="utf-8")
    version = json.loads((NODE_MODULES / "pyodide" / "package.json").read_text())["version"]
    for name in PYODIDE_FILES:
        copy(NODE_MODULES / "pyodide" / name, out / "pyodide" / name)
    (out / "pyodide" / "VERSION").write_text(version + "\n", encoding="utf-8")


def add_licences(out: Path) -> None:
    """The licences of what the site ships, next to what they cover."""
    notices = out / "licenses"
    notices.mkdir(parents=True, exist_ok=True)
    copy(DOCS / "licenses" / "MPL-2.0.txt", notices / "pyodide-MPL-2.0.txt")
    python_licence = Path(sysconfig.get_paths()["stdlib"]) / "LICENSE.txt"
    if python_licence.exists():
        copy(python_licence, notices / "python-PSF-LICENSE.txt")
    for package, name in (
        ("mathjax", "mathjax-Apache-2.0.txt"),
        ("iframe-worker", "iframe-worker-MIT.txt"),
        ("wicked-good-xpath", "wicked-good-xpath-MIT.txt"),
    ):
        copy(NODE_MODULES / package / "LICENSE", notices / name)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = download_grandalf(Path(tmp))
        with zipfile.ZipFile(wheel) as archive:
            name = next(n for n in archive.namelist() if n.endswith(".dist-info/LICENSE"))
            text = archive.read(name).decode("utf-8")
    start = text.find("Eclipse Public License -v 1.0")
    if start < 0:
        raise BuildError("grandalf's LICENSE no longer holds the EPL-1.0 text: check its licence.")
    (notices / "grandalf-EPL-1.0.txt").write_text(
        "grandalf 0.8 (https://github.com/bdcht/grandalf) is dual-licensed, GPLv2 or EPL-1.0;\n"
        "this site distributes it under the Eclipse Public License 1.0, whose text follows.\n"
        "Its source code is the wheel itself (pure Python): playground/wheels/.\n\n" + text[start:],
        encoding="utf-8",
    )


# ------------------------------------------------------------------ main
def build(out: Path, *, npm: bool = True) -> Path:
    """Build into ``<out>.partial``, then move it in place: a failed build leaves ``out`` as is."""
    out = out.resolve()
    ours = (out / MARKER).exists() and out not in (ROOT, *ROOT.parents)
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not ours:
        raise BuildError(f"{out} holds other files: give a new or empty --out folder.")
    check_tools()
    partial = out.with_name(out.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    try:
        _build_into(partial, npm=npm)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if out.exists():
        shutil.rmtree(out)
    partial.rename(out)
    return out


def _build_into(partial: Path, *, npm: bool) -> None:
    if npm or not NODE_MODULES.exists():
        run(["npm", "ci", "--no-audit", "--no-fund"], DOCS, "npm ci (docs/package-lock.json)")
    stage_pages()
    vendor_assets()
    run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--quiet",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(partial),
        ],
        ROOT,
        "mkdocs build",
    )
    add_playground(partial)
    add_licences(partial)
    (partial / MARKER).write_text("built by docs/build.py; rebuilding replaces this folder\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "site-build", help="folder to build into"
    )
    parser.add_argument(
        "--skip-npm", action="store_true", help="reuse docs/node_modules instead of npm ci"
    )
    args = parser.parse_args(argv)
    try:
        out = build(args.out, npm=not args.skip_npm)
    except BuildError as exc:
        print(f"site build: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a missing or unwritable file: say which, without a traceback
        print(f"site build: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 1
    print(f"built {out}\nserve it: python -m http.server -d {out} 8000")
    return 0


if __name__ == "__main__":
    sys.exit(main())
