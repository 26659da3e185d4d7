"""mt serve as users run it: the `mt serve` command in its own process (real uvicorn on a free loopback port),
a LibreTranslate client library against it, 32 concurrent clients, bad input that must not stop it, and SIGTERM
during a request. Models: the tiny CTranslate2 ones that end their sentences."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager

import pytest

from tests.conftest import REPO
from tests.test_server_support import ALIBABA, flores, glossary_copy

pytest.importorskip("fastapi", reason="the server extra is not installed (pip install -e '.[server]')")
libretranslatepy = pytest.importorskip("libretranslatepy", reason="libretranslatepy (the dev extra) is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(base: str, path: str, body: dict | bytes, timeout: float = 300, headers: dict | None = None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(
        base + path, data=data, method="POST", headers={"Content-Type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def get(base: str, path: str):
    with urllib.request.urlopen(base + path, timeout=60) as response:
        return json.loads(response.read())


@contextmanager
def mt_serve(models, directory, *args: str):
    """Run `python -m mt serve` on a free port; yield (base URL, process)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "mt",
        "serve",
        "--port",
        str(port),
        "--model",
        f"ar-en={models['ar-en']}",
        "--model",
        f"en-zh={models['en-zh']}",
        "--glossary",
        str(glossary_copy(directory)),
        "--log-level",
        "warning",
        *args,
    ]
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while True:
        try:
            get(base, "/health")
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"mt serve did not start: {process.communicate()[1][-2000:]}") from None
            time.sleep(0.2)
    try:
        yield base, process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


@pytest.fixture(scope="module")
def server(tiny_ending_ct2, tmp_path_factory):
    with mt_serve(
        tiny_ending_ct2,
        tmp_path_factory.mktemp("live"),
        "--batch-wait-ms",
        "20",
        "--char-limit",
        "400000",
        "--body-timeout",
        "2",
    ) as (base, _):
        yield base


def test_libretranslatepy_client(server):
    client = libretranslatepy.LibreTranslateAPI(server + "/")
    text = flores(1)[0]
    status, body = post(server, "/translate", {"q": text, "source": "ar", "target": "en"})
    assert status == 200
    assert client.translate(text, "ar", "en") == body["translatedText"]  # form-encoded, as the library sends
    assert (
        client.translate(ALIBABA, "auto", "zh")
        == post(server, "/translate", {"q": ALIBABA, "source": "ar", "target": "zh"})[1]["translatedText"]
    )
    assert {language["code"] for language in client.languages()} == {"ar", "en", "zh", "zh-Hans"}
    assert client.detect(ALIBABA)[0]["language"] == "ar"
    with pytest.raises(urllib.error.HTTPError) as error:
        client.translate(text, "fr", "en")
    assert error.value.code == 400


def test_32_concurrent_clients_get_their_own_translations(server):
    """32 clients, one sentence each, all at once: no error, each answer equal to the same sentence translated
    alone (sent before, one at a time), and the requests shared decodes (fewer translate calls than requests)."""
    texts = flores(32, skip=40)
    alone = [post(server, "/translate", {"q": t, "source": "ar", "target": "en"})[1]["translatedText"] for t in texts]
    before = get(server, "/health")["stats"]
    barrier = threading.Barrier(len(texts))
    answers: list = [None] * len(texts)

    def client(i: int) -> None:
        barrier.wait()
        answers[i] = post(server, "/translate", {"q": texts[i], "source": "ar", "target": "en"})

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert all(a is not None and a[0] == 200 for a in answers), answers
    assert [a[1]["translatedText"] for a in answers] == alone
    after = get(server, "/health")["stats"]
    assert after["translation_requests"] - before["translation_requests"] == 32
    assert after["translate_calls"] - before["translate_calls"] < 32


def test_bad_input_does_not_stop_the_server(server):
    cases = [
        (b'{"q": ', 400),
        (b'{"q": 1, "source": "ar", "target": "en"}', 400),
        (b'{"q": "x", "source": "ar", "target": "xx"}', 400),
    ]
    for body, status in cases:
        code, answer = post(server, "/translate", body)
        assert code == status and list(answer) == ["error"] and "\n" not in answer["error"]
    # an 11 MB upload: its declared length is refused before the body is read, so the answer is read before
    # anything is sent (sending the body first races the server closing the connection)
    connection = http.client.HTTPConnection(urllib.parse.urlsplit(server).netloc, timeout=60)
    try:
        connection.putrequest("POST", "/translate")
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(11 * 1024 * 1024))
        connection.endheaders()
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 413 and list(answer) == ["error"] and "\n" not in answer["error"]
    assert post(server, "/translate", {"q": ALIBABA, "source": "ar", "target": "en"})[0] == 200


