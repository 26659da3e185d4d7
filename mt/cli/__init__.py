"""The `mt` command line: a thin typer layer over the library.

Each capability lives in its own module here, registered by name in mt.cli.commands and imported only when it
runs (so `mt --help` or `mt glossary list` never imports torch, CTranslate2 or FastAPI). Library errors
(:class:`mt.errors.TarjamaError`) become one line on stderr and a non-zero exit, never a traceback; with
``MT_DEBUG=1`` every error also prints its full traceback (causes chained) before that line. SIGTERM ends a
command like Ctrl-C does: partial outputs are removed and the exit status is 143.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import traceback
from typing import Optional

import typer

import mt
from mt.cli.commands import LazyGroup
from mt.cli.common import say
from mt.errors import OutputError, TarjamaError
from mt.errors import OUTPUT_ERRNOS

app = typer.Typer(
    name="mt",
    cls=LazyGroup,
    help="Tarjama: translate Arabic into English and Chinese with MarianMT, keep terminology right, "
    "evaluate against references and align texts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mt (tarjama) {mt.__version__}")  # the package's version (pyproject.toml reads it there)
        raise typer.Exit()


@app.callback()
def _root(
    version: Optional[bool] = typer.Option(
        None, "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    pass


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM so that the same clean-up as for Ctrl-C runs (partial outputs go)."""


def _on_sigterm(signum, frame) -> None:  # noqa: ARG001 - the signal handler signature
    raise Terminated()


def _debug() -> bool:
    return bool(os.environ.get("MT_DEBUG"))


def _traceback() -> None:
    """With MT_DEBUG set, print the current exception's full traceback (with its causes) on stderr."""
    if _debug():
        traceback.print_exc(file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit status (the `mt` script exits with it)."""
    logging.basicConfig(level=os.environ.get("MT_LOG_LEVEL", "WARNING"), format="mt: %(message)s")
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main_thread else None
    try:
        return _main(argv)
    finally:
        if in_main_thread and previous is not None:  # None: a handler installed outside Python, left alone
            signal.signal(signal.SIGTERM, previous)


def _main(argv: list[str] | None) -> int:
    try:
        result = app(args=argv, prog_name="mt", standalone_mode=False)
    except SystemExit as exit_:
        code = exit_.code
        if code is None or isinstance(code, int):  # typer/click's exits: they printed their message
            return code or 0
        return _failed(f"mt: error: {code}", 1)  # sys.exit("message") in a library: its message, one line
    except TarjamaError as error:
        return _failed(f"mt: error: {error}", error.exit_code)
    except KeyboardInterrupt:
        return _failed("mt: interrupted", 130)
    except Terminated:
        return _failed("mt: terminated", 143)
    except OSError as error:
        if error.errno not in OUTPUT_ERRNOS:
            return _internal_error(error)
        where = f"{error.filename}: " if error.filename else ""
        return _failed(f"mt: error: {where}cannot write ({error.strerror or error})", OutputError.exit_code)
    except MemoryError:
        return _failed("mt: error: out of memory; give smaller inputs (or more memory)", 3)
    except Exception as error:  # noqa: BLE001 - the last guard against a traceback for users
        if type(error).__name__ == "NoArgsIsHelpError" and hasattr(error, "format_message"):  # click's usage page
            return _failed(error.format_message(), 2)
        if hasattr(error, "format_message") and hasattr(error, "exit_code"):  # click usage errors
            command = getattr(getattr(error, "ctx", None), "command_path", "mt")
            message = " ".join(error.format_message().split())
            return _failed(f"mt: error: {message} (see '{command} --help')", int(error.exit_code))
        if type(error).__name__ == "Abort":
            return _failed("mt: aborted", 1)
        return _internal_error(error)
    if result == 130:  # typer turns Ctrl-C into exit status 130
        say("mt: interrupted")
    return result if isinstance(result, int) else 0


def _failed(line: str, code: int) -> int:
    """The answer to an expected failure: its traceback with MT_DEBUG set, one line on stderr, the exit status."""
    _traceback()
    say(line)
    return code


def _internal_error(error: BaseException) -> int:
    """One line for a bug (exit status 3): the type and message, never a traceback unless MT_DEBUG is set."""
    hint = "" if _debug() else " (set MT_DEBUG=1 for a traceback)"
    message = " ".join(str(error).split())
    return _failed(f"mt: internal error: {type(error).__name__}: {message}{hint}", 3)


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
