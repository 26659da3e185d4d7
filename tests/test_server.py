"""mt serve, in process (Starlette's TestClient runs the app and its worker thread): every endpoint, every error
code, JSON and form bodies, q as string and list, source auto, format html, keys, limits, glossary edits,
files and downloads. The models are the tiny CTranslate2 ones that end their sentences; what is asserted holds
for any model: each answer equals the library's translation of the same text, structure, codes, messages."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.test_server_support import ALIBABA, flores, glossary_copy, make_translator

pytest.importorskip("fastapi", reason="the server extra is not installed (pip install -e '.[server]')")

from starlette.testclient import TestClient  # noqa: E402

from mt.glossary import Glossary  # noqa: E402
from mt.server import GlossaryStore, ServerOptions, create_app  # noqa: E402
from mt.server.downloads import DownloadStore  # noqa: E402
from mt.server.keys import KeyStore  # noqa: E402
from mt.server.limits import RateLimiter  # noqa: E402
from mt.server.worker import TranslationWorker  # noqa: E402


@pytest.fixture(scope="module")
def translator(tiny_ending_ct2):
    translator = make_translator(tiny_ending_ct2)
    yield translator


@pytest.fixture(scope="module")
def reference(translator):
    """The library's own translation (the server's default glossary: the shipped one), to compare with."""
    from mt.glossary import Glossary as G

    glossary = G.load(Path(__file__).resolve().parent.parent / "glossaries" / "ecommerce.tsv")
    plain = translator.sharing_models(glossary, "strict")

    def translate(texts: list[str], to: str, together: bool = False) -> list[str]:
        if together:  # in one call, as the server decodes the runs of one request
            return [line.translation for line in plain.translate(texts, to=to)]
        return [plain.translate([t], to=to)[0].translation for t in texts]

    return translate


@pytest.fixture(scope="module")
def client(translator, tmp_path_factory):
    """An open server: no keys, the shipped glossary (a copy), no limits."""
    directory = tmp_path_factory.mktemp("open")
    app = create_app(translator, GlossaryStore([glossary_copy(directory)]), ServerOptions())
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def keyed(translator, tmp_path_factory):
    """A server with keys (a user key limited to 5 requests a minute, an admin key), a char limit and a
    64 KiB body limit; yields (client, user key, admin key, glossary path)."""
    directory = tmp_path_factory.mktemp("keyed")
    keys = KeyStore(directory / "keys.sqlite")
    user = keys.add("user", req_limit=5)
    admin = keys.add("admin", admin=True)
    glossary = glossary_copy(directory)
    options = ServerOptions(char_limit=2000, body_limit=64 * 1024, api_keys=directory / "keys.sqlite")
    app = create_app(translator, GlossaryStore([glossary]), options)
    with TestClient(app) as test_client:
        yield test_client, user, admin, glossary


def one_line_error(response, status: int, *fragments: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["error"], body
    message = body["error"]
    assert message and "\n" not in message and "Traceback" not in message and "/tmp" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def still_serving(client) -> None:
    response = client.post("/translate", json={"q": ALIBABA, "source": "ar", "target": "en"})
    assert response.status_code == 200 and response.json()["translatedText"]


# -- LibreTranslate: /translate -----------------------------------------------------------------------------------
def test_translate_json_string_equals_the_library(client, reference):
    text = flores(1)[0]
    response = client.post("/translate", json={"q": text, "source": "ar", "target": "en"})
    assert response.status_code == 200
    assert response.json() == {"translatedText": reference([text], "en")[0]}


def test_translate_form_body_and_list(client, reference):
    texts = flores(3)
    form = client.post("/translate", data={"q": texts[0], "source": "ar", "target": "zh"})
    assert form.json() == {"translatedText": reference(texts[:1], "zh")[0]}
    listed = client.post("/translate", json={"q": texts, "source": "ar", "target": "zh"})
    assert listed.json() == {"translatedText": reference(texts, "zh")}
    repeated = client.post("/translate", data={"q": texts[:2], "source": "ar", "target": "zh"})  # q=..&q=..
    assert repeated.json() == {"translatedText": reference(texts[:2], "zh")}


def test_multi_line_text_keeps_its_lines(client, reference):
    lines = flores(2, skip=5)
    response = client.post("/translate", json={"q": "\n".join(lines), "source": "ar", "target": "en"})
    assert response.json()["translatedText"].split("\n") == reference(lines, "en")


def test_source_auto_reports_arabic_and_refuses_other_languages(client):
    response = client.post("/translate", json={"q": [ALIBABA, "123"], "source": "auto", "target": "en"})
    assert response.status_code == 200
    assert [d["language"] for d in response.json()["detectedLanguage"]] == ["ar", "ar"]
    single = client.post("/translate", json={"q": ALIBABA, "source": "auto", "target": "en"}).json()
    assert single["detectedLanguage"] == {"confidence": 100.0, "language": "ar"}
    english = client.post(
        "/translate", json={"q": [ALIBABA, "This is plainly English text."], "source": "auto", "target": "en"}
    )
    one_line_error(english, 400, "q[1]", "detected as en")


@pytest.mark.parametrize("code", ["zh", "zh-Hans", "zh-CN", "zh_Hans", "ZH-HANS"])
def test_chinese_target_codes(client, reference, code):
    response = client.post("/translate", json={"q": ALIBABA, "source": "ar", "target": code})
    assert response.json()["translatedText"] == reference([ALIBABA], "zh")[0]


def test_mastodon_request_shape_html(client, translator):
    """Mastodon: JSON, q a list, format html, source auto. The fragment goes through the HTML document format
    (paragraph translated whole, the link placed on the words it wrapped): the answer equals the library's
    parse -> translate_segments -> render of the same fragment with the server's glossary."""
    from mt.formats.document import FormatOptions
    from mt.formats.registry import FORMATS
    from mt.glossary import Glossary as G

    html = '<p>أعلنت مجموعة علي بابا عن <a href="https://example.org/x?a=1&amp;b=2">نتائجها</a>.<br>مرحبا</p>'
    response = client.post("/translate", json={"q": [html], "source": "auto", "target": "en", "format": "html"})
    assert response.status_code == 200
    [out] = response.json()["translatedText"]
    glossary = G.load(Path(__file__).resolve().parent.parent / "glossaries" / "ecommerce.tsv")
    document = FORMATS["html"].parse(html.encode("utf-8"), "q", FormatOptions())
    segments = translator.sharing_models(glossary, "strict").translate_segments(document.segments, to="en")
    assert out == document.render(segments, FormatOptions(target="en")).decode("utf-8")
    assert out.startswith("<p>") and out.count('<a href="https://example.org/x?a=1&amp;b=2">') == 1
    assert "Alibaba" in out and not any("\u0600" <= c <= "\u06ff" for c in out)


