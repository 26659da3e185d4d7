"""Write output atomically: a temporary file beside the target, renamed over it only when complete.

The temporary file is ``.NAME.XXXXXXXX.part`` beside NAME, locked (flock) while it is written; a run killed
before the rename leaves it behind, and the next atomic write of NAME removes such leftovers (never one still
locked by a live writer, never another name's).
"""

from __future__ import annotations

import glob
import os
import re
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator, Sequence

from mt.errors import InputError

try:
    import fcntl  # POSIX: the temporary file is locked while written, so that only dead writers' files are removed
except ImportError:  # pragma: no cover - Windows: leftovers are left alone
    fcntl = None

PART_SUFFIX = ".part"


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name the same file: equal once resolved (symlinks, ./a vs a) or hard links to one inode."""
    a, b = Path(a), Path(b)
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output(path: Path, force: bool, inputs: Iterable[str | Path] = ()) -> None:
    """Refuse an output path that is one of ``inputs`` (always, even with --force), that exists (unless forced),
    whose folder is missing, or whose folder cannot be written. Call it before any work starts."""
    path = Path(path)
    for source in inputs:
        if str(source) != "-" and same_file(path, source):
            raise InputError(f"{path}: the output would replace the input {source}; choose another output name")
    if path.is_dir():
        raise InputError(f"{path}: is a directory; give a file name for the output")
    if path.exists() and not force:
        raise InputError(f"{path}: already exists; use --force to overwrite it")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputError(f"{directory}: no such directory for the output {path}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise InputError(f"{path}: cannot write the output: directory {directory} is not writable")


def plan_outputs(names: Sequence[str], output: str | None, name_in_dir: Callable[[int], str], force: bool,
                 other_inputs: Iterable[str | Path] = ()) -> list[Path | None]:
    """Where each input's output goes (None: stdout when ``output`` is None or "-"), checked before any work
    starts: several inputs need a directory, where input ``i`` gets ``name_in_dir(i)``; no two inputs share an
    output (a.txt and b/a.txt would both become DIR/a.en.txt); no output is an input (``names``, and
    ``other_inputs`` such as --ref and glossaries) or, without ``force``, an existing file (:func:`check_output`)."""
    if output is None or output == "-":
        if len(names) > 1:
            raise InputError("several inputs need -o DIR (one output file per input)")
        return [None]
    out = Path(output)
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
            raise InputError(f"{planned[key]} and {name} would both be translated into {path}; "
                             "translate them into different directories (or rename one)")
        planned[key] = name
    protected = [*names, *other_inputs]
    for path in paths:
        check_output(path, force, protected)
    return paths


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

    `None` or '-' writes to standard output instead.
    """
    if path is None or str(path) == "-":
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    remove_stale_parts(path)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=PART_SUFFIX, dir=directory)
    except OSError as error:  # the hidden temporary name means nothing to the user: name the output
        raise InputError(f"{path}: cannot write the output in directory {directory} "
                         f"({error.strerror or error})") from error
    lock = None
    try:
        if fcntl is not None:  # held through the rename (a duplicate descriptor); the kernel drops it if killed
            fcntl.flock(fd, fcntl.LOCK_EX)
            lock = os.dup(fd)
        with (os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="\n")) as handle:
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
