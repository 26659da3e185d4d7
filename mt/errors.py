"""Errors a user can act on. The CLI prints them as one line and exits non-zero."""

from __future__ import annotations

import errno


class TarjamaError(Exception):
    """Base class of every error meant for the user: the message is one line that says what to do."""

    exit_code = 1


class InputError(TarjamaError):
    """A bad input file, argument or value."""


class ModelError(TarjamaError):
    """A model that cannot be found, downloaded or loaded."""


class GlossaryError(TarjamaError):
    """A malformed glossary file or an invalid glossary edit."""


class MissingExtraError(TarjamaError):
    """A feature whose packages come with an extra that is not installed (the message names the extra)."""


class OutputError(TarjamaError):
    """An output that cannot be written: a full disk, a read-only file system, no permission. The exit status
    is 74, EX_IOERR of sysexits.h, so that scripts can tell a failed write from a bad input."""

    exit_code = 74


# errno values of a write that the disk or file system refuses (full, over quota, too large, read-only, I/O):
# an OutputError (exit 74), not an input error
OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO})