def test_weblate_request_shape(client, reference):
    texts = flores(2, skip=10)
    response = client.post("/translate", json={"q": texts, "source": "ar", "target": "zh", "format": "text"})
    assert response.json()["translatedText"] == reference(texts, "zh")


def test_alternatives_are_empty_lists(client):
    one = client.post("/translate", json={"q": ALIBABA, "source": "ar", "target": "en", "alternatives": 3}).json()
    assert one["alternatives"] == []
    many = client.post(
        "/translate", data={"q": [ALIBABA, ALIBABA], "source": "ar", "target": "en", "alternatives": "2"}
    ).json()
    assert many["alternatives"] == [[], []]


BAD_TRANSLATE = [
    ({"content": b'{"q": "x", "source": ', "headers": {"content-type": "application/json"}}, "not valid JSON"),
    ({"content": b'["q"]', "headers": {"content-type": "application/json"}}, "must be a JSON object"),
    ({"json": {"source": "ar", "target": "en"}}, "missing q"),
    ({"json": {"q": 7, "source": "ar", "target": "en"}}, "q must be a string or a list of strings"),
    ({"json": {"q": [1, 2], "source": "ar", "target": "en"}}, "q must be a string or a list of strings"),
    ({"json": {"q": [], "source": "ar", "target": "en"}}, "q is an empty list"),
    ({"json": {"q": "x", "target": "en"}}, "missing source"),
    ({"json": {"q": "x", "source": "ar"}}, "missing target"),
    ({"json": {"q": "x", "source": "fr", "target": "en"}}, "fr is not supported as a source language"),
    ({"json": {"q": "x", "source": "ar", "target": "de"}}, "de is not supported as a target language"),
    ({"json": {"q": "x", "source": "ar", "target": ["en"]}}, "target must be a string"),
    ({"json": {"q": "x", "source": "ar", "target": "en", "format": "pdf"}}, "format must be text or html"),
    (
        {"json": {"q": "x", "source": "ar", "target": "en", "alternatives": "many"}},
        "alternatives parameter is not a number",
    ),
    ({"json": {"q": "", "source": "ar", "target": "en"}}, "missing q parameter"),
    (
        {"content": b'{"q": ' + b"[" * 1000 + b"]" * 1000 + b"}", "headers": {"content-type": "application/json"}},
        "not valid JSON",
    ),
    (
        {
            "content": b'{"q": "x", "source": "ar", "target": "en", "alternatives": ' + b"7" * 5000 + b"}",
            "headers": {"content-type": "application/json"},
        },
        "not valid JSON",
    ),
    (
        {
            "content": '{"q": "\\ud800 مرحبا", "source": "ar", "target": "en"}'.encode(),
            "headers": {"content-type": "application/json"},
        },
        "q is not valid Unicode text",
    ),
    (
        {
            "content": json.dumps({"q": ["مرحبا", "\udfff"], "source": "ar", "target": "en"}).encode("ascii"),
            "headers": {"content-type": "application/json"},
        },
        "q[1] is not valid Unicode text",
    ),
]


@pytest.mark.parametrize("request_kwargs,message", BAD_TRANSLATE)
def test_bad_translate_requests_are_400_with_one_line(client, request_kwargs, message):
    one_line_error(client.post("/translate", **request_kwargs), 400, message)
    still_serving(client)


# -- LibreTranslate: the other endpoints ------------------------------------------------------------------------
def test_languages_detect_settings_health(client):
    languages = client.get("/languages").json()
    assert languages[0] == {"code": "ar", "name": "Arabic", "targets": ["en", "zh", "zh-Hans"]}
    assert {entry["code"] for entry in languages} == {"ar", "en", "zh", "zh-Hans"}
    detected = client.post("/detect", data={"q": ALIBABA}).json()
    assert detected[0] == {"confidence": 100.0, "language": "ar"}
    assert client.post("/detect", json={"q": "这是中文的文本 text"}).json()[0]["language"] == "zh"
    settings = client.get("/frontend/settings").json()
    assert settings["keyRequired"] is False and settings["filesTranslation"] is True
    assert ".txt" in settings["supportedFilesFormat"] and settings["charLimit"] == ServerOptions().char_limit
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["glossaries"] == ["news"] and health["targets"] == ["en", "zh"]
    one_line_error(client.get("/no/such/page"), 404, "not found")
    one_line_error(client.get("/translate"), 405, "method not allowed")


def test_docs_and_page_are_served_without_outside_resources(client):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/translate", "/translate_file", "/v1/translate", "/v1/glossaries/{name}/concepts", "/health"} <= set(paths)
    page = client.get("/")
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    for asset in ("/", "/static/app.js", "/static/style.css"):
        text = client.get(asset).text
        assert "http://" not in text and "https://" not in text and "//cdn" not in text and "@import" not in text


