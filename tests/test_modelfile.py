"""Saving and loading a model: all or nothing, finite numbers only, atomic, typed errors."""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
import textwrap

import pytest

from micrograd.nn import MLP

KEY = "layers.0.neurons.1.w.0"


def _model(seed: int = 0) -> MLP:
    random.seed(seed)
    return MLP(2, [3, 1])  # 13 parameters


def _strict(text: str):
    """json.loads that refuses NaN and Infinity, as any JSON reader outside Python does."""

    def refuse(constant: str):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_a_bad_value_late_in_the_state_changes_no_parameter():
    model, other = _model(0), _model(1)
    before = [p.data for p in model.parameters()]
    state = other.state_dict()
    last = list(state)[-1]
    state[last] = "oops"  # 12 good values first, then a bad one
    with pytest.raises(TypeError, match=last.replace(".", r"\.")):
        model.load_state_dict(state)
    assert [p.data for p in model.parameters()] == before
    state[last] = math.nan
    with pytest.raises(ValueError, match=last.replace(".", r"\.")):
        model.load_state_dict(state)
    assert [p.data for p in model.parameters()] == before


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity", "1e400", "-1e400"])
def test_load_refuses_non_finite_numbers_naming_the_key(tmp_path, bad):
    model = _model()
    before = [p.data for p in model.parameters()]
    text = json.dumps(_model(1).state_dict()).replace(
        f'"{KEY}": {_model(1).state_dict()[KEY]!r}', f'"{KEY}": {bad}'
    )
    assert bad in text
    path = tmp_path / "model.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=rf"'{KEY}'.*not a finite number"):
        model.load(path)
    assert [p.data for p in model.parameters()] == before


def test_save_refuses_a_non_finite_parameter_and_keeps_the_old_file(tmp_path):
    model = _model()
    path = tmp_path / "model.json"
    model.save(path)
    good = path.read_bytes()
    dict(model.named_parameters())[KEY].data = math.nan
    with pytest.raises(ValueError, match=rf"'{KEY}'"):
        model.save(path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["model.json"], "no temporary file is left behind"


def test_save_writes_strict_json_that_loads_back(tmp_path):
    model, target = _model(0), _model(1)
    path = tmp_path / "model.json"
    model.save(path)
    assert _strict(path.read_text(encoding="utf-8")) == model.state_dict()
    target.load(path)
    assert target.state_dict() == model.state_dict()


@pytest.mark.parametrize(
    "content",
    ["[1, 2]", "null", "3.5", '"weights"', "true", "", "{not json", '{"a": [1]}', '{"a": {}}'],
    ids=["list", "null", "number", "string", "bool", "empty", "broken", "nested", "object"],
)
def test_malformed_files_give_typed_errors_that_say_what_a_model_file_holds(tmp_path, content):
    model = _model()
    before = [p.data for p in model.parameters()]
    path = tmp_path / "model.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises((TypeError, ValueError)) as info:
        model.load(path)
    assert type(info.value) in (TypeError, ValueError, json.JSONDecodeError)
    assert "model file" in str(info.value) or "not a number" in str(info.value)
    assert [p.data for p in model.parameters()] == before


def test_very_deep_nesting_is_a_value_error_not_a_recursion_error(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(ValueError, match="model file"):
        _model().load(path)
    path.write_text('{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    with pytest.raises((TypeError, ValueError), match="model file"):
        _model().load(path)


def test_binary_garbage_is_a_value_error(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match="model file"):
        _model().load(path)


def test_a_failing_write_keeps_the_old_file(tmp_path, monkeypatch):
    model = _model()
    path = tmp_path / "model.json"
    model.save(path)
    good = path.read_bytes()

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    dict(model.named_parameters())[KEY].data = 0.5
    with pytest.raises(OSError, match="No space"):
        model.save(path)
    assert path.read_bytes() == good
    assert os.listdir(tmp_path) == ["model.json"]


def test_a_file_size_limit_keeps_the_old_file(tmp_path):
    pytest.importorskip("resource")  # POSIX only
    path = tmp_path / "model.json"
    script = textwrap.dedent(
        f"""
        import random, resource, signal, sys
        from micrograd.nn import MLP
        random.seed(0)
        MLP(2, [1]).save({str(path)!r})  # a small, good file
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))
        try:
            MLP(2, [16, 16, 1]).save({str(path)!r})  # about 12 KB: cannot be written
        except OSError as exc:
            print("refused:", exc)
            sys.exit(0)
        sys.exit("the big save should have failed")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "refused" in done.stdout
    random.seed(0)
    small = MLP(2, [1])
    assert json.loads(path.read_text(encoding="utf-8")).keys() == small.state_dict().keys()
    assert os.listdir(tmp_path) == ["model.json"]


def test_saving_onto_a_folder_is_a_clear_error(tmp_path):
    with pytest.raises(IsADirectoryError, match="folder"):
        _model().save(tmp_path)


def test_save_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "model.json"
    _model().save(path)
    os.chmod(path, 0o640)
    _model(1).save(path)
    assert path.stat().st_mode & 0o777 == 0o640


def test_save_through_a_symlink_updates_the_file_it_points_to(tmp_path):
    random.seed(0)
    model = MLP(2, [2, 1])
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.json"
    target.write_text("{}")
    link = tmp_path / "link.json"
    os.symlink(target, link)
    model.save(link)
    assert link.is_symlink()
    assert len(json.loads(target.read_text())) == len(model.parameters())


def test_save_into_a_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        MLP(2, [1]).save(tmp_path / "nowhere" / "m.json")


# ------------------------------------------- special files, folders, size, duplicates
def test_save_refuses_special_files_and_leaves_them_alone(tmp_path, monkeypatch):
    from micrograd.errors import NotARegularFileError

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "null-link"
    link.symlink_to("/dev/null")
    replaced = []
    monkeypatch.setattr(os, "replace", lambda *a: replaced.append(a))  # never the real one
    for target in (fifo, link, "/dev/null"):
        with pytest.raises(NotARegularFileError, match="not a regular file"):
            _model().save(target)
    assert replaced == []
    assert sorted(os.listdir(tmp_path)) == ["null-link", "pipe"]


def test_save_with_a_trailing_separator_means_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="names a folder"):
        _model().save(f"{tmp_path}/newdir/")
    assert os.listdir(tmp_path) == [], "never a file called newdir"


def test_load_refuses_special_files_without_reading_them(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    script = textwrap.dedent(
        """
        import resource, sys
        from micrograd.nn import MLP
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))  # old code: MemoryError soon
        for path in sys.argv[1:]:
            try:
                MLP(2, [1]).load(path)
            except OSError as exc:
                print(type(exc).__name__, exc)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "/dev/zero", str(fifo)],
        capture_output=True,
        text=True,
        timeout=60,  # a FIFO opened for reading waits for a writer: must not happen
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and all("NotARegularFileError" in line for line in lines)
    assert "/dev/zero" in lines[0] and str(fifo) in lines[1]


def test_load_caps_the_size_and_says_the_cap(tmp_path):
    path = tmp_path / "model.json"
    with open(path, "wb") as f:
        f.truncate(64 * 2**20 + 1)  # sparse: costs no disk
    model = _model()
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match=r"larger than 64 MiB, the most a model file may be"):
        model.load(path)
    assert [p.data for p in model.parameters()] == before


