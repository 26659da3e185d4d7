"""`mt serve`: the HTTP server (LibreTranslate-compatible API, /v1 API, web page), and its API keys."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from mt.cli.common import say
from mt.cli.options import decoding_option, finite, positive
from mt.errors import InputError
from mt.settings import DecodingSettings

HELP = """Serve translations over HTTP: LibreTranslate's API (POST /translate, /detect, /translate_file,
GET /languages, /frontend/settings), Tarjama's own /v1 API (sentences, scores, glossary terms; glossary
browsing and editing; evaluation), OpenAPI docs at /docs and a web page at /.

Models load once, at start-up. Requests that arrive within --batch-wait-ms of each other share decodes.
SIGTERM (or Ctrl-C) answers the requests in flight, then exits. Needs the server extra:
pip install "tarjama\\[server]". See docs/serve.md.
"""

app = typer.Typer(help=HELP, invoke_without_command=True, no_args_is_help=False)
keys_app = typer.Typer(help="API keys of a server (stored hashed in SQLite): add, list, remove.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

KEYS_ARG = typer.Argument(..., metavar="FILE", help="The key database (SQLite; created by the first add).")


def _server_modules():
    """The server extra's modules, or a one-line error naming the extra."""
    try:
        import uvicorn

        from mt import server
    except ImportError as error:
        raise InputError(
            f'mt serve needs the server extra ({error.name} is missing): pip install "tarjama[server]"'
        ) from error
    return uvicorn, server


def _limit(value: int) -> int | None:
    """A limit option: -1 means none."""
    return None if value == -1 else value


# the options of `mt serve`, declared apart so that its signature reads as a list of names
_HOST = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface).")
_PORT = typer.Option(5000, "--port", help="Port to listen on.")
_MODEL = typer.Option(
    None,
    "--model",
    "-m",
    help="PAIR=ID_OR_DIR (ar-en, en-zh, ar-zh; repeatable) or a bare "
    "ID_OR_DIR for the direct pair. Default: `mt models list`.",
)
_TARGET = typer.Option(None, "--target", "-t", help="Target language to serve (en, zh; repeatable; default both).")
_GLOSSARY = typer.Option(
    None,
    "--glossary",
    "-g",
    help="Glossary file (repeatable); named by its file name without "
    "the extension. Requests use all of them unless they name one.",
)
_TM = typer.Option(None, "--tm", help="Translation memory file: reuse its translations and store new ones.")
_API_KEYS = typer.Option(
    None,
    "--api-keys",
    help="Key database (mt serve keys add): every request then needs a key; admin keys may edit glossaries.",
)
_CHAR_LIMIT = typer.Option(
    20_000, "--char-limit", help="Characters per text request at most (all texts of q together; -1: no limit)."
)
_FILE_CHAR_LIMIT = typer.Option(
    500_000, "--file-char-limit", help="Characters of an uploaded file's text at most (-1: no limit)."
)
_EVAL_CHAR_LIMIT = typer.Option(
    400_000, "--eval-char-limit", help="Characters of a /v1/evaluate request at most (-1: no limit)."
)
_DOCUMENT_LIMIT_MB = typer.Option(
    10.0, "--document-limit-mb", help="Largest size a document may expand to (a DOCX's parts, uncompressed), MiB."
)
_MAX_PARAGRAPHS = typer.Option(20_000, "--max-paragraphs", help="Paragraphs (segments) of a document at most.")
_REQ_LIMIT = typer.Option(None, "--req-limit", help="Requests per minute per key or client.")
_BATCH_WAIT_MS = typer.Option(
    5.0,
    "--batch-wait-ms",
    max=10_000.0,
    callback=finite,
    help="How long to collect requests that then share one decode (0: only those already waiting).",
)
_SERIAL = typer.Option(False, "--serial", help="Decode one request at a time (no sharing; for comparisons).")
_BODY_LIMIT_MB = typer.Option(
    10.0,
    "--body-limit-mb",
    max=4096.0,
    callback=positive,
    help="Largest request body (uploads too), MiB (at most 4096).",
)
_BODY_TIMEOUT = typer.Option(
    30.0, "--body-timeout", callback=positive, help="Seconds a client may take to send a request body (then 408)."
)
_KEEP_ALIVE_TIMEOUT = typer.Option(
    5.0, "--keep-alive-timeout", callback=finite, help="Seconds an idle connection is kept open."
)
_SHUTDOWN_TIMEOUT = typer.Option(
    30.0,
    "--shutdown-timeout",
    callback=finite,
    help="On SIGTERM, seconds to answer the requests in flight before they are cancelled.",
)
_CORS_ORIGINS = typer.Option(
    "*",
    "--cors-origins",
    help="Origins browsers may call the API from, comma-separated ('*': any, as LibreTranslate; '': no CORS headers).",
)
_FORWARDED_ALLOW_IPS = typer.Option(
    "",
    "--forwarded-allow-ips",
    help="Proxies (addresses or networks, "
    "comma-separated; '*': any) whose X-Forwarded-For/-Proto/-Host/"
    "-Prefix are trusted. Default: none.",
)
_BLOCK_UNITS = typer.Option(
    128,
    "--block-units",
    help="Sentences per block of a large request or a document: small requests are answered between two blocks.",
)
_FILE_EXPIRY_MIN = typer.Option(
    30.0, "--file-expiry-min", max=7 * 24 * 60.0, callback=positive, help="Minutes a translated file can be downloaded."
)
_BACKEND = typer.Option(None, "--backend", help="hf or ct2 (default: what the model holds).")
_LOG_LEVEL = typer.Option("info", "--log-level", help="uvicorn's log level (info, warning, error).")


