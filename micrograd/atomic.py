"""The one way the project writes a file: all of it, or nothing at all.

Every file micrograd writes (model files, pictures, GIFs, benchmark results,
regenerated notebooks) goes through this module. Why: writing a file in place
destroys the old one first, so a full disk, a file-size limit, an exception or
Ctrl-C halfway through leaves a truncated file where a good one used to be.

How: the new content goes into a hidden temporary file in the target's own
folder, named ``.<name>.<pid>.<random>.tmp`` so it can be recognised; it is
flushed to disk (fsync) and then moved over the target with ``os.replace``,
which is atomic on one file system. A reader sees the old file or the new
one, never a mix. On any failure the temporary file is removed and the
target is untouched. A writer killed outright (SIGKILL) cannot clean up after
itself, so the next write to the same target removes temporary files whose
process is gone.

What is refused, before anything is written (each an ``OSError`` subclass
whose ``filename`` and message name the target, never the temporary file):

* a target that exists and is not a regular file: a folder
  (``IsADirectoryError``), a device node such as ``/dev/null``, a FIFO or a
  socket (``NotARegularFileError``). Replacing ``/dev/null`` with a regular
  file, as root, would break the whole system;
* a path that ends in a separator (``"results/"``): that names a folder, so it
  is never taken as a file called ``results``;
* a missing folder (``FileNotFoundError``), a read-only folder or file
  (``PermissionError``), a name longer than the file system allows.

A symlink to a regular file is followed: the file it points to is updated and
the link stays a link. An existing target keeps its permission bits (and its
owner and group where allowed); a new file gets the usual ones (0o666 minus
the umask), as ``open(path, "w")`` would. Hard links to the old file keep the
old content: the new file is a new inode, which is what makes it atomic.

>>> from micrograd.atomic import write_text
>>> write_text("notes.txt", "hello\\n")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

from micrograd.errors import NotARegularFileError

__all__ = ["NotARegularFileError", "check_target", "replacing", "write_bytes", "write_text"]

_NAME_MAX = 255  # bytes in one file name on every common file system
_TMP_TAIL_MAX = 40  # bytes taken by ".<pid>.<random>.tmp" plus a suffix such as ".png"
_TMP_SUFFIX_MAX = 16  # a longer suffix is not kept on the temporary file
_SEPARATORS = tuple(sep for sep in (os.sep, os.altsep) if sep)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Replace the file at ``path`` with ``data``, atomically. Returns the file written."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"write_bytes({str(path)!r}): data is a {type(data).__name__}, not bytes.")
    with replacing(path, keep_suffix=False) as tmp, open(tmp, "wb") as f:
        f.write(data)
    return Path(os.path.realpath(path))


def write_text(path: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Replace the file at ``path`` with ``text`` (UTF-8 by default), atomically."""
    if not isinstance(text, str):
        raise TypeError(f"write_text({str(path)!r}): text is a {type(text).__name__}, not str.")
    return write_bytes(path, text.encode(encoding))


@contextlib.contextmanager
def replacing(path: str | os.PathLike[str], *, keep_suffix: bool = True) -> Iterator[Path]:
    """A temporary path to write to; it replaces ``path`` when the block ends without error.

    For libraries that write files themselves::

        with replacing("boundary.png") as tmp:
            fig.savefig(tmp)          # matplotlib picks the format from tmp's suffix
        with replacing("training.gif") as tmp:
            frames[0].save(tmp, save_all=True, append_images=frames[1:])

    The temporary file already exists (empty, with the right permissions) and
    ends in the target's suffix (``keep_suffix``). If the block raises
    anything, Ctrl-C included, the temporary file is removed, the target is
    untouched, and the exception goes on.
    """
    target = check_target(path)
    _remove_leftovers(target)
    tmp = _create_temporary(target, keep_suffix)
    try:
        yield tmp
        _commit(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno and _concerns(exc, tmp):
            raise _about_target(exc, target) from None
        raise


def check_target(path: str | os.PathLike[str]) -> Path:
    """The real file that writing ``path`` would replace, or an OSError saying why not.

    Useful on its own to refuse a bad output path before a long computation.
    """
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text:
        raise FileNotFoundError(errno.ENOENT, "the file name is empty; give a file name", text)
    target = Path(os.path.realpath(text))  # through a symlink: the file it points to
    if text.endswith(_SEPARATORS):
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "that is a folder; give a file name in it", text)
        if target.exists():
            raise NotADirectoryError(
                errno.ENOTDIR,
                "the trailing separator names a folder, but this is a file; "
                "drop the separator to replace the file",
                text,
            )
        raise FileNotFoundError(
            errno.ENOENT,
            "the trailing separator names a folder, and there is no such folder; "
            "create it first and give a file name in it",
            text,
        )
    size = len(os.fsencode(target.name))
    if size > _NAME_MAX:
        raise OSError(
            errno.ENAMETOOLONG,
            f"the file name is {size:,} bytes long and file systems allow {_NAME_MAX}; "
            "choose a shorter name",
            text,
        )
    try:
        mode = os.stat(target).st_mode
    except (FileNotFoundError, NotADirectoryError):  # the folder check below says which
        mode = None
    except OSError as exc:  # e.g. a loop of symlinks
        raise _about_target(exc, Path(text)) from None
    if mode is not None:
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "that is a folder; give a file name", text)
        if not stat.S_ISREG(mode):
            raise NotARegularFileError(
                errno.EINVAL,
                f"that is {_kind(mode)}, not a regular file, and micrograd replaces only "
                "regular files; give the name of an ordinary file",
                text,
            )
        if not os.access(target, os.W_OK):
            raise PermissionError(
                errno.EACCES,
                "the file is read-only; make it writable (chmod u+w) or choose another name",
                text,
            )
    folder = target.parent
    if not folder.is_dir():
        exists = folder.exists()
        raise (NotADirectoryError if exists else FileNotFoundError)(
            errno.ENOTDIR if exists else errno.ENOENT,
            f"the folder {str(folder)!r} {'is not a folder' if exists else 'does not exist'}; "
            "create it first",
            text,
        )
    return target


