"""The atomic writer: the old file survives every failure, and no temporary file is left."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap

import pytest

from micrograd import atomic
from micrograd.errors import NotARegularFileError

OLD = b"old content " * 783  # 9,396 bytes, like the graph.svg the issue lost


def _only(folder) -> list[str]:
    return sorted(os.listdir(folder))


def _run(code: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,
    )


def test_write_bytes_and_text_replace_the_file(tmp_path):
    path = tmp_path / "out.txt"
    assert atomic.write_text(path, "héllo\n") == path
    assert path.read_bytes() == "héllo\n".encode()
    atomic.write_bytes(str(path), b"second")
    assert path.read_bytes() == b"second"
    assert _only(tmp_path) == ["out.txt"]


def test_a_new_file_gets_the_usual_permissions_and_an_old_one_keeps_its_own(tmp_path):
    result = _run(
        """
        import os, sys
        from micrograd import atomic
        os.umask(0o027)
        print(oct(os.stat(atomic.write_text(sys.argv[1], "x")).st_mode & 0o777))
        """,
        str(tmp_path / "new.txt"),
    )
    assert result.stdout.strip() == "0o640", result.stderr  # 0o666 minus the umask
    old = tmp_path / "old.txt"
    old.write_bytes(OLD)
    os.chmod(old, 0o604)
    atomic.write_text(old, "new")
    assert stat.S_IMODE(os.stat(old).st_mode) == 0o604


def test_a_full_disk_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "graph.svg"
    path.write_bytes(OLD)
    result = _run(
        """
        import resource, sys
        from micrograd import atomic
        resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048))
        try:
            atomic.write_bytes(sys.argv[1], b"new" * 10_000)
        except OSError as exc:
            print(type(exc).__name__, exc.errno, exc.filename, "|", exc)
        """,
        str(path),
    )
    assert result.returncode == 0, result.stderr
    assert f"{errno.EFBIG} {path} |" in result.stdout
    assert "ulimit -f" in result.stdout and ".tmp" not in result.stdout
    assert path.read_bytes() == OLD
    assert _only(tmp_path) == ["graph.svg"]


@pytest.mark.parametrize("error", [ValueError("drawing failed"), KeyboardInterrupt()])
def test_an_exception_or_ctrl_c_while_writing_keeps_the_old_file(tmp_path, error):
    path = tmp_path / "model.json"
    path.write_bytes(OLD)
    with pytest.raises(type(error)), atomic.replacing(path) as tmp:
        tmp.write_bytes(b"half a fi")
        raise error
    assert path.read_bytes() == OLD
    assert _only(tmp_path) == ["model.json"]


def test_ctrl_c_inside_write_bytes_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    path.write_bytes(OLD)

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_bytes(path, b"new")
    assert path.read_bytes() == OLD
    assert _only(tmp_path) == ["model.json"]


def test_replacing_yields_a_hidden_recognisable_name_with_the_targets_suffix(tmp_path):
    path = tmp_path / "boundary.png"
    with atomic.replacing(path) as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(f".boundary.png.{os.getpid()}.")
        assert tmp.name.endswith(".tmp.png")  # savefig picks the format from the suffix
        assert tmp.exists()
        tmp.write_bytes(b"picture")
    assert path.read_bytes() == b"picture"
    assert _only(tmp_path) == ["boundary.png"]


def test_a_sigkilled_writer_leaves_a_temporary_that_the_next_write_removes(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(OLD)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import sys, time
                from micrograd import atomic
                with atomic.replacing(sys.argv[1]) as tmp:
                    tmp.write_bytes(b"half")
                    print("writing", flush=True)
                    time.sleep(60)
                """
            ),
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "writing"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    writer.stdout.close()
    leftovers = [n for n in _only(tmp_path) if n != "model.json"]
    assert len(leftovers) == 1 and leftovers[0].startswith(f".model.json.{writer.pid}.")
    assert path.read_bytes() == OLD, "the killed writer never touched the target"
    live = tmp_path / f".model.json.{os.getppid()}.0123abcd.tmp.json"  # a running process
    live.write_bytes(b"busy")
    other = tmp_path / ".other.json.999999999.0123abcd.tmp"  # another target's
    other.write_bytes(b"not ours")
    atomic.write_bytes(path, b"new")
    assert path.read_bytes() == b"new"
    assert _only(tmp_path) == sorted([live.name, other.name, "model.json"])