# -- files --------------------------------------------------------------------------------------------------------
def test_translate_file_and_download(client, reference):
    lines = flores(3, skip=20)
    data = ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")
    response = client.post(
        "/translate_file",
        data={"source": "ar", "target": "en"},
        files={"file": ("../../report.txt", data, "text/plain")},
    )
    assert response.status_code == 200, response.text
    url = response.json()["translatedFileUrl"]
    assert url.startswith("http://testserver/download_file/") and url.endswith(".report.en.txt")
    assert response.json()["expiresIn"] == 1800
    download = client.get(url)
    assert download.status_code == 200
    assert download.text == "\n".join(reference(lines, "en")) + "\n"
    assert 'filename="report.en.txt"' in download.headers["content-disposition"]


def test_download_url_behind_a_proxy(translator, tmp_path):
    """X-Forwarded-* count only from a proxy given with --forwarded-allow-ips (here: any peer)."""
    app = create_app(translator, GlossaryStore(), ServerOptions(forwarded_allow_ips=("*",)))
    with TestClient(app) as client:
        check_download_url_behind_a_proxy(client)


def check_download_url_behind_a_proxy(client):
    response = client.post(
        "/translate_file",
        data={"source": "ar", "target": "en"},
        files={"file": ("a.txt", ALIBABA.encode("utf-8"))},
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-Host": "mt.example.org", "X-Forwarded-Prefix": "/tarjama"},
    )
    url = response.json()["translatedFileUrl"]
    assert url.startswith("https://mt.example.org/tarjama/download_file/")
    assert client.get(url.split("/tarjama", 1)[1]).status_code == 200


def test_translate_file_document_format_equals_the_library(client, translator, tmp_path):
    """A document format of mt.formats.registry (TMX) goes through parse -> translate_segments -> render: the
    download equals Translator.translate_file's output for the same file."""
    units = "".join(
        f'<tu tuid="{k}"><tuv xml:lang="ar"><seg>{text}</seg></tuv></tu>\n'
        for k, text in enumerate([ALIBABA, *flores(2, skip=50)], start=1)
    )
    data = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="ar" segtype="sentence" '
        f'o-tmf="x" adminlang="en" datatype="plaintext" creationtool="t" creationtoolversion="1"/>\n'
        f"<body>\n{units}</body></tmx>\n"
    ).encode()
    response = client.post(
        "/translate_file", data={"source": "ar", "target": "zh"}, files={"file": ("memory.tmx", data)}
    )
    assert response.status_code == 200, response.text
    assert ".tmx" in client.get("/frontend/settings").json()["supportedFilesFormat"]
    got = client.get(response.json()["translatedFileUrl"]).content
    source = tmp_path / "memory.tmx"
    source.write_bytes(data)
    glossary = Glossary.load(Path(__file__).resolve().parent.parent / "glossaries" / "ecommerce.tsv")
    translator.sharing_models(glossary, "strict").translate_file(source, "zh", tmp_path / "out.tmx")
    assert got == (tmp_path / "out.tmx").read_bytes()
    assert "阿里巴巴" in got.decode("utf-8")


@pytest.mark.parametrize(
    "name",
    ["..%2F..%2Fetc%2Fpasswd", "%2e%2e", "0123456789abcdef0123456789abcdef.a.txt", "..%5C..%5Cwindows.ini", "x" * 300],
)
def test_download_names_from_outside_are_not_found(client, name):
    one_line_error(client.get(f"/download_file/{name}"), 404)


def test_downloads_expire():
    now = [1000.0]
    store = DownloadStore(expiry_s=60, clock=lambda: now[0])
    try:
        download = store.put("a.en.txt", b"hello")
        assert store.get(download.name) == download and download.path.read_bytes() == b"hello"
        now[0] += 61
        assert store.get(download.name) is None and not download.path.exists()
    finally:
        store.close()


XML_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
    b'<tmx version="1.4"><header srclang="ar"/><body><tu><tuv xml:lang="ar"><seg>&lol3;</seg></tuv></tu>'
    b"</body></tmx>"
)


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("bomb.tmx", XML_BOMB, "bomb.tmx"),
        ("bomb.xlf", XML_BOMB, "bomb.xlf"),
        ("report.pdf", b"%PDF-1.4", ".pdf is not a supported file format"),
        ("latin1.txt", "café".encode("latin-1"), "UTF-8"),
        ("binary.txt", b"abc\x00def", "NUL"),
    ],
)
def test_bad_uploads_are_400_and_the_server_keeps_serving(client, name, data, message):
    response = client.post("/translate_file", data={"source": "ar", "target": "en"}, files={"file": (name, data)})
    one_line_error(response, 400, message)
    assert "lol" not in response.json()["error"]
    still_serving(client)


def test_upload_without_a_file_or_target(client):
    one_line_error(client.post("/translate_file", data={"source": "ar", "target": "en"}), 400, "missing file")
    one_line_error(
        client.post("/translate_file", data={"source": "ar"}, files={"file": ("a.txt", b"x")}), 400, "missing target"
    )


# -- native API -----------------------------------------------------------------------------------------------------
def test_v1_translate_gives_the_jsonl_structure(client, translator):
    text = ALIBABA + " " + flores(1)[0]
    response = client.post("/v1/translate", json={"q": [text], "target": "zh"})
    assert response.status_code == 200
    [result] = response.json()["results"]
    glossary = Glossary.load(Path(__file__).resolve().parent.parent / "glossaries" / "ecommerce.tsv")
    [line] = translator.sharing_models(glossary, "strict").translate([text], to="zh")
    expected = line.to_dict()
    assert result["translation"] == expected["translation"] and result["source"] == text
    for got, want in zip(result["sentences"], expected["sentences"], strict=True):
        assert {k: v for k, v in got.items() if k != "offset"} == want
        assert text[got["offset"] : got["offset"] + len(got["source"])] == got["source"]
        assert "intermediate" in got
    term = result["sentences"][0]["terms"][0]
    assert term["concept"] == "alibaba" and term["status"] in ("verified", "enforced")
    assert term["target"] in result["translation"]


