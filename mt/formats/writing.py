"""Write output atomically: a temporary file beside the target, renamed over it only when complete.

The temporary file is ``.NAME.XXXXXXXX.part`` beside NAME, locked (flock) while it is written; a run killed
before the rename leaves it behind, and the next atomic write of NAME removes such leftovers (never one still
locked by a live writer, never another name's).
"""

from __future__ import annotations

import glob
import os
import re
import stat
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import IO, Callable, Iterable, Iterator, Sequence

from mt.errors import OUTPUT_ERRNOS, InputError, OutputError

fcntl: ModuleType | None
try:
    import fcntl  # POSIX: the temporary file is locked while written, so that only dead writers' files are removed
except ImportError:  # pragma: no cover - Windows: leftovers are left alone
    fcntl = None

PART_SUFFIX = ".part"
STREAM_ROOTS = ("/dev/", "/proc/")  # names written into, never replaced (see writes_in_place)
# write errors that are the output's fault, not the input's: a full disk, a quota, a file too big, a read-only
# file system


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name the same file: equal once resolved (symlinks, ./a vs a) or hard links to one inode."""
    a, b = Path(a), Path(b)
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def writes_in_place(path: str | Path) -> bool:
    """Whether an output is written into, never replaced: an existing FIFO, device or socket, or a name that
    is (or links to) one under /dev or /proc, such as /dev/stdout (whatever file descriptor 1 is, even a
    regular file)."""
    name = os.path.abspath(path)
    for _ in range(40):  # a chain of symbolic links, each checked by name before it is followed
        if name.startswith(STREAM_ROOTS):
            return True
        if not os.path.islink(name):
            break
        name = os.path.normpath(os.path.join(os.path.dirname(name), os.readlink(name)))
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:  # missing (a new file) or unreadable: the ordinary atomic write
        return False


def _stdin_is(path: Path) -> bool:
    """Whether standard input was redirected from the file ``path`` (same device and inode)."""
    try:
        stdin, target = os.fstat(0), os.stat(path)
    except OSError:
        return False
    return stat.S_ISREG(stdin.st_mode) and (stdin.st_dev, stdin.st_ino) == (target.st_dev, target.st_ino)


def _inside(path: Path, directory: Path) -> bool:
    """Whether ``path`` names a file inside ``directory`` (by name or once links are resolved)."""
    pairs = ((Path(os.path.abspath(path)), Path(os.path.abspath(directory))), (path.resolve(), directory.resolve()))
    return any(p.is_relative_to(d) for p, d in pairs)


def _check_not_input(path: Path, inputs: Iterable[str | Path]) -> None:
    """Refuse an output that is an input: a file given, a file inside a directory given (a model in use), or the
    file that standard input ('-') was redirected from."""
    for source in inputs:
        if str(source) == "-":
            if _stdin_is(path):
                raise InputError(
                    f"{path}: the output would replace the input read from standard input; choose another output name"
                )
        elif Path(source).is_dir() and not path.is_dir() and _inside(path, Path(source)):
            raise InputError(f"{path}: is inside {source}, which this command reads; choose another output name")
        elif same_file(path, source):
            raise InputError(f"{path}: the output would replace the input {source}; choose another output name")


def check_output(path: Path, force: bool, inputs: Iterable[str | Path] = ()) -> None:
    """Refuse an output path that is one of ``inputs`` (always, even with --force; a directory among them
    protects every file inside it, '-' the file standard input comes from), that exists (unless forced, or
    unless it is a FIFO or device written into: :func:`writes_in_place`), whose folder is missing, or whose
    folder cannot be written. Call it before any work starts."""
    path = Path(path)
    _check_not_input(path, inputs)
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give a file name for the output")
    if writes_in_place(path) and path.exists():
        if not os.access(path, os.W_OK):
            raise InputError(f"{path}: cannot write the output: permission denied")
        return
    if path.exists() and not force:
        raise InputError(f"{path}: already exists; use --force to overwrite it")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"{directory}: no such directory for the output {path}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InputError(f"{path}: cannot write the output: directory {directory} is not writable")


def plan_outputs(
    names: Sequence[str],
    output: str | None,
    name_in_dir: Callable[[int], str],
    force: bool,
    other_inputs: Iterable[str | Path] = (),
) -> list[Path | None]:
    """Where each input's output goes (None: stdout when ``output`` is None or "-"), checked before any work
    starts: several inputs need a directory, where input ``i`` gets ``name_in_dir(i)``; no two inputs share an
    output (a.txt and b/a.txt would both become DIR/a.en.txt); no output is an input (``names``, and
    ``other_inputs`` such as --ref and glossaries) or, without ``force``, an existing file (:func:`check_output`)."""
    if output is None or output == "-":
        if len(names) > 1:
            raise InputError("several inputs need -o DIR (one output file per input)")
        return [None]
    out = Path(output)
    if output.endswith(("/", os.sep)) and not out.is_dir():  # Path() drops the slash: never write a file `newdir`
        raise InputError(
            f"{output}: no such directory; create it first, or give a file name without the trailing slash"
        )
    if len(names) > 1 or out.is_dir():
        if not out.is_dir():
            raise InputError(f"{out}: not a directory; several inputs need -o DIR")
        paths = [out / name_in_dir(i) for i in range(len(names))]
    else:
        paths = [out]
    planned: dict[str, str] = {}
    for name, path in zip(names, paths):
        key = os.path.normcase(os.path.abspath(path))
        if key in planned:
            raise InputError(
                f"{planned[key]} and {name} would both be translated into {path}; "
                "translate them into different directories (or rename one)"
            )
        planned[key] = name
    protected = [*names, *other_inputs]
    for path in paths:
        check_output(path, force, protected)
    return list(paths)  # as list[Path | None], the type the stdout case shares


def _part_pattern(path: Path) -> re.Pattern:
    """The names atomic_writer gives the temporary files of `path` (tempfile.mkstemp's 8 random characters)."""
    return re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}{re.escape(PART_SUFFIX)}")