def _create_temporary(target: Path, keep_suffix: bool) -> Path:
    """A new, empty, hidden file next to ``target``, created by us alone (O_EXCL)."""
    suffix = target.suffix if keep_suffix and len(target.suffix) <= _TMP_SUFFIX_MAX else ""
    for _ in range(100):
        tmp = target.parent / f"{_prefix(target)}{os.getpid()}.{secrets.token_hex(4)}.tmp{suffix}"
        try:
            # 0o666: the kernel applies the umask, as for any new file; an existing
            # target's own bits are copied over when the file is committed.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_CLOEXEC, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            if isinstance(exc, PermissionError):
                raise PermissionError(
                    errno.EACCES,
                    f"permission denied: the folder {str(target.parent)!r} is not writable; "
                    "choose another folder or make it writable",
                    str(target),
                ) from None
            raise _about_target(exc, target) from None
        os.close(fd)
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary name next to the file", str(target))


def _commit(tmp: Path, target: Path) -> None:
    """Flush ``tmp`` to disk, give it the target's permissions, and move it into place."""
    if not tmp.exists():
        raise FileNotFoundError(
            errno.ENOENT, "nothing was written (the temporary file disappeared)", str(target)
        )
    fd = os.open(tmp, os.O_RDONLY | _O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        old = os.stat(target)
    except FileNotFoundError:
        old = None
    if old is not None:
        if hasattr(os, "chown"):  # keep the owner too (root saving a user's file)
            with contextlib.suppress(OSError):
                os.chown(tmp, old.st_uid, old.st_gid)
        os.chmod(tmp, old.st_mode & 0o7777)  # after chown, which may clear setuid bits
    os.replace(tmp, target)
    _sync_folder(target.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; not every platform can sync a folder."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | _O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _remove_leftovers(target: Path) -> None:
    """Remove temporary files next to ``target`` left by a writer that no longer runs.

    Only files named exactly as ``_create_temporary`` names them for this
    target, and only when their process id is gone. POSIX only: elsewhere
    there is no harmless way to ask whether a process is alive.
    """
    if os.name != "posix":
        return
    pattern = re.compile(re.escape(_prefix(target)) + r"(\d+)\.[0-9a-f]{8}\.tmp(\.[^.]*)?")
    with contextlib.suppress(OSError), os.scandir(target.parent) as entries:
        for entry in entries:
            match = pattern.fullmatch(entry.name)
            if match and _process_is_gone(int(match.group(1))):
                with contextlib.suppress(OSError):
                    if entry.is_file(follow_symlinks=False):
                        os.unlink(entry.path)


def _process_is_gone(pid: int) -> bool:
    if pid == os.getpid():
        return False  # another thread of ours may be writing it right now
    try:
        os.kill(pid, 0)  # signal 0: asks whether the process exists, sends nothing
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False  # alive, owned by someone else (or not a process id at all)
    return False


def _prefix(target: Path) -> str:
    """``.<name>.`` with the name shortened so a temporary name fits in 255 bytes."""
    name = target.name
    limit = _NAME_MAX - _TMP_TAIL_MAX - 2
    while len(os.fsencode(name)) > limit:
        name = name[:-1]
    return f".{name}."


def _concerns(exc: OSError, tmp: Path) -> bool:
    """Whether ``exc`` is about the file being written (a write error names no file)."""
    return exc.filename is None or str(tmp) in (str(exc.filename), str(exc.filename2))


def _about_target(exc: OSError, target: Path) -> OSError:
    """The same kind of OSError, about the target instead of the temporary file."""
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EFBIG:
        reason += " (the file-size limit, ulimit -f, was reached; the old file is unchanged)"
    elif exc.errno == errno.ENOSPC:
        reason += " (the disk is full; the old file is unchanged)"
    new = type(exc)(exc.errno, reason, str(target)) if exc.errno else type(exc)(reason)
    return new


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