def test_v1_translate_with_qe_returns_the_risk_per_sentence_and_text(client):
    """ "qe": true: each sentence gets the estimator's risk and flags for its source and translation (the same as
    mt qe gives the pair), each text the highest risk and all flags; without it, none."""
    from mt.qe.estimator import QualityEstimator

    texts = [ALIBABA, flores(1)[0] + "\n" + "في عام 2016 بلغ عددهم 000 20 شخص."]
    body = client.post("/v1/translate", json={"q": texts, "target": "en", "qe": True}).json()
    estimator = QualityEstimator("en")
    for result in body["results"]:
        for sentence in result["sentences"]:
            verdict = estimator.assess(sentence["source"], sentence["translation"])
            assert sentence["risk"] == round(verdict.risk, 4)
            assert sentence["flags"] == [flag.to_json() for flag in verdict.flags]
        assert result["risk"] == max(s["risk"] for s in result["sentences"])
        assert result["flags"] == [f for s in result["sentences"] for f in s["flags"]]
    plain = client.post("/v1/translate", json={"q": texts, "target": "en"}).json()
    assert all("risk" not in r and all("risk" not in s for s in r["sentences"]) for r in plain["results"])
    assert [r["translation"] for r in plain["results"]] == [r["translation"] for r in body["results"]]


def test_v1_translate_glossary_mode_and_name(client):
    off = client.post("/v1/translate", json={"q": ALIBABA, "target": "en", "glossary_mode": "off"}).json()
    assert off["results"][0]["sentences"][0]["terms"] == []
    named = client.post("/v1/translate", json={"q": ALIBABA, "target": "en", "glossary": "news"}).json()
    assert named["results"][0]["sentences"][0]["terms"][0]["concept"] == "alibaba"
    one_line_error(
        client.post("/v1/translate", json={"q": ALIBABA, "target": "en", "glossary": "nope"}),
        400,
        "no glossary named 'nope'",
        "'news'",
    )
    one_line_error(
        client.post("/v1/translate", json={"q": ALIBABA, "target": "en", "glossary_mode": "hard"}), 400, "glossary_mode"
    )
    one_line_error(client.post("/v1/translate", json={"q": {"a": 1}, "target": "en"}), 400, "q")
    one_line_error(
        client.post("/v1/translate", content=b"{", headers={"content-type": "application/json"}), 400, "JSON"
    )


def test_v1_glossaries(client):
    listed = client.get("/v1/glossaries").json()["glossaries"]
    assert listed == [{"name": "news", "concepts": listed[0]["concepts"], "editable": True}]
    concepts = client.get("/v1/glossaries/news").json()["concepts"]
    alibaba = next(c for c in concepts if c["id"] == "alibaba")
    assert "علي بابا" in alibaba["ar"] and alibaba["en"][0] == "Alibaba" and alibaba["type"] == "organisation"
    one_line_error(client.get("/v1/glossaries/../../etc"), 404)
    one_line_error(client.get("/v1/glossaries/other"), 404, "no glossary named 'other'")


def test_v1_evaluate_equals_the_library(client):
    from mt.evaluation import evaluate

    hyps, refs = ["the cat sat on the mat", "a dog barked"], ["the cat sat on a mat", "the dog barked loudly"]
    response = client.post(
        "/v1/evaluate", json={"hypotheses": hyps, "references": refs, "lang": "en", "metrics": ["bleu", "chrf"]}
    )
    assert response.status_code == 200
    got = response.json()
    want = evaluate({"hypothesis": hyps}, refs, lang="en", metrics=["bleu", "chrf"]).to_dict()
    assert got["systems"] == json.loads(json.dumps(want["systems"]))
    one_line_error(client.post("/v1/evaluate", json={"hypotheses": hyps, "references": refs[:1]}), 400)
    one_line_error(client.post("/v1/evaluate", json={"hypotheses": "x", "references": refs}), 400, "hypotheses")


# -- keys, limits, glossary edits ---------------------------------------------------------------------------------------
def test_keys_are_required_and_checked(keyed):
    client, user, admin, _ = keyed
    body = {"q": ALIBABA, "source": "ar", "target": "en"}
    one_line_error(client.post("/translate", json=body), 403, "requires an API key")
    one_line_error(client.post("/translate", json={**body, "api_key": "mt-wrong"}), 403, "Invalid API key")
    assert client.post("/translate", json={**body, "api_key": admin}).status_code == 200
    assert client.post("/translate", data={**body, "api_key": admin}).status_code == 200
    assert (
        client.post("/v1/translate", json={"q": ALIBABA, "target": "en"}, headers={"X-API-Key": admin}).status_code
        == 200
    )
    assert client.get("/frontend/settings").json()["keyRequired"] is True


def test_rate_limit_per_key_is_429(keyed):
    client, user, admin, _ = keyed
    body = {"q": "مرحبا", "source": "ar", "target": "en", "api_key": user}
    codes = [client.post("/translate", json=body).status_code for _ in range(5)]
    assert codes == [200] * 5
    response = client.post("/translate", json=body)
    one_line_error(response, 429, "Slowdown")
    assert response.headers["retry-after"] == "60"
    assert client.post("/translate", json={**body, "api_key": admin}).status_code == 200  # another key's budget