def test_load_refuses_a_folder(tmp_path):
    with pytest.raises(IsADirectoryError, match="folder"):
        _model().load(tmp_path)


def test_a_duplicate_key_is_refused_naming_it(tmp_path):
    model = _model()
    before = [p.data for p in model.parameters()]
    text = json.dumps(model.state_dict(), indent=1)
    path = tmp_path / "model.json"
    path.write_text(text.replace("{", f'{{"{KEY}": 0.5,', 1), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"names the parameter '{KEY}' twice"):
        model.load(path)
    assert [p.data for p in model.parameters()] == before


def test_a_5000_digit_integer_names_its_key(tmp_path):
    state = {k: 0.0 for k in _model().state_dict()}
    text = json.dumps(state).replace(f'"{KEY}": 0.0', f'"{KEY}": {"7" * 5000}')
    path = tmp_path / "model.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=rf"'{KEY}' is an integer of 5,000 digits"):
        _model().load(path)
    path.write_text(text.replace("7" * 5000, "-" + "7" * 350), encoding="utf-8")
    with pytest.raises(ValueError, match=rf"'{KEY}' is an integer of 350 digits"):
        _model().load(path)


def test_load_state_dict_takes_numpy_scalars_as_value_does():
    np = pytest.importorskip("numpy")
    model = _model()
    state = model.state_dict()
    kinds = [np.float32, np.float64, np.int64, np.float16]
    mixed = {k: kinds[i % 4](round(v * 8) / 8) for i, (k, v) in enumerate(state.items())}
    model.load_state_dict(mixed)
    assert [p.data for p in model.parameters()] == [float(v) for v in mixed.values()]
    with pytest.raises(TypeError, match=rf"'{KEY}' holds True, not a number"):
        model.load_state_dict({**mixed, KEY: np.bool_(True)})
    with pytest.raises(ValueError, match=rf"'{KEY}' is .*not a finite number"):
        model.load_state_dict({**mixed, KEY: np.float32("nan")})
