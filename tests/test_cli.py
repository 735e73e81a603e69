"""The command line, end to end, into a temporary folder."""

import subprocess
import sys

import pytest

from micrograd.cli import build_parser, main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _assert_png(path):
    pytest.importorskip("PIL")
    from PIL import Image

    assert path.read_bytes()[:8] == PNG_MAGIC, f"{path} is not a PNG"
    with Image.open(path) as image:
        image.verify()
        width, height = image.size
    assert width > 200 and height > 200


def test_demo_writes_both_pictures(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    code = main(["demo", "--steps", "3", "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    out = capsys.readouterr().out
    assert "accuracy" in out
    _assert_png(tmp_path / "input_dataset.png")
    _assert_png(tmp_path / "classified_dataset.png")


@pytest.mark.parametrize("dataset", ["circles", "blobs", "spirals", "xor"])
def test_demo_runs_on_every_dataset(tmp_path, dataset):
    pytest.importorskip("matplotlib")
    args = ["demo", "--dataset", dataset, "--steps", "2", "--samples", "30"]
    assert main([*args, "--hidden", "4", "--out", str(tmp_path), "--no-progress"]) == 0
    _assert_png(tmp_path / "classified_dataset.png")


def test_demo_with_minibatches_and_constant_schedule(tmp_path):
    pytest.importorskip("matplotlib")
    args = ["demo", "--steps", "3", "--batch-size", "10", "--schedule", "constant"]
    assert main([*args, "--lr", "0.1", "--out", str(tmp_path), "--no-progress"]) == 0


@pytest.mark.slow
def test_demo_defaults_reach_full_accuracy(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    assert main(["demo", "--out", str(tmp_path), "--no-progress"]) == 0
    assert "training accuracy 100%" in capsys.readouterr().out


@pytest.mark.parametrize(
    "bad",
    [
        ["--steps", "0"],
        ["--steps", "many"],
        ["--lr", "-1"],
        ["--hidden", "0"],
        ["--noise", "-0.1"],
        ["--dataset", "iris"],
    ],
)
def test_bad_options_are_refused_with_a_message(bad, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["demo", *bad])
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_help_explains_every_demo_option(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["demo", "--help"])
    text = capsys.readouterr().out
    for option in [
        "--steps",
        "--hidden",
        "--activation",
        "--lr",
        "--batch-size",
        "--seed",
        "--dataset",
        "--out",
    ]:
        assert option in text


BLOCK_MATPLOTLIB = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "matplotlib":
            raise ImportError("No module named 'matplotlib' (blocked by the test)")
sys.meta_path.insert(0, Block())
from micrograd.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_missing_matplotlib_names_the_extra(tmp_path):
    # In a subprocess, so hiding matplotlib cannot leak into other tests.
    args = ["demo", "--steps", "1", "--out", str(tmp_path), "--no-progress"]
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_MATPLOTLIB, *args], capture_output=True, text=True
    )
    assert result.returncode == 2, result.stderr
    assert "micrograd[plot]" in result.stderr
    assert "Traceback" not in result.stderr


def test_module_form_runs():
    result = subprocess.run(
        [sys.executable, "-m", "micrograd", "--help"], capture_output=True, text=True, check=True
    )
    assert "demo" in result.stdout