def test_char_and_body_limits(keyed):
    client, _, admin, _ = keyed
    long_text = "مرحبا " * 400  # 2400 characters
    one_line_error(
        client.post("/translate", json={"q": long_text, "source": "ar", "target": "en", "api_key": admin}),
        400,
        "exceeds text limit",
        "2000",
    )
    huge = json.dumps({"q": "ا" * 100_000, "source": "ar", "target": "en", "api_key": admin})
    one_line_error(
        client.post("/translate", content=huge, headers={"content-type": "application/json"}), 413, "65536 bytes"
    )

    def chunks():  # no Content-Length: the limit is found while reading
        for _ in range(20):
            yield b"x" * 8192

    one_line_error(client.post("/translate", content=chunks(), headers={"content-type": "application/json"}), 413)
    one_line_error(
        client.post(
            "/translate_file", data={"target": "en", "api_key": admin}, files={"file": ("big.txt", b"a" * 100_000)}
        ),
        413,
    )
    assert (
        client.post("/translate", json={"q": ALIBABA, "source": "ar", "target": "en", "api_key": admin}).status_code
        == 200
    )


def test_adding_a_concept_needs_an_admin_key_and_takes_effect_at_once(keyed):
    client, user, admin, path = keyed
    text = "قال المتحدث باسم شركة تارجاما إن النتائج جيدة."
    before = client.post("/v1/translate", json={"q": text, "target": "en", "api_key": admin}).json()
    assert before["results"][0]["sentences"][0]["terms"] == []
    concept = {"ar": "شركة تارجاما|تارجاما", "en": "Tarjama Company", "zh": "塔尔贾马公司", "type": "organisation"}
    one_line_error(client.post("/v1/glossaries/news/concepts", json=concept), 403)
    one_line_error(client.post("/v1/glossaries/news/concepts", json={**concept, "api_key": user}), 403, "admin")
    response = client.post("/v1/glossaries/news/concepts", json=concept, headers={"X-API-Key": admin})
    assert response.status_code == 201, response.text
    assert response.json()["added"]["id"] == "tarjama-company"
    assert "tarjama-company" in Glossary.load(path)  # written to the file
    after = client.post("/v1/translate", json={"q": text, "target": "en", "api_key": admin}).json()
    [term] = after["results"][0]["sentences"][0]["terms"]
    assert term["concept"] == "tarjama-company" and term["status"] in ("verified", "enforced")
    assert "Tarjama Company" in after["results"][0]["translation"]
    zh = client.post("/translate", json={"q": text, "source": "ar", "target": "zh", "api_key": admin}).json()
    assert "塔尔贾马公司" in zh["translatedText"]
    one_line_error(
        client.post("/v1/glossaries/news/concepts", json=concept, headers={"X-API-Key": admin}), 409, "already exists"
    )
    one_line_error(
        client.post("/v1/glossaries/news/concepts", json={"ar": "شيء", "id": "thing"}, headers={"X-API-Key": admin}),
        400,
        "neither an English nor a Chinese target",
    )
    one_line_error(
        client.post(
            "/v1/glossaries/news/concepts",
            json={"ar": "شيء", "en": "Thing", "type": "animal"},
            headers={"X-API-Key": admin},
        ),
        400,
        "unknown type 'animal'",
    )
    one_line_error(
        client.post("/v1/glossaries/news/concepts", json={"ar": 5, "en": "x"}, headers={"X-API-Key": admin}), 400, "ar"
    )
    one_line_error(client.post("/v1/glossaries/other/concepts", json=concept, headers={"X-API-Key": admin}), 404)


def test_open_server_refuses_glossary_edits(client):
    one_line_error(client.post("/v1/glossaries/news/concepts", json={"ar": "شيء", "en": "Thing"}), 403, "--api-keys")


def test_a_failure_inside_is_a_generic_500(translator, tmp_path, monkeypatch, caplog):
    """The model is beside the point here: a translate_stream that fails with a message naming a path must
    answer 500 without the message; the next request is served."""
    from mt.pipeline import Translator

    app = create_app(translator, GlossaryStore(), ServerOptions())
    original = Translator.translate_stream
    calls = []

    def failing_once(self, lines, to="en", progress=None):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("cannot read /secret/path/model.bin")
        return original(self, lines, to=to, progress=progress)

    monkeypatch.setattr(Translator, "translate_stream", failing_once)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        response = test_client.post("/translate", json={"q": ALIBABA, "source": "ar", "target": "en"})
        message = one_line_error(response, 500, "the server failed")
        assert "secret" not in message
        assert test_client.post("/translate", json={"q": ALIBABA, "source": "ar", "target": "en"}).status_code == 200
    assert "secret/path" in caplog.text  # logged server-side


# -- the worker, the limiter, keys --------------------------------------------------------------------------------------
def test_worker_shares_one_decode_and_splits_results(translator):
    texts = flores(8, skip=30)
    alone = [translator.translate([t], to="en")[0].translation for t in texts]
    shared = TranslationWorker(translator, GlossaryStore(), batch_wait=1.0)
    serial = TranslationWorker(translator, GlossaryStore(), serial=True)
    for worker in (shared, serial):
        worker.start()
        futures = [worker.translate([t], "en") for t in texts]
        results = [f.result(timeout=120) for f in futures]
        worker.stop()
        assert [r[0][0].translation for r in results] == alone
    assert shared.decode_calls == 1 and serial.decode_calls == len(texts)


def test_a_large_job_lets_small_ones_through_between_its_blocks(translator):
    """A 600-line request (over max_lines) is translated in blocks; a one-line request that arrives behind it is
    answered between two of its blocks, not after it, and both get what they get alone. A glossary-store call
    queued behind the small one waits for the large job (calls keep their order)."""
    large = "\n".join(flores(600))
    small = flores(1, skip=700)[0]
    alone_large = [line.translation for line in translator.translate(large.split("\n"), to="en")]
    alone_small = translator.translate([small], to="en")[0].translation
    worker = TranslationWorker(translator, GlossaryStore(), batch_wait=0.0, max_lines=512)
    finished: list[str] = []
    big = worker.translate([large], "en")  # all three queued before the thread starts: the large job goes first
    little = worker.translate([small], "en")
    call = worker.call(lambda _: "called")
    for name, future in (("large", big), ("small", little), ("call", call)):
        future.add_done_callback(lambda _, name=name: finished.append(name))
    worker.start()
    [large_lines] = big.result(timeout=300)
    [small_lines] = little.result(timeout=300)
    assert call.result(timeout=300) == "called"
    worker.stop()
    assert finished == ["small", "large", "call"]
    assert [line.translation for line in large_lines] == alone_large
    assert [line.translation for line in small_lines] == [alone_small]
    assert worker.decode_calls == 2


