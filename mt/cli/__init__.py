"""The `mt` command line: a thin typer layer over the library.

Each capability lives in its own module here and registers itself on the root app. Library errors
(:class:`mt.errors.TarjamaError`) become one line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import logging
import os
import sys

import typer

from mt.cli import align, evaluate, glossary, models, tm, translate
from mt.cli.common import err_console
from mt.errors import TarjamaError

app = typer.Typer(
    name="mt",
    help="Tarjama: translate Arabic into English and Chinese with MarianMT, keep terminology right, "
    "evaluate against references and align texts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("translate", help=translate.HELP)(translate.translate)
app.add_typer(models.app, name="models")
app.add_typer(glossary.app, name="glossary")
app.command("evaluate", help=evaluate.HELP)(evaluate.evaluate)
app.add_typer(align.app, name="align")
app.add_typer(tm.app, name="tm")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit status (the `mt` script exits with it)."""
    logging.basicConfig(level=os.environ.get("MT_LOG_LEVEL", "WARNING"), format="mt: %(message)s")
    try:
        result = app(args=argv, prog_name="mt", standalone_mode=False)
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except TarjamaError as error:
        err_console.print(f"mt: error: {error}", markup=False)
        return error.exit_code
    except KeyboardInterrupt:
        err_console.print("mt: interrupted", markup=False)
        return 130
    except Exception as error:  # noqa: BLE001 - the last guard against a traceback for users
        if type(error).__name__ == "NoArgsIsHelpError":
            err_console.print(error.format_message(), markup=False)  # type: ignore[attr-defined]
            return 2
        if hasattr(error, "format_message") and hasattr(error, "exit_code"):  # click usage errors
            command = getattr(getattr(error, "ctx", None), "command_path", "mt")
            message = " ".join(error.format_message().split())
            err_console.print(f"mt: error: {message} (see '{command} --help')", markup=False)
            return int(error.exit_code)
        if type(error).__name__ == "Abort":
            err_console.print("mt: aborted", markup=False)
            return 1
        if os.environ.get("MT_DEBUG"):
            raise
        err_console.print(f"mt: internal error: {type(error).__name__}: {error} (set MT_DEBUG=1 for a traceback)",
                          markup=False)
        return 3
    if result == 130:  # typer turns Ctrl-C into exit status 130
        err_console.print("mt: interrupted", markup=False)
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