def remove_stale_parts(path: str | Path) -> list[Path]:
    """Remove the temporary files that killed atomic writes of `path` left beside it (see the module docstring);
    return them. A file a live writer still holds locked is kept; on systems without flock nothing is removed."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if fcntl is None or not directory.is_dir():
        return []
    pattern, removed = _part_pattern(path), []
    for candidate in directory.glob(f".{glob.escape(path.name)}.*{PART_SUFFIX}"):
        if not pattern.fullmatch(candidate.name) or not candidate.is_file() or candidate.is_symlink():
            continue
        try:
            with candidate.open("rb") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while its writer lives
                candidate.unlink()
        except OSError:
            continue
        removed.append(candidate)
    return removed


@contextmanager
def atomic_writer(path: str | Path | None, *, binary: bool = False) -> Iterator[IO]:
    """Yield a text (or, with ``binary``, a bytes) handle; on success the content appears at `path` at once,
    on failure nothing appears.

    `None` or '-' writes to standard output instead; a FIFO or device (``/dev/stdout``, ``/dev/null``: see
    :func:`writes_in_place`) is written into, never replaced. A write the disk refuses (full, read-only, a
    quota) is an :class:`OutputError` naming `path`.
    """
    if path is None or str(path) == "-":
        stream = sys.stdout.buffer if binary else sys.stdout
        with _output_errors("standard output"):
            yield stream
            stream.flush()
        return
    path = Path(path)
    if writes_in_place(path) and path.exists():
        with (
            _output_errors(path),
            open(path, "wb") if binary else open(path, "w", encoding="utf-8", newline="\n") as handle,
        ):
            yield handle
        return
    with _output_errors(path, atomic=True):
        with _replacing_writer(path, binary) as handle:
            yield handle


@contextmanager
def _output_errors(name: str | Path, atomic: bool = False) -> Iterator[None]:
    """Turn a write the disk refuses (OUTPUT_ERRNOS) into a one-line OutputError naming the output."""
    try:
        yield
    except OSError as error:
        if error.errno not in OUTPUT_ERRNOS:
            raise
        kept = "; nothing was written there" if atomic else ""
        raise OutputError(f"{name}: cannot write the output ({error.strerror or error}){kept}") from error


@contextmanager
def _replacing_writer(path: Path, binary: bool) -> Iterator[IO]:
    """The atomic write proper: a locked temporary file beside `path`, renamed over it once complete."""
    directory = path.parent if str(path.parent) else Path(".")
    remove_stale_parts(path)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PART_SUFFIX, dir=directory)
    except OSError as error:  # the hidden temporary name means nothing to the user: name the output
        kind = OutputError if error.errno in OUTPUT_ERRNOS else InputError
        raise kind(f"{path}: cannot write the output in directory {directory} ({error.strerror or error})") from error
    lock = None
    try:
        if fcntl is not None:  # held through the rename (a duplicate descriptor); the kernel drops it if killed
            fcntl.flock(fd, fcntl.LOCK_EX)
            lock = os.dup(fd)
        with os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():  # an edited file keeps its mode
            os.chmod(temp, path.stat().st_mode & 0o777)
        else:  # mkstemp makes 0600; give a new file the mode a plain open() would
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    finally:
        if lock is not None:
            os.close(lock)


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write a whole text to `path` atomically (see atomic_writer); the folder must exist."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"{path}: directory {directory} does not exist")
    with atomic_writer(path) as handle:
        handle.write(text)


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write bytes to `path` atomically (a document's output; see atomic_writer); the folder must exist."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"{path}: directory {directory} does not exist")
    with atomic_writer(path, binary=True) as handle:
        handle.write(data)