def test_a_document_lets_small_requests_through_between_its_blocks(translator):
    """A 200-paragraph HTML document translated on the worker (as /translate_file does) answers a one-line
    request queued behind it between two of its blocks; the document's translation is the one it gets alone."""
    from mt.formats.document import FormatOptions
    from mt.formats.registry import FORMATS

    page = "".join(f"<p>{line}</p>\n" for line in flores(200, skip=100)).encode("utf-8")
    document = FORMATS["html"].parse(page, "page.html", FormatOptions())
    alone = [t.text for t in translator.sharing_models(None, "off").translate_segments(document.segments, to="en")]
    small = flores(1, skip=700)[0]
    worker = TranslationWorker(translator, GlossaryStore(), batch_wait=0.0)
    finished: list[str] = []
    doc = worker.call(lambda w: w.translate_segments(document.segments, "en"))  # queued before the thread starts
    little = worker.translate([small], "en")
    for name, future in (("document", doc), ("small", little)):
        future.add_done_callback(lambda _, name=name: finished.append(name))
    worker.start()
    translated = doc.result(timeout=300)
    assert little.result(timeout=300)[0][0].translation == translator.translate([small], to="en")[0].translation
    worker.stop()
    assert finished == ["small", "document"]
    assert [t.text for t in translated] == alone


def test_rate_limiter_window_moves():
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    assert [limiter.hit("a", 2) for _ in range(3)] == [True, True, False]
    assert limiter.hit("b", 2) and limiter.hit("a", None)
    now[0] = 59.0
    assert not limiter.hit("a", 2)
    now[0] = 60.5
    assert limiter.hit("a", 2)


def test_keys_are_stored_hashed(tmp_path, run_cli):
    path = tmp_path / "keys.sqlite"
    code, out, err = run_cli("serve", "keys", "add", path, "newsroom", "--admin", "--req-limit", "30")
    assert code == 0, err
    key = out.strip()
    assert key.startswith("mt-") and len(key) > 40
    assert key.encode() not in path.read_bytes()
    info = KeyStore(path).lookup(key)
    assert info is not None and info.name == "newsroom" and info.admin and info.req_limit == 30
    code, out, _ = run_cli("serve", "keys", "list", path)
    assert out.startswith("newsroom\tadmin\t30/min") and key not in out
    code, _, err = run_cli("serve", "keys", "add", path, "newsroom")
    assert code == 1 and "exists" in err and err.count("\n") == 1
    assert run_cli("serve", "keys", "remove", path, "newsroom")[0] == 0
    assert KeyStore(path).lookup(key) is None
    code, _, err = run_cli("serve", "keys", "remove", path, "newsroom")
    assert code == 1 and "no key named" in err