def test_special_files_are_refused_and_left_alone(tmp_path, monkeypatch):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "link-to-pipe"
    link.symlink_to(fifo)
    for target in (fifo, link):
        with pytest.raises(NotARegularFileError, match="FIFO") as caught:
            atomic.write_bytes(target, b"x")
        assert caught.value.filename == str(target)
        assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert _only(tmp_path) == ["link-to-pipe", "pipe"]

    replaced = []
    monkeypatch.setattr(os, "replace", lambda *a: replaced.append(a))  # never the real one
    with pytest.raises(NotARegularFileError, match="character device") as caught:
        atomic.write_text("/dev/null", "x")
    assert caught.value.filename == "/dev/null" and replaced == []
    assert isinstance(caught.value, OSError)


def test_a_symlink_to_a_regular_file_is_followed(tmp_path):
    real = tmp_path / "real.json"
    real.write_bytes(OLD)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    atomic.write_bytes(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


def test_a_trailing_separator_means_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="trailing separator names a folder"):
        atomic.write_bytes(f"{tmp_path}/newdir/", b"x")
    assert _only(tmp_path) == [], "never a file called newdir"
    (tmp_path / "d").mkdir()
    for folder in (f"{tmp_path}/d/", tmp_path / "d"):
        with pytest.raises(IsADirectoryError, match="folder; give a file name"):
            atomic.write_bytes(folder, b"x")
    (tmp_path / "f").write_bytes(OLD)
    with pytest.raises(NotADirectoryError, match="drop the separator"):
        atomic.write_bytes(f"{tmp_path}/f/", b"x")
    assert (tmp_path / "f").read_bytes() == OLD


def test_a_missing_folder_and_an_impossible_name_name_the_target(tmp_path):
    target = tmp_path / "nope" / "model.json"
    with pytest.raises(FileNotFoundError, match="does not exist; create it first") as caught:
        atomic.write_bytes(target, b"x")
    assert caught.value.filename == str(target)
    (tmp_path / "f").write_bytes(OLD)
    with pytest.raises(NotADirectoryError, match="is not a folder"):
        atomic.write_bytes(tmp_path / "f" / "x", b"x")
    long = tmp_path / ("a" * 300)
    with pytest.raises(OSError, match="300 bytes long") as caught:
        atomic.write_bytes(long, b"x")
    assert caught.value.errno == errno.ENAMETOOLONG and caught.value.filename == str(long)


def test_a_name_near_the_limit_still_gets_a_temporary_name_that_fits(tmp_path):
    path = tmp_path / ("b" * 250 + ".png")
    with atomic.replacing(path) as tmp:
        assert len(tmp.name.encode()) <= 255
        tmp.write_bytes(b"ok")
    assert path.read_bytes() == b"ok"
    assert _only(tmp_path) == [path.name]


def test_a_read_only_folder_names_the_target_not_the_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    real_open = os.open

    def denied(name, flags, mode=0o777, **kw):
        if ".tmp" in str(name):
            raise PermissionError(errno.EACCES, "Permission denied", str(name))
        return real_open(name, flags, mode, **kw)

    monkeypatch.setattr(os, "open", denied)  # as root, chmod cannot make a folder read-only
    with pytest.raises(PermissionError) as caught:
        atomic.write_bytes(path, b"x")
    assert caught.value.filename == str(path)
    assert ".tmp" not in str(caught.value) and "not writable" in str(caught.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_really_read_only_folder_names_the_target(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o555)
    try:
        with pytest.raises(PermissionError) as caught:
            atomic.write_bytes(folder / "model.json", b"x")
    finally:
        os.chmod(folder, 0o755)
    assert caught.value.filename == str(folder / "model.json")
    assert ".tmp" not in str(caught.value)


def test_an_error_from_the_writing_library_names_the_target(tmp_path):
    path = tmp_path / "picture.png"
    with pytest.raises(OSError) as caught, atomic.replacing(path) as tmp:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp))
    assert caught.value.filename == str(path) and "disk is full" in str(caught.value)
    assert _only(tmp_path) == []


def test_wrong_data_types_are_refused_before_anything_is_written(tmp_path):
    with pytest.raises(TypeError, match="not bytes"):
        atomic.write_bytes(tmp_path / "x", "text")
    with pytest.raises(TypeError, match="not str"):
        atomic.write_text(tmp_path / "x", b"bytes")
    with pytest.raises(FileNotFoundError, match="empty"):
        atomic.write_bytes("", b"x")
    assert _only(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_root_saving_a_users_file_keeps_its_owner(tmp_path):
    path = tmp_path / "theirs.json"
    path.write_bytes(OLD)
    os.chown(path, 65534, 65534)
    atomic.write_bytes(path, b"new")
    st = os.stat(path)
    assert (st.st_uid, st.st_gid) == (65534, 65534)
    assert path.read_bytes() == b"new"
