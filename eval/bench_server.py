"""Load test of `mt serve` on loopback: shared decodes against one request at a time.

    python eval/bench_server.py [--clients 32] [--requests 4] [--new-tokens 32] [--beam 4] [--threads T]
                                [--batch-wait-ms 5] [--repeat 3] [--quick] [--no-write]

Each mode starts its own `mt serve` process on a free loopback port with the opus-mt-ar-en-sized CTranslate2
int8 model (eval/bench.py's builder and cache: the real architecture with random weights, so its cost is the
real model's) and serves ar -> en:

  shared   --batch-wait-ms W (default 5): requests that arrive within W ms share one translate call
  nowait   --batch-wait-ms 0: only requests already waiting share a call
  serial   --serial: one request per translate call (LibreTranslate's way)

Equal work. --clients threads, each with its own keep-alive connection, send --requests single-sentence
requests one after another (POST /translate, JSON), all starting together; every mode sends the same
sentences (single-sentence held-out UN lines, eval/bench.py's choice). Random weights never emit </s>, so the
server is started with --max-length-ratio 1e-6 --max-length-extra N: every sentence decodes exactly N steps
whatever it is batched with. Before the clock starts, each mode answers one warm-up request per client.
Throughput: requests answered per second of wall time (first send to last answer); latency per request,
p50 and p95. Every answer of every mode must equal the serial mode's answer for the same sentence (the same
sentence translated alone); the bench fails otherwise. --repeat N runs the modes N times, interleaved; the
table shows each mode's median-throughput run and the range. Results go to eval/results/server.md.
--quick uses a tiny model that ends its sentences: a check that the bench works, not figures to quote.
--lengths natural runs the same modes on eval/bench.py's natural-length model (the same architecture and seed,
built with mt.testing's ends_sentences: each sentence ends after a number of pieces that grows with the source's)
under the server's default length limits, as a user runs it; results between the natural markers.

    python eval/bench_server.py --mix [--mix-lines 2000] [--mix-paragraphs 200] [--clients 8] [--requests 4]

--mix: fairness. One shared-mode server; first one --mix-lines-line request and one DOCX of --mix-paragraphs
paragraphs are sent (both queued before any small one), then, a second later, --clients clients send
--requests single-sentence requests each. Reports the small requests' p50/p95 latency beside the large
request's and the document's times (section "mixed load" of eval/results/server.md).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # eval/: bench, results_file
from bench import HELD_OUT, HELD_OUT_FROM, bench_lines, model_dirs  # noqa: E402
from results_file import write_section  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "eval" / "cache" / "bench_server"
RESULTS = REPO / "eval" / "results" / "server.md"
MARKERS = ("<!-- bench:server:start -->", "<!-- bench:server:end -->")
MODES = ("shared", "nowait", "serial")
MIX_MARKERS = ("<!-- bench:server-mix:start -->", "<!-- bench:server-mix:end -->")
NATURAL_MARKERS = ("<!-- bench:server-natural:start -->", "<!-- bench:server-natural:end -->")


def quick_model() -> Path:
    """A tiny ar-en model that ends its sentences, converted to CTranslate2 int8 (built once, cached)."""
    from mt.models.convert import convert
    from mt.testing import build_model

    hf, ct2 = CACHE / "tiny-ending", CACHE / "tiny-ending-ct2"
    if not (hf / "config.json").exists():
        build_model(hf, size="tiny", pair="ar-en", seed=1, ends_sentences=True)
    if not (ct2 / "model.bin").exists():
        convert(str(hf), ct2, quantization="int8", force=True)
    return ct2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m mt serve` in its own process, for one mode."""

    def __init__(self, model: Path, mode: str, args) -> None:
        self.port = free_port()
        command = [
            sys.executable,
            "-m",
            "mt",
            "serve",
            "--port",
            str(self.port),
            "--target",
            "en",
            "--model",
            f"ar-en={model}",
            "--beam",
            str(args.beam),
            "--log-level",
            "warning",
            "--batch-wait-ms",
            str(args.batch_wait_ms if mode == "shared" else 0),
        ]
        if args.threads:
            command += ["--threads", str(args.threads)]
        if not args.quick and args.lengths == "fixed":
            command += ["--max-length-ratio", "1e-6", "--max-length-extra", str(args.new_tokens + 1)]
        if mode == "serial":
            command.append("--serial")
        command += ["--char-limit", "-1", "--file-char-limit", "-1", "--body-limit-mb", "100"]
        env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while not self._up():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise SystemExit(f"bench_server: mt serve did not start: {self.process.communicate()[1][-2000:]}")
            time.sleep(0.2)

    def _up(self) -> bool:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            connection.request("GET", "/health")
            ok = connection.getresponse().status == 200
            connection.close()
            return ok
        except OSError:
            return False

    def stats(self) -> dict:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        connection.request("GET", "/health")
        stats = json.loads(connection.getresponse().read())["stats"]
        connection.close()
        return stats

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()