@pytest.mark.parametrize(
    "args,message",
    [
        (["--target", "fr"], "unknown target language 'fr'"),
        (["--char-limit", "0"], "--char-limit must be at least 1"),
        (["--port", "70000"], "not a port number"),
        (["--api-keys", "missing.sqlite"], "no such key database"),
        (["--forwarded-allow-ips", "proxy.local"], "'proxy.local' is not an address or network"),
        (["--body-timeout", "0"], "'--body-timeout': 0.0 is not above 0"),
    ],
)
def test_serve_bad_options_are_one_line(run_cli, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("serve", *args)
    assert code != 0 and message in err and err.count("\n") == 1, err


def test_translation_memory_is_used_from_the_worker_thread(translator, tmp_path):
    """--tm: the memory (an SQLite connection, which belongs to the thread that opens it) is opened on the worker
    thread: the first request decodes and stores, the same text again is reused from the memory."""
    from mt.memory import TranslationMemory

    path = tmp_path / "server.tm"
    app = create_app(translator, GlossaryStore(), ServerOptions(tm=path))
    text = flores(1, skip=60)[0]
    with TestClient(app) as test_client:
        first = test_client.post("/v1/translate", json={"q": text, "target": "en"}).json()["results"][0]
        second = test_client.post("/v1/translate", json={"q": text, "target": "en"}).json()["results"][0]
    assert [s["origin"] for s in first["sentences"]] == ["mt"]
    assert [s["origin"] for s in second["sentences"]] == ["tm-mt"]
    assert second["translation"] == first["translation"]
    with TranslationMemory.open(path, create=False) as memory:
        assert memory.stats().entries == 1


def test_serve_without_the_server_extra_names_it(run_cli, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "uvicorn", None)  # as if the extra were not installed
    code, _, err = run_cli("serve", "--target", "en")
    assert code == 1 and 'pip install "tarjama[server]"' in err and err.count("\n") == 1, err


# -- issue 21: one bad request fails alone, bounded work, LibreTranslate clients, keys, exposure ---------------------
def test_v1_translate_refuses_what_python_cannot_parse_with_one_line(client):
    for raw, message in (
        (b'{"q": "\\ud800", "target": "en"}', "not valid Unicode text"),
        (b'{"q": ' + b"[" * 1000 + b"]" * 1000 + b', "target": "en"}', ""),
        (b'{"q": "x", "target": "en", "glossary_mode": ' + b"9" * 5000 + b"}", ""),
    ):
        response = client.post("/v1/translate", content=raw, headers={"content-type": "application/json"})
        one_line_error(response, 400, message)
    still_serving(client)


def test_a_request_that_fails_a_shared_decode_fails_alone(translator):
    """Six requests share one decode; one of them has text the tokenizer cannot take (a lone surrogate, sent
    straight to the worker: the routes refuse it before). Only that one fails; the others get what they get
    alone."""
    texts = flores(5, skip=60)
    alone = [translator.translate([t], to="en")[0].translation for t in texts]
    worker = TranslationWorker(translator, GlossaryStore(), batch_wait=1.0)
    futures = [worker.translate([t], "en") for t in texts[:3]]
    bad = worker.translate(["\ud800 " + ALIBABA], "en")
    futures += [worker.translate([t], "en") for t in texts[3:]]
    worker.start()
    answers = [f.result(timeout=120)[0][0].translation for f in futures]
    with pytest.raises(RuntimeError):  # sentencepiece cannot take a lone surrogate
        bad.result(timeout=120)
    worker.stop()
    assert answers == alone


def test_small_requests_pass_a_large_request_and_a_document_queued_before_them(translator):
    """A 600-line request, then a document, then a one-line request: the small one is answered between two
    blocks of the large one, not after the document it was queued behind."""
    from mt.formats.document import FormatOptions
    from mt.formats.registry import FORMATS

    page = "".join(f"<p>{line}</p>\n" for line in flores(40, skip=100)).encode("utf-8")
    document = FORMATS["html"].parse(page, "page.html", FormatOptions())
    worker = TranslationWorker(translator, GlossaryStore(), batch_wait=0.0, max_lines=512)
    finished: list[str] = []
    big = worker.translate(["\n".join(flores(600))], "en")
    doc = worker.call(lambda w: w.translate_segments(document.segments, "en"))
    little = worker.translate([flores(1, skip=700)[0]], "en")
    for name, future in (("large", big), ("document", doc), ("small", little)):
        future.add_done_callback(lambda _, name=name: finished.append(name))
    worker.start()
    for future in (big, doc, little):
        future.result(timeout=300)
    worker.stop()
    assert finished == ["small", "large", "document"]


def test_a_cancelled_job_is_dropped_or_stopped_at_its_next_block(translator):
    from mt.server.worker import JobCancelled, TranslationJob

    worker = TranslationWorker(translator, GlossaryStore(), batch_wait=0.0, max_lines=16)
    queued = TranslationJob(["\n".join(flores(40, skip=200))], "en")
    running = TranslationJob(["\n".join(flores(600))], "en")
    worker.submit(running)
    worker.submit(queued)
    queued.cancel()  # before it starts: never translated
    worker.start()
    deadline = time.monotonic() + 60
    while not running.future.running() and time.monotonic() < deadline:
        time.sleep(0.01)
    running.cancel()
    with pytest.raises(JobCancelled):
        running.future.result(timeout=120)
    worker.stop()
    assert worker.jobs_cancelled == 2 and worker.decode_calls == 1 and worker.jobs_done == 0


def docx_with_paragraphs(path: Path, paragraphs: str) -> Path:
    """A Word document (python-docx's empty one) whose body is ``paragraphs`` (w:p elements)."""
    import io
    import zipfile

    import docx

    blank = io.BytesIO()
    docx.Document().save(blank)
    with zipfile.ZipFile(blank) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                start = text.index("<w:body>") + len("<w:body>")
                data = (text[:start] + paragraphs + text[start:]).encode("utf-8")
            out.writestr(info.filename, data)
    return path


def test_default_limits_bound_text_evaluation_and_documents(translator, tmp_path):
    options = ServerOptions()
    assert options.char_limit and options.eval_char_limit and options.document_limit and options.max_segments
    app = create_app(
        translator,
        GlossaryStore(),
        ServerOptions(char_limit=100, eval_char_limit=200, document_limit=1024 * 1024, max_segments=30),
    )
    with TestClient(app) as client:
        one_line_error(
            client.post("/translate", json={"q": "ب" * 101, "source": "ar", "target": "en"}),
            400,
            "exceeds text limit (100 characters)",
        )
        one_line_error(
            client.post("/v1/evaluate", json={"hypotheses": ["a" * 150], "references": ["b" * 60]}),
            400,
            "exceeds text limit (200 characters)",
        )
        # a small DOCX whose document.xml is a mass of empty paragraphs (compresses ~1000x): refused unread
        empty = docx_with_paragraphs(tmp_path / "empty.docx", "<w:p/>" * 400_000)
        assert empty.stat().st_size < 64 * 1024
        one_line_error(
            client.post(
                "/translate_file",
                data={"source": "ar", "target": "en"},
                files={"file": ("empty.docx", empty.read_bytes())},
            ),
            413,
            "expands to",
        )
        many = docx_with_paragraphs(
            tmp_path / "many.docx", "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in flores(31))
        )
        one_line_error(
            client.post(
                "/translate_file",
                data={"source": "ar", "target": "en"},
                files={"file": ("many.docx", many.read_bytes())},
            ),
            413,
            "31 paragraphs",
        )
        still_serving(client)


def test_cors_on_every_answer_and_preflight(client):
    origin = {"Origin": "https://mastodon.example"}
    preflight = client.options(
        "/translate",
        headers={**origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    ok = client.post("/translate", json={"q": ALIBABA, "source": "ar", "target": "en"}, headers=origin)
    refused = client.post("/translate", json={"q": ALIBABA, "source": "ar"}, headers=origin)
    assert ok.headers["access-control-allow-origin"] == "*" and refused.status_code == 400
    assert refused.headers["access-control-allow-origin"] == "*"
    assert client.get("/languages", headers=origin).headers["access-control-allow-origin"] == "*"
    # as LibreTranslate: on every response, also to a client that sends no Origin (curl, a server-side client)
    assert client.get("/languages").headers["access-control-allow-origin"] == "*"
    assert client.post("/translate", json={"q": ALIBABA, "source": "ar"}).headers["access-control-allow-origin"] == "*"


def test_libretranslate_clients_as_they_are(client, reference):
    # a form body with target and api_key in the query string (LibreTranslate reads request.values)
    merged = client.post("/translate?target=en&api_key=", data={"q": ALIBABA, "source": "ar"})
    assert merged.status_code == 200 and merged.json() == {"translatedText": reference([ALIBABA], "en")[0]}
    clamped = client.post("/translate", json={"q": ALIBABA, "source": "ar", "target": "en", "alternatives": -1})
    assert clamped.status_code == 200 and "alternatives" not in clamped.json()
    one_line_error(
        client.post("/translate_file", data={"target": "en"}, files={"file": ("a.txt", b"x")}),
        400,
        "missing source parameter",
    )
    one_line_error(
        client.post("/suggest", json={"q": "x", "s": "y", "source": "ar", "target": "en"}),
        403,
        "Suggestions are disabled",
    )
    spec = client.get("/spec")
    assert spec.status_code == 200 and "/translate" in spec.json()["paths"]
    hans = client.post("/translate", json={"q": ALIBABA, "source": "ar", "target": "zh-Hans"})
    assert hans.json() == client.post("/translate", json={"q": ALIBABA, "source": "ar", "target": "zh"}).json()
    listed = client.post("/detect", json={"q": ["This is an English sentence, quite long.", ALIBABA]}).json()
    assert {d["language"] for d in listed} == {"en", "ar"}  # every element counts, not only the first


def test_html_auto_detects_on_the_text_not_the_tags(client):
    """A Mastodon toot: Arabic words, a link and a hashtag (Latin letters) in markup, source auto."""
    toot = (
        '<p>أعلنت مجموعة علي بابا عن نتائجها. <a href="https://news.example.org/alibaba/results-2016" '
        'rel="nofollow noopener" translate="no" target="_blank"><span class="invisible">https://</span>'
        '<span class="ellipsis">news.example.org/alibaba/resul</span><span class="invisible">ts-2016</span>'
        '</a> <a href="https://mastodon.example/tags/AliExpress" class="mention hashtag" rel="tag">'
        "#<span>AliExpress</span></a></p>"
    )
    response = client.post("/translate", json={"q": [toot], "source": "auto", "target": "en", "format": "html"})
    assert response.status_code == 200, response.text
    assert response.json()["detectedLanguage"][0]["language"] == "ar"
    english = "<p>This paragraph is written in English, with a <a href='https://x.example'>link</a>.</p>"
    one_line_error(
        client.post("/translate", json={"q": english, "source": "auto", "target": "en", "format": "html"}),
        400,
        "detected as en",
    )


@pytest.mark.parametrize(
    "name,expected",
    [("تقرير.txt", "تقرير.en.txt"), ("报告 2024.txt", "报告_2024.en.txt"), ("my report.txt", "my_report.en.txt")],
)
def test_non_ascii_file_names_work_and_come_back_named(client, reference, name, expected):
    from urllib.parse import quote, unquote

    response = client.post(
        "/translate_file", data={"source": "ar", "target": "en"}, files={"file": (name, ALIBABA.encode("utf-8"))}
    )
    assert response.status_code == 200, response.text
    url = response.json()["translatedFileUrl"]
    assert unquote(url).endswith("." + expected) and url.isascii()
    download = client.get(url)
    assert download.status_code == 200 and download.text == reference([ALIBABA], "en")[0]
    disposition = download.headers["content-disposition"]
    assert disposition.endswith("''" + quote(expected)) or disposition.endswith(f'filename="{expected}"')


def test_forwarded_headers_count_only_from_trusted_proxies(translator):
    app = create_app(translator, GlossaryStore(), ServerOptions(req_limit=2))
    with TestClient(app) as client:
        response = client.post(
            "/translate_file",
            data={"source": "ar", "target": "en"},
            files={"file": ("a.txt", ALIBABA.encode("utf-8"))},
            headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
        )
        assert response.json()["translatedFileUrl"].startswith("http://testserver/download_file/")
        codes = [
            client.post(
                "/translate",
                json={"q": ALIBABA, "source": "ar", "target": "en"},
                headers={"X-Forwarded-For": f"10.0.0.{i}"},
            ).status_code
            for i in range(3)
        ]
        assert codes == [200, 429, 429]  # the upload counted too: the same client, whatever it claims


def test_keys_guard_glossaries_and_key_database_errors_carry_no_path(keyed, translator, tmp_path):
    client, _, admin, _ = keyed  # (the user key's 5 requests a minute may be spent by the tests before)
    one_line_error(client.get("/v1/glossaries/news"), 403, "requires an API key")
    one_line_error(client.get("/v1/glossaries"), 403, "requires an API key")
    assert client.get("/v1/glossaries/news", headers={"X-API-Key": admin}).status_code == 200
    corrupt = tmp_path / "corrupt.sqlite"
    corrupt.write_bytes(b"not a database at all" * 100)
    for path in (tmp_path / "missing.sqlite", corrupt):
        app = create_app(translator, GlossaryStore(), ServerOptions(api_keys=path))
        with TestClient(app) as broken:
            message = one_line_error(
                broken.post("/translate", json={"q": "x", "source": "ar", "target": "en", "api_key": "k"}),
                503,
                "key database",
            )
            assert str(tmp_path) not in message and "sqlite" not in message


def test_access_log_never_shows_a_key():
    import logging

    from mt.server.logs import RedactKeys

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "POST", "/translate?target=en&api_key=mt-SECRET&x=1", "1.1", 200),
        None,
    )
    assert RedactKeys().filter(record)
    line = record.getMessage()
    assert "mt-SECRET" not in line and "api_key=[redacted]&x=1" in line


def test_docs_page_needs_nothing_from_outside(client):
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/docs.js" in docs.text
    for asset in ("/docs", "/static/docs.js"):
        text = client.get(asset).text
        assert "https://" not in text and "cdn" not in text.lower()
