"""The site's build script (docs/build.py), and the links of a built site, without a browser."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
SITE = Path(os.environ.get("MICROGRAD_SITE", ROOT / "site-build"))


def _load_build():
    spec = importlib.util.spec_from_file_location("site_build", ROOT / "docs" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()


def test_readme_links_point_at_the_staged_pages():
    anchors = {"benchmarks": "guide/benchmarks.md", "the-command-line": "guide/cli.md"}
    text = (
        "see [Benchmarks](#benchmarks), ![shot](docs/images/a.png), "
        "[course](intuition/README.md), [web](https://example.org/x), [here](#the-command-line)"
    )
    assert build.relink(text, "guide/cli.md", anchors) == (
        "see [Benchmarks](../guide/benchmarks.md#benchmarks), ![shot](../docs/images/a.png), "
        "[course](../intuition/README.md), [web](https://example.org/x), [here](#the-command-line)"
    )
    assert build.relink("[B](#benchmarks)", "index.md", anchors) == (
        "[B](guide/benchmarks.md#benchmarks)"
    )


def test_every_guide_is_a_section_of_the_readme():
    sections = build.readme_sections((ROOT / "README.md").read_text(encoding="utf-8"))
    assert set(build.GUIDES) <= set(sections)
    assert build.anchor("The playground: `micrograd playground`") == (
        "the-playground-micrograd-playground"
    )


def test_a_gif_output_gets_an_html_form_that_the_notebook_page_can_show(tmp_path):
    notebook = {
        "cells": [{"cell_type": "code", "outputs": [{"data": {"image/gif": "R0lG\nODlh"}}]}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    source, target = tmp_path / "in.ipynb", tmp_path / "out" / "in.ipynb"
    source.write_text(json.dumps(notebook), encoding="utf-8")
    build.stage_notebook(source, target)
    data = json.loads(target.read_text(encoding="utf-8"))["cells"][0]["outputs"][0]["data"]
    assert data["text/html"] == '<img alt="animation" src="data:image/gif;base64,R0lGODlh">'
    assert json.loads(source.read_text(encoding="utf-8")) == notebook  # the original is untouched


def test_links_between_notebooks_lead_to_their_pages(tmp_path):
    cell = {
        "cell_type": "markdown",
        "metadata": {},
        "source": ["See [the demo](demo.ipynb#top)", " and [x](x.ipynb)."],
    }
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "demo.ipynb").write_text("{}", encoding="utf-8")
    source = tmp_path / "basics.ipynb"
    source.write_text(json.dumps(notebook), encoding="utf-8")
    build.stage_notebook(source, tmp_path / "out" / "basics.ipynb")
    staged = json.loads((tmp_path / "out" / "basics.ipynb").read_text(encoding="utf-8"))
    # Only the course's own notebooks become pages; another .ipynb link is left alone.
    assert staged["cells"][0]["source"] == "See [the demo](demo.html#top) and [x](x.ipynb)."


def test_the_build_refuses_a_folder_that_holds_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(build.BuildError, match="holds other files"):
        build.build(tmp_path)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    with pytest.raises(build.BuildError, match="holds other files"):
        build.build(ROOT)


def test_a_failed_build_leaves_the_previous_site_as_it_was(tmp_path, monkeypatch):
    out = tmp_path / "site"
    out.mkdir()
    (out / build.MARKER).write_text("", encoding="utf-8")
    (out / "index.html").write_text("the previous build", encoding="utf-8")

    def fail_halfway(partial: Path, *, npm: bool) -> None:
        partial.mkdir()
        (partial / "index.html").write_text("half", encoding="utf-8")
        raise build.BuildError("mkdocs build failed (exit 1)")

    monkeypatch.setattr(build, "check_tools", lambda: None)
    monkeypatch.setattr(build, "_build_into", fail_halfway)
    with pytest.raises(build.BuildError, match="mkdocs build failed"):
        build.build(out)
    assert (out / "index.html").read_text(encoding="utf-8") == "the previous build"
    assert not (tmp_path / "site.partial").exists()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


@pytest.mark.skipif(
    not (SITE / ".micrograd-site").exists(),
    reason=f"the site is not built in {SITE}: python docs/build.py --out site-build",
)
def test_every_link_inside_the_built_site_leads_to_a_file():
    broken = []
    for page in sorted(SITE.rglob("*.html")):
        if page.name == "404.html" and page.parent == SITE:
            continue  # served for any missing path, so MkDocs writes its links from the root
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or not parts.path:
                continue  # another site (a link, never loaded), data:, or #anchor
            if re.fullmatch(r"\$\{.*\}|.*\{\{.*", parts.path):
                continue  # a template inside a script
            target = (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(SITE)} -> {link}")
    assert broken == []


def test_the_build_command_says_what_is_wrong_and_exits_1(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "build.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("site build: ") and "holds other files" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_site_benchmark_names_the_build_command_when_there_is_no_site(tmp_path):
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "site.py"), "--site", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "python docs/build.py --out site-build" in done.stderr
    assert "Traceback" not in done.stderr