def translate(connection: http.client.HTTPConnection, text: str) -> str:
    body = json.dumps({"q": text, "source": "ar", "target": "en"})
    try:
        connection.request("POST", "/translate", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
    except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
        # the server closed the idle keep-alive connection (uvicorn: after 5 s, as while the clients wait for
        # each other's warm-up in serial mode): reconnect and send again, as a pooling client does
        connection.close()
        connection.request("POST", "/translate", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
    data = json.loads(response.read())
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {data}")
    return data["translatedText"]


def load(port: int, work: list[list[str]], on_warm) -> dict:
    """Every client sends a warm-up request, then (once ``on_warm()`` has run) its sentences one after another,
    all clients together; returns wall time, latencies and answers (per client, in order)."""
    clients = len(work)
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=600) for _ in range(clients)]
    warm = threading.Barrier(clients + 1)
    barrier = threading.Barrier(clients + 1)
    answers: list[list[str]] = [[] for _ in range(clients)]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        translate(connections[i], work[i][0])  # warm-up (not timed, not checked)
        warm.wait()
        barrier.wait()
        for text in work[i]:
            start = time.perf_counter()
            try:
                answer = translate(connections[i], text)
            except Exception as error:  # noqa: BLE001 - counted and reported
                with lock:
                    errors.append(str(error))
                answer = None
            with lock:
                latencies.append(time.perf_counter() - start)
            answers[i].append(answer)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    warm.wait()
    on_warm()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - start
    for connection in connections:
        connection.close()
    return {"wall": wall, "latencies": latencies, "answers": answers, "errors": errors}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run_mode(model: Path, mode: str, work: list[list[str]], args) -> dict:
    server = Server(model, mode, args)
    try:
        before: dict = {}
        result = load(server.port, work, lambda: before.update(server.stats()))
        after = server.stats()
    finally:
        server.stop()
    requests = sum(len(w) for w in work)
    result.update(
        mode=mode,
        requests=requests,
        rps=requests / result["wall"],
        p50=percentile(result["latencies"], 0.5),
        p95=percentile(result["latencies"], 0.95),
        calls=after["translate_calls"] - before["translate_calls"],
    )
    print(
        f"{mode:7s} {result['rps']:7.2f} req/s  p50 {result['p50']:.3f} s  p95 {result['p95']:.3f} s  "
        f"{result['calls']} translate calls for {requests} requests  errors {len(result['errors'])}",
        file=sys.stderr,
    )
    return result


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A Word document with one paragraph per line (python-docx: the dev extra)."""
    import io

    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def empty_paragraphs_docx(megabytes: float = 60, varied: bool = False) -> bytes:
    """A DOCX whose document.xml is ``megabytes`` MB of empty paragraphs: all alike (it compresses ~500x), or
    ``varied`` (each with a random revision id, as Word writes them: ~4x, under the readers' zip-bomb ratio)."""
    import io
    import random
    import zipfile

    rng = random.Random(0)
    size = 26 if varied else 6
    paragraphs = (
        "".join(f'<w:p w:rsidR="{rng.getrandbits(32):08X}"/>' for _ in range(int(megabytes * 1e6) // size))
        if varied
        else "<w:p/>" * (int(megabytes * 1e6) // size)
    )

    blank = io.BytesIO(docx_bytes([]))
    out = io.BytesIO()
    with zipfile.ZipFile(blank) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                at = text.index("<w:body>") + len("<w:body>")
                data = (text[:at] + paragraphs + text[at:]).encode("utf-8")
            target.writestr(info.filename, data)
    return out.getvalue()


def memory_mb(pid: int) -> tuple[float, float]:
    """A process's resident memory now and at its peak (VmRSS, VmHWM), MB (Linux)."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def upload(port: int, name: str, data: bytes, expect: int = 200) -> float:
    """POST /translate_file (multipart); the seconds until the answer."""
    boundary = "benchboundary7f3a"
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in (("source", "ar"), ("target", "en"))
    )
    body = (
        (
            head + f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    start = time.perf_counter()
    connection.request("POST", "/translate_file", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    response = connection.getresponse()
    data = json.loads(response.read())
    connection.close()
    if response.status != expect:
        raise RuntimeError(f"HTTP {response.status}: {data}")
    return time.perf_counter() - start


def run_mix(model: Path, args) -> str:
    """The fairness run (see the module docstring); returns the results section."""
    lines = bench_lines(HELD_OUT, args.mix_lines + args.mix_paragraphs + args.clients * args.requests, HELD_OUT_FROM)
    large, paragraphs = lines[: args.mix_lines], lines[args.mix_lines : args.mix_lines + args.mix_paragraphs]
    small = lines[args.mix_lines + args.mix_paragraphs :]
    work = [small[i * args.requests : (i + 1) * args.requests] for i in range(args.clients)]
    document = docx_bytes(paragraphs)
    server = Server(model, "shared", args)
    timings: dict[str, float] = {}
    try:

        def background(name: str, job) -> threading.Thread:
            thread = threading.Thread(target=lambda: timings.__setitem__(name, job()))
            thread.start()
            return thread

        def start_large() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=3600)
            threads.append(background("large", lambda: timed(lambda: translate(connection, "\n".join(large)))))
            time.sleep(0.3)
            threads.append(background("document", lambda: upload(server.port, "report.docx", document)))
            time.sleep(1.0)  # both queued (the large one decoding) before the first small request

        threads: list[threading.Thread] = []
        result = load(server.port, work, start_large)
        for thread in threads:
            thread.join()
        after_mix = memory_mb(server.process.pid)
        bomb = empty_paragraphs_docx()
        bomb_s = upload(server.port, "empty.docx", bomb, expect=413)
        after_bomb = memory_mb(server.process.pid)
        near_cap = empty_paragraphs_docx(9.0, varied=True)  # ~8.6 MiB: under the default 10 MiB cap
        near_cap_s = upload(server.port, "near-cap.docx", near_cap)
        after_near_cap = memory_mb(server.process.pid)
    finally:
        server.stop()
    latencies = result["latencies"]
    rows = [
        "| what | requests | p50 latency | p95 latency | max |",
        "|---|---:|---:|---:|---:|",
        f"| single-sentence requests | {len(latencies)} | {percentile(latencies, 0.5):.2f} s | "
        f"{percentile(latencies, 0.95):.2f} s | {max(latencies):.2f} s |",
        f"| the {args.mix_lines}-line request | 1 | {timings['large']:.1f} s | | |",
        f"| the DOCX ({args.mix_paragraphs} paragraphs) | 1 | {timings['document']:.1f} s | | |",
    ]
    title = f"mt serve, mixed load: small requests beside a large request and a document ({time.strftime('%Y-%m-%d')})"
    if args.quick:
        title += ": SMOKE RUN, a check that the bench works, not figures to quote"
    notes = [
        f"{args.clients} clients x {args.requests} single-sentence requests sent 1.3 s after one {args.mix_lines}-line "
        f"request and one {args.mix_paragraphs}-paragraph DOCX (both queued first); one server, shared mode, "
        f"--block-units 128 (the default), "
        + (
            "tiny model (ends sentences)"
            if args.quick
            else f"opus-mt-ar-en-sized CT2 int8, {args.new_tokens} tokens per sentence"
        )
        + f", beam {args.beam}. Errors: {len(result['errors'])}.",
        f"Server memory after this: {after_mix[0]:.0f} MB resident (peak {after_mix[1]:.0f} MB). Then a "
        f"{len(bomb) / 1e6:.2f} MB DOCX whose document.xml is 60 MB of empty paragraphs: refused 413 in "
        f"{bomb_s:.2f} s, resident memory {after_bomb[0]:.0f} MB after it (peak {after_bomb[1]:.0f} MB). Then a "
        f"{len(near_cap) / 1e6:.2f} MB DOCX whose document.xml is 9 MB of empty paragraphs with revision ids "
        f"(under the cap): answered in {near_cap_s:.1f} s, peak {after_near_cap[1]:.0f} MB, "
        f"{after_near_cap[0]:.0f} MB resident after it (memory given back).",
        f"Machine: {os.cpu_count()} CPU cores, load average {os.getloadavg()[0]:.1f} at the end (the bench's own "
        f"server included). Command: `python eval/bench_server.py {' '.join(sys.argv[1:])}`.",
    ]
    if result["errors"]:
        notes.append(f"FAILED: first error: {result['errors'][0]}")
    return "\n".join([f"## {title}", "", *rows, "", *[f"- {n}" for n in notes]])


def timed(job) -> float:
    start = time.perf_counter()
    job()
    return time.perf_counter() - start


def spread(values: list[float], fmt: str, unit: str = "") -> str:
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:{fmt}}{unit}"
    return f"{median:{fmt}}{unit} ({min(values):{fmt}}-{max(values):{fmt}}{unit})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=4, help="single-sentence requests per client")
    parser.add_argument("--new-tokens", type=int, default=32, help="decoding steps per sentence (fixed lengths)")
    parser.add_argument(
        "--lengths",
        choices=("fixed", "natural"),
        default="fixed",
        help="fixed: every sentence decodes --new-tokens steps; natural: a model that ends its sentences",
    )
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--threads", type=int, default=None, help="server CPU threads (default: all cores)")
    parser.add_argument("--batch-wait-ms", type=float, default=5.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated subset of shared,nowait,serial")
    parser.add_argument("--quick", action="store_true", help="tiny model: checks that the bench works")
    parser.add_argument("--no-write", action="store_true", help="print only; leave eval/results/server.md alone")
    parser.add_argument("--mix", action="store_true", help="fairness: small requests beside a large one and a DOCX")
    parser.add_argument("--mix-lines", type=int, default=2000)
    parser.add_argument("--mix-paragraphs", type=int, default=200)
    args = parser.parse_args()
    if args.mix:
        text = run_mix(quick_model() if args.quick else model_dirs()["int8"], args)
        print(text)
        if not args.no_write:
            write_section(RESULTS, MIX_MARKERS, text, "# mt serve: throughput and latency under concurrent load")
        if "FAILED" in text:
            raise SystemExit(1)
        return
    modes = [m for m in args.modes.split(",") if m]
    if any(m not in MODES for m in modes) or args.clients < 1 or args.requests < 1 or args.repeat < 1:
        raise SystemExit(f"bench_server: modes are {', '.join(MODES)}; --clients, --requests, --repeat >= 1")
    model = quick_model() if args.quick else model_dirs(args.lengths)["int8"]
    load_before = os.getloadavg()[0]
    lines = bench_lines(HELD_OUT, args.clients * args.requests, HELD_OUT_FROM)
    work = [lines[i * args.requests : (i + 1) * args.requests] for i in range(args.clients)]
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    for _ in range(args.repeat):
        for mode in modes:
            runs[mode].append(run_mode(model, mode, work, args))
    failures = [
        f"{mode}: {len(r['errors'])} errors, first: {r['errors'][0]}"
        for mode in modes
        for r in runs[mode]
        if r["errors"]
    ]
    alone = runs["serial"][0]["answers"] if "serial" in runs else None
    if alone is not None:
        for mode in modes:
            for r in runs[mode]:
                differ = sum(a != b for got, want in zip(r["answers"], alone) for a, b in zip(got, want))
                if differ:
                    failures.append(f"{mode}: {differ} answers differ from the same sentence translated alone")
    rows = [
        "| mode | requests/s | vs serial | p50 latency | p95 latency | translate calls |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    serial_rps = [r["rps"] for r in runs.get("serial", [])]
    for mode in modes:
        chosen = sorted(runs[mode], key=lambda r: r["rps"])[len(runs[mode]) // 2]
        ratio = "" if not serial_rps else spread([r["rps"] / s for r, s in zip(runs[mode], serial_rps)], ".2f", "x")
        rows.append(
            f"| {mode} | {spread([r['rps'] for r in runs[mode]], '.2f')} | {ratio} | "
            f"{chosen['p50']:.3f} s | {chosen['p95']:.3f} s | {chosen['calls']} for {chosen['requests']} |"
        )
    model_name = "tiny (ends sentences), CT2 int8" if args.quick else "opus-mt-ar-en-sized, random weights, CT2 int8"
    natural = args.lengths == "natural" and not args.quick
    title = f"mt serve under load{', natural lengths' if natural else ''} ({time.strftime('%Y-%m-%d')})"
    if args.quick or args.repeat < 2:
        title += ": SMOKE RUN, a check that the bench works, not figures to quote"
    notes = [
        f"{args.clients} clients x {args.requests} single-sentence requests (held-out UN lines), loopback, "
        f"{model_name}, beam {args.beam}, "
        + (
            "sentences end by themselves (tiny model)"
            if args.quick
            else "natural lengths: the model (built with mt.testing's ends_sentences) ends each sentence after a "
            "number of pieces that grows with the source's, the server's default length limits"
            if natural
            else f"{args.new_tokens} tokens per sentence"
        )
        + f", server threads {args.threads or 'all cores'}, {args.repeat} interleaved run(s), shared = "
        f"--batch-wait-ms {args.batch_wait_ms:g}.",
        "Every answer equals the serial mode's (the sentence translated alone)."
        if alone is not None and not failures
        else "Answers not compared (no serial mode)."
        if alone is None
        else "FAILED: see below.",
        f"Machine: {os.cpu_count()} CPU cores, load average {load_before:.1f} at the start and "
        f"{os.getloadavg()[0]:.1f} at the end (the bench's own server included). Command: `python "
        f"eval/bench_server.py {' '.join(sys.argv[1:])}`, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC.",
    ]
    text = "\n".join([f"## {title}", "", *rows, "", *[f"- {n}" for n in notes + failures]])
    print(text)
    if not args.no_write:
        write_section(
            RESULTS,
            NATURAL_MARKERS if natural else MARKERS,
            text,
            "# mt serve: throughput and latency under concurrent load",
        )
        print(f"\nwritten to {RESULTS.relative_to(REPO)}", file=sys.stderr)
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