@pytest.mark.slow  # its own server process and 400 lines: ~25 s on the shared machine
def test_sigterm_answers_the_request_in_flight_then_exits(tiny_ending_ct2, tmp_path):
    lines = flores(400)
    with mt_serve(tiny_ending_ct2, tmp_path, "--char-limit", "-1", "--shutdown-timeout", "300") as (base, process):
        result: dict = {}

        def long_request() -> None:
            result["answer"] = post(base, "/translate", {"q": lines, "source": "ar", "target": "zh"})

        thread = threading.Thread(target=long_request)
        thread.start()
        time.sleep(1.0)
        assert thread.is_alive(), "the request finished before SIGTERM; give it more lines"
        process.send_signal(signal.SIGTERM)
        thread.join(300)
        code = process.wait(120)
        status, body = result["answer"]
        assert status == 200 and len(body["translatedText"]) == len(lines) and all(body["translatedText"])
        assert code in (0, 143)


def test_one_bad_request_among_20_concurrent_ones_fails_alone(server):
    """20 clients send a sentence each while one sends a lone surrogate: only that one gets 400."""
    texts = flores(20, skip=80)
    bad = '{"q": "\\ud800 مرحبا", "source": "ar", "target": "en"}'.encode()
    barrier = threading.Barrier(len(texts) + 1)
    answers: list = [None] * (len(texts) + 1)

    def client(i: int) -> None:
        barrier.wait()
        answers[i] = post(
            server, "/translate", bad if i == len(texts) else {"q": texts[i], "source": "ar", "target": "en"}
        )

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(texts) + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert [a[0] for a in answers] == [200] * len(texts) + [400], answers
    assert "not valid Unicode" in answers[-1][1]["error"]


def test_work_of_a_client_that_gave_up_is_cancelled(server):
    """A 1,500-line request whose client gives up after 2 s is stopped between two blocks; a small request
    meanwhile is answered."""
    before = get(server, "/health")["stats"]["cancelled"]
    with pytest.raises((TimeoutError, urllib.error.URLError, OSError)):
        post(server, "/translate", {"q": flores(1500), "source": "ar", "target": "zh"}, timeout=2)
    assert post(server, "/translate", {"q": ALIBABA, "source": "ar", "target": "en"})[0] == 200
    deadline = time.monotonic() + 120
    while get(server, "/health")["stats"]["cancelled"] == before:
        assert time.monotonic() < deadline, "the abandoned request was not cancelled"
        time.sleep(0.5)


def stalled_body(base: str) -> socket.socket:
    """A connection that sends a request's headers and 10 of its 100 body bytes, then nothing."""
    host, port = base.removeprefix("http://").split(":")
    connection = socket.create_connection((host, int(port)), timeout=30)
    connection.sendall(
        b'POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"q": "ab'
    )
    return connection


def test_a_client_that_stalls_its_body_gets_408(server):
    connection = stalled_body(server)
    with connection:
        answer = b""
        while chunk := connection.recv(4096):  # the headers and the body may come in separate packets
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408") and b"did not arrive within 2 s" in answer
    assert post(server, "/translate", {"q": ALIBABA, "source": "ar", "target": "en"})[0] == 200


def test_forwarded_headers_keys_in_logs_and_sigterm_with_a_stalled_client(tiny_ending_ct2, tmp_path):
    """X-Forwarded-For from an untrusted client does not dodge the rate limit; a key in the query string is not
    in the access log; SIGTERM ends the server in bounded time though a client stalls its body."""
    with mt_serve(
        tiny_ending_ct2,
        tmp_path,
        "--req-limit",
        "2",
        "--log-level",
        "info",
        "--body-timeout",
        "600",
        "--shutdown-timeout",
        "2",
    ) as (base, process):
        codes = [
            post(
                base,
                "/translate?api_key=mt-SECRETKEY",
                {"q": ALIBABA, "source": "ar", "target": "en"},
                headers={"X-Forwarded-For": f"10.1.2.{i}"},
            )[0]
            for i in range(3)
        ]
        assert codes == [200, 200, 429]
        connection = stalled_body(base)
        time.sleep(0.5)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        finally:
            connection.close()
        assert time.monotonic() - started < 30
        log = process.stdout.read() + process.stderr.read()
    assert "api_key=[redacted]" in log and "SECRETKEY" not in log
