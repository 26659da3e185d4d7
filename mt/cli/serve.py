"""`mt serve`: the HTTP server (LibreTranslate-compatible API, /v1 API, web page), and its API keys."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from mt.cli.common import err_console
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
keys_app = typer.Typer(help="API keys of a server (stored hashed in SQLite): add, list, remove.",
                       no_args_is_help=True)
app.add_typer(keys_app, name="keys")

KEYS_ARG = typer.Argument(..., metavar="FILE", help="The key database (SQLite; created by the first add).")


def _server_modules():
    """The server extra's modules, or a one-line error naming the extra."""
    try:
        import uvicorn

        from mt import server
    except ImportError as error:
        raise InputError(f"mt serve needs the server extra ({error.name} is missing): "
                         "pip install \"tarjama[server]\"") from error
    return uvicorn, server


def _limit(value: int) -> int | None:
    """A limit option: -1 means none."""
    return None if value == -1 else value


@app.callback()
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0: every interface)."),
    port: int = typer.Option(5000, "--port", help="Port to listen on."),
    model: Optional[List[str]] = typer.Option(None, "--model", "-m",
                                              help="PAIR=ID_OR_DIR (ar-en, en-zh, ar-zh; repeatable) or a bare "
                                              "ID_OR_DIR for the direct pair. Default: `mt models list`."),
    target: Optional[List[str]] = typer.Option(None, "--target", "-t",
                                               help="Target language to serve (en, zh; repeatable; default both)."),
    glossary: Optional[List[Path]] = typer.Option(None, "--glossary", "-g",
                                                  help="Glossary file (repeatable); named by its file name without "
                                                  "the extension. Requests use all of them unless they name one."),
    tm: Optional[Path] = typer.Option(None, "--tm", help="Translation memory file: reuse its translations and "
                                      "store new ones."),
    api_keys: Optional[Path] = typer.Option(None, "--api-keys", help="Key database (mt serve keys add): every "
                                            "request then needs a key; admin keys may edit glossaries."),
    char_limit: int = typer.Option(20_000, "--char-limit", help="Characters per text request at most (all texts "
                                   "of q together; -1: no limit)."),
    file_char_limit: int = typer.Option(500_000, "--file-char-limit", help="Characters of an uploaded file's "
                                        "text at most (-1: no limit)."),
    eval_char_limit: int = typer.Option(400_000, "--eval-char-limit", help="Characters of a /v1/evaluate "
                                        "request at most (-1: no limit)."),
    document_limit_mb: float = typer.Option(10.0, "--document-limit-mb", help="Largest size a document may "
                                            "expand to (a DOCX's parts, uncompressed), MiB."),
    max_paragraphs: int = typer.Option(20_000, "--max-paragraphs", help="Paragraphs (segments) of a document "
                                       "at most."),
    req_limit: Optional[int] = typer.Option(None, "--req-limit", help="Requests per minute per key or client."),
    batch_wait_ms: float = typer.Option(5.0, "--batch-wait-ms", max=10_000.0, callback=finite,
                                        help="How long to collect requests that then "
                                        "share one decode (0: only those already waiting)."),
    serial: bool = typer.Option(False, "--serial", help="Decode one request at a time (no sharing; for "
                                "comparisons)."),
    body_limit_mb: float = typer.Option(10.0, "--body-limit-mb", max=4096.0, callback=positive,
                                        help="Largest request body (uploads too), MiB (at most 4096)."),
    body_timeout: float = typer.Option(30.0, "--body-timeout", callback=positive,
                                       help="Seconds a client may take to send a "
                                       "request body (then 408)."),
    keep_alive_timeout: float = typer.Option(5.0, "--keep-alive-timeout", callback=finite,
                                             help="Seconds an idle connection "
                                             "is kept open."),
    shutdown_timeout: float = typer.Option(30.0, "--shutdown-timeout", callback=finite,
                                           help="On SIGTERM, seconds to answer "
                                           "the requests in flight before they are cancelled."),
    cors_origins: str = typer.Option("*", "--cors-origins", help="Origins browsers may call the API from, "
                                     "comma-separated ('*': any, as LibreTranslate; '': no CORS headers)."),
    forwarded_allow_ips: str = typer.Option("", "--forwarded-allow-ips", help="Proxies (addresses or networks, "
                                            "comma-separated; '*': any) whose X-Forwarded-For/-Proto/-Host/"
                                            "-Prefix are trusted. Default: none."),
    block_units: int = typer.Option(128, "--block-units", help="Sentences per block of a large request or a "
                                    "document: small requests are answered between two blocks."),
    file_expiry_min: float = typer.Option(30.0, "--file-expiry-min", max=7 * 24 * 60.0, callback=positive,
                                          help="Minutes a translated file can be "
                                          "downloaded."),
    beam: int = decoding_option("beam_size"),
    max_length_ratio: float = decoding_option("max_length_ratio"),
    max_length_extra: int = decoding_option("max_length_extra"),
    backend: Optional[str] = typer.Option(None, "--backend", help="hf or ct2 (default: what the model holds)."),
    threads: Optional[int] = decoding_option("threads"),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn's log level (info, warning, error)."),
) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from mt.models.registry import TARGETS, parse_model_options

    targets = tuple(dict.fromkeys(target or TARGETS))
    for code in targets:
        if code not in TARGETS:
            raise InputError(f"unknown target language {code!r}; choose en or zh")
    for name, value in (("--char-limit", char_limit), ("--file-char-limit", file_char_limit),
                        ("--eval-char-limit", eval_char_limit)):
        if value != -1 and value < 1:
            raise InputError(f"{name} must be at least 1 (or -1: no limit)")
    for name, value in (("--req-limit", req_limit), ("--max-paragraphs", max_paragraphs),
                        ("--block-units", block_units)):
        if value is not None and value < 1:
            raise InputError(f"{name} must be at least 1")
    if batch_wait_ms < 0 or min(body_limit_mb, file_expiry_min, document_limit_mb, body_timeout,
                                keep_alive_timeout, shutdown_timeout) <= 0:
        raise InputError("--batch-wait-ms must not be negative; sizes and timeouts must be positive")
    if not 0 < port < 65536:
        raise InputError(f"--port {port}: not a port number (1-65535)")
    decoding = DecodingSettings(beam_size=beam, max_length_ratio=max_length_ratio, max_length_extra=max_length_extra,
                                backend=backend, threads=threads)
    uvicorn, server = _server_modules()
    from mt.server.forwarding import parse_peers

    try:
        trusted = parse_peers(forwarded_allow_ips)
    except ValueError as error:
        raise InputError(str(error)) from error
    from mt.pipeline import Translator
    from mt.memory import TranslationMemory
    from mt.server.keys import KeyStore

    if api_keys is not None:
        KeyStore(api_keys).check_readable()
    if tm is not None:  # a bad memory is a one-line error now; the server opens it again on its worker thread
        TranslationMemory.open(tm).close()
    glossaries = server.GlossaryStore(glossary or [])
    translator = Translator(parse_model_options(model), settings=decoding, first_block_units=block_units,
                            block_units=block_units)
    for code in targets:  # load every model now: no request waits for a load, a missing model fails here
        translator.legs(code)
    options = server.ServerOptions(
        targets=targets, char_limit=_limit(char_limit), file_char_limit=_limit(file_char_limit),
        eval_char_limit=_limit(eval_char_limit), document_limit=int(document_limit_mb * 1024 * 1024),
        max_segments=max_paragraphs, req_limit=req_limit, body_limit=int(body_limit_mb * 1024 * 1024),
        body_timeout_s=body_timeout, batch_wait_ms=batch_wait_ms, serial=serial, file_expiry_s=file_expiry_min * 60,
        api_keys=api_keys, tm=tm, cors_origins=tuple(o.strip() for o in cors_origins.split(",") if o.strip()),
        forwarded_allow_ips=trusted)
    application = server.create_app(translator, glossaries, options)
    err_console.print(f"mt: serving ar -> {', '.join(targets)} on http://{host}:{port}/ (API docs at /docs)",
                      markup=False)
    # X-Forwarded-* are handled in the app (mt.server.forwarding), only from --forwarded-allow-ips
    uvicorn.run(application, host=host, port=port, log_level=log_level, proxy_headers=False,
                timeout_keep_alive=keep_alive_timeout, timeout_graceful_shutdown=shutdown_timeout)


@keys_app.command("add")
def keys_add(
    file: Path = KEYS_ARG,
    name: str = typer.Argument(..., metavar="NAME", help="A name for the key (who or what uses it)."),
    admin: bool = typer.Option(False, "--admin", help="The key may also edit glossaries."),
    req_limit: Optional[int] = typer.Option(None, "--req-limit", help="Requests per minute for this key "
                                            "(default: the server's --req-limit)."),
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
def keys_remove(file: Path = KEYS_ARG,
                name: str = typer.Argument(..., metavar="NAME", help="The key's name.")) -> None:
    """Remove a key: requests with it are refused from now on."""
    from mt.server.keys import KeyStore

    KeyStore(file).remove(name)
    typer.echo(f"removed {name}")