@app.callback()
def serve(
    ctx: typer.Context,
    host: str = _HOST,
    port: int = _PORT,
    model: Optional[List[str]] = _MODEL,
    target: Optional[List[str]] = _TARGET,
    glossary: Optional[List[Path]] = _GLOSSARY,
    tm: Optional[Path] = _TM,
    api_keys: Optional[Path] = _API_KEYS,
    char_limit: int = _CHAR_LIMIT,
    file_char_limit: int = _FILE_CHAR_LIMIT,
    eval_char_limit: int = _EVAL_CHAR_LIMIT,
    document_limit_mb: float = _DOCUMENT_LIMIT_MB,
    max_paragraphs: int = _MAX_PARAGRAPHS,
    req_limit: Optional[int] = _REQ_LIMIT,
    batch_wait_ms: float = _BATCH_WAIT_MS,
    serial: bool = _SERIAL,
    body_limit_mb: float = _BODY_LIMIT_MB,
    body_timeout: float = _BODY_TIMEOUT,
    keep_alive_timeout: float = _KEEP_ALIVE_TIMEOUT,
    shutdown_timeout: float = _SHUTDOWN_TIMEOUT,
    cors_origins: str = _CORS_ORIGINS,
    forwarded_allow_ips: str = _FORWARDED_ALLOW_IPS,
    block_units: int = _BLOCK_UNITS,
    file_expiry_min: float = _FILE_EXPIRY_MIN,
    beam: int = decoding_option("beam_size"),
    max_length_ratio: float = decoding_option("max_length_ratio"),
    max_length_extra: int = decoding_option("max_length_extra"),
    backend: Optional[str] = _BACKEND,
    threads: Optional[int] = decoding_option("threads"),
    log_level: str = _LOG_LEVEL,
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from mt.models.registry import parse_model_options

    targets = _targets(target)
    _check_numbers(
        port,
        char_limit,
        file_char_limit,
        eval_char_limit,
        req_limit,
        max_paragraphs,
        block_units,
        batch_wait_ms,
        (body_limit_mb, file_expiry_min, document_limit_mb, body_timeout, keep_alive_timeout, shutdown_timeout),
    )
    decoding = DecodingSettings(
        beam_size=beam,
        max_length_ratio=max_length_ratio,
        max_length_extra=max_length_extra,
        backend=backend,
        threads=threads,
    )
    uvicorn, server = _server_modules()
    trusted = _trusted_proxies(forwarded_allow_ips)
    _check_stores(api_keys, tm)
    glossaries = server.GlossaryStore(glossary or [])
    translator = _loaded_translator(parse_model_options(model), decoding, block_units, targets)
    options = server.ServerOptions(
        targets=targets,
        char_limit=_limit(char_limit),
        file_char_limit=_limit(file_char_limit),
        eval_char_limit=_limit(eval_char_limit),
        document_limit=int(document_limit_mb * 1024 * 1024),
        max_segments=max_paragraphs,
        req_limit=req_limit,
        body_limit=int(body_limit_mb * 1024 * 1024),
        body_timeout_s=body_timeout,
        batch_wait_ms=batch_wait_ms,
        serial=serial,
        file_expiry_s=file_expiry_min * 60,
        api_keys=api_keys,
        tm=tm,
        cors_origins=tuple(o.strip() for o in cors_origins.split(",") if o.strip()),
        forwarded_allow_ips=trusted,
    )
    application = server.create_app(translator, glossaries, options)
    say(f"mt: serving ar -> {', '.join(targets)} on http://{host}:{port}/ (API docs at /docs)")
    # X-Forwarded-* are handled in the app (mt.server.forwarding), only from --forwarded-allow-ips
    uvicorn.run(
        application,
        host=host,
        port=port,
        log_level=log_level,
        proxy_headers=False,
        timeout_keep_alive=keep_alive_timeout,
        timeout_graceful_shutdown=shutdown_timeout,
    )


def _targets(target: Optional[List[str]]) -> tuple[str, ...]:
    """The target languages to serve (--target, default every one), each checked."""
    from mt.models.registry import TARGETS

    targets = tuple(dict.fromkeys(target or TARGETS))
    for code in targets:
        if code not in TARGETS:
            raise InputError(f"unknown target language {code!r}; choose en or zh")
    return targets


def _check_numbers(
    port: int,
    char_limit: int,
    file_char_limit: int,
    eval_char_limit: int,
    req_limit: Optional[int],
    max_paragraphs: int,
    block_units: int,
    batch_wait_ms: float,
    positives: tuple[float, ...],
) -> None:
    """Refuse, in one line, a limit below 1 (the character limits may be -1: none), a negative batch wait, a size
    or timeout (``positives``) not above 0, or a port outside 1-65535."""
    for name, value in (
        ("--char-limit", char_limit),
        ("--file-char-limit", file_char_limit),
        ("--eval-char-limit", eval_char_limit),
    ):
        if value != -1 and value < 1:
            raise InputError(f"{name} must be at least 1 (or -1: no limit)")
    for name, bound in (
        ("--req-limit", req_limit),
        ("--max-paragraphs", max_paragraphs),
        ("--block-units", block_units),
    ):
        if bound is not None and bound < 1:
            raise InputError(f"{name} must be at least 1")
    if batch_wait_ms < 0 or min(positives) <= 0:
        raise InputError("--batch-wait-ms must not be negative; sizes and timeouts must be positive")
    if not 0 < port < 65536:
        raise InputError(f"--port {port}: not a port number (1-65535)")


def _trusted_proxies(forwarded_allow_ips: str):
    """--forwarded-allow-ips parsed (mt.server.forwarding); a bad address or network is a one-line error."""
    from mt.server.forwarding import parse_peers

    try:
        return parse_peers(forwarded_allow_ips)
    except ValueError as error:
        raise InputError(str(error)) from error


def _check_stores(api_keys: Optional[Path], tm: Optional[Path]) -> None:
    """A key database or memory that cannot be read is a one-line error now; the server opens the memory again
    on its worker thread."""
    from mt.memory import TranslationMemory
    from mt.server.keys import KeyStore

    if api_keys is not None:
        KeyStore(api_keys).check_readable()
    if tm is not None:
        TranslationMemory.open(tm).close()


def _loaded_translator(models: dict, decoding: DecodingSettings, block_units: int, targets: tuple[str, ...]):
    """The server's Translator with every model loaded now: no request waits for a load, a missing model fails
    here."""
    from mt.pipeline import Translator

    translator = Translator(models, settings=decoding, first_block_units=block_units, block_units=block_units)
    for code in targets:
        translator.legs(code)
    return translator


@keys_app.command("add")
def keys_add(
    file: Path = KEYS_ARG,
    name: str = typer.Argument(..., metavar="NAME", help="A name for the key (who or what uses it)."),
    admin: bool = typer.Option(False, "--admin", help="The key may also edit glossaries."),
    req_limit: Optional[int] = typer.Option(
        None, "--req-limit", help="Requests per minute for this key (default: the server's --req-limit)."
    ),
) -> None:
    """Make a key; it is printed once (only its hash is stored)."""
    from mt.server.keys import KeyStore

    typer.echo(KeyStore(file).add(name, admin=admin, req_limit=req_limit))


@keys_app.command("list")
def keys_list(file: Path = KEYS_ARG) -> None:
    """List the keys (names, roles, limits; never the keys themselves)."""
    from mt.server.keys import KeyStore

    for info in KeyStore(file).list():
        limit = f"{info.req_limit}/min" if info.req_limit else "server limit"
        typer.echo(f"{info.name}\t{'admin' if info.admin else 'user'}\t{limit}\t{info.created}")


@keys_app.command("remove")
def keys_remove(file: Path = KEYS_ARG, name: str = typer.Argument(..., metavar="NAME", help="The key's name.")) -> None:
    """Remove a key: requests with it are refused from now on."""
    from mt.server.keys import KeyStore

    KeyStore(file).remove(name)
    typer.echo(f"removed {name}")
