"""mt translate --qe in documents: a Word comment on each flagged DOCX paragraph (--qe-comments), read back with
python-docx (and LibreOffice); the review page as --report FILE.html; the `tags` flag on a sentence holding an
inline tag that could not be placed on its words.

The DOCX writer is checked with hand-made translations of the seed article (the human reference: clean; the
source copied, or a year changed: flagged), so the estimator is real and no model is needed there; the CLI tests
translate with the tiny random models, whose output is unrelated to its source (most sentences flagged)."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import docx
import pytest
from lxml import etree

from mt.formats.document import FormatOptions, Tag, TranslatedSegment
from mt.formats.docx import DocxFormat
from mt.formats.xliff import XliffFormat
from mt.qe.sentences import SentenceAssessor
from mt.results import REVIEW_PREFIX, SentenceResult
from tests.conftest import REPO, SEEDS

AR = (SEEDS / "article.ar.txt").read_text(encoding="utf-8").splitlines()
EN = (SEEDS / "article.en.txt").read_text(encoding="utf-8").splitlines()
CHANGED = EN[0].replace("2016", "2015")  # the seed's first line with its year changed: a number flag
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}
COMMENTS = REPO / "tests" / "data" / "realworld" / "python-docx" / "comments-rich-para.docx"
CUE_TAGS = REPO / "tests" / "data" / "realworld" / "webvtt-py" / "cue_tags.vtt"
ASSESSOR = SentenceAssessor()


def _build_docx(path: Path, lines: list[str]) -> Path:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))
    return path


def _translated(segments, texts: list[str]) -> list[TranslatedSegment]:
    """Each segment translated by hand into ``texts[i]``, its quality estimated."""
    out = []
    for segment, text in zip(segments, texts):
        sentence = ASSESSOR.assess(SentenceResult(segment.text, text, None), "en")
        out.append(TranslatedSegment(segment, text, (), [sentence]))
    return out


def _entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _body_paragraphs(data: bytes) -> list[etree._Element]:
    return etree.fromstring(_entries(data)["word/document.xml"]).findall("w:body/w:p", NS)


def _anchors(paragraph: etree._Element) -> list[str]:
    """The ids of the comments anchored in a paragraph (each with its range start, range end and reference)."""
    ids = [
        sorted(e.get(f"{{{W}}}id") for e in paragraph.iter(f"{{{W}}}{name}"))
        for name in ("commentRangeStart", "commentRangeEnd", "commentReference")
    ]
    assert ids[0] == ids[1] == ids[2]
    return ids[0]


def test_a_flagged_paragraph_gets_a_word_comment_naming_the_reason(tmp_path):
    path = _build_docx(tmp_path / "news.docx", AR[:3])
    document = DocxFormat().load(path, FormatOptions())
    translations = _translated(document.segments, [CHANGED, EN[1], AR[2]])  # number changed, clean, source copied
    assert [bool(t.sentences[0].flags) for t in translations] == [True, False, True]  # the premise
    data = document.render(translations, FormatOptions(target="en", review_comments=True))
    out = tmp_path / "news.en.docx"
    out.write_bytes(data)

    comments = list(docx.Document(str(out)).comments)  # python-docx finds the part through its relationship
    assert [(c.comment_id, c.author, c.initials) for c in comments] == [
        (0, "Tarjama QE", "QE"),
        (1, "Tarjama QE", "QE"),
    ]
    assert comments[0].text.startswith(f"{REVIEW_PREFIX} risk") and "number" in comments[0].text
    assert "2016" in comments[0].text
    assert "untranslated" in comments[1].text
    paragraphs = _body_paragraphs(data)
    assert [_anchors(p) for p in paragraphs] == [["0"], [], ["1"]]
    assert [p.text for p in docx.Document(str(out)).paragraphs] == [CHANGED, EN[1], AR[2]]  # the text as written
    first = [etree.QName(child).localname for child in paragraphs[0]]
    assert first[first.index("commentRangeStart") + 1] == "r" and first[-2:] == ["commentRangeEnd", "r"]
    parts = _entries(data)
    assert b'PartName="/word/comments.xml"' in parts["[Content_Types].xml"]
    assert b"relationships/comments" in parts["word/_rels/document.xml.rels"]


def test_no_comment_without_a_flag_or_without_the_option(tmp_path):
    path = _build_docx(tmp_path / "news.docx", AR[:2])
    document = DocxFormat().load(path, FormatOptions())
    clean = _translated(document.segments, EN[:2])
    plain = document.render(clean, FormatOptions(target="en"))
    assert document.render(clean, FormatOptions(target="en", review_comments=True)) == plain
    flagged = _translated(document.segments, [CHANGED, EN[1]])
    assert document.render(flagged, FormatOptions(target="en")) == document.render(
        flagged, FormatOptions(target="en", review_comments=False)
    )
    assert "word/comments.xml" not in _entries(document.render(flagged, FormatOptions(target="en")))


def _arabic_comments_docx(path: Path) -> Path:
    """python-docx's comments-rich-para.docx (four rich comments, commentsExtended and commentsIds parts) with
    three of its body paragraphs rewritten into the seed's Arabic lines; every other byte as upstream."""
    parts = _entries(COMMENTS.read_bytes())
    body = parts["word/document.xml"].decode("utf-8")
    for english, arabic in (
        ("Some text worthy of note.", AR[0]),
        ("Other text worthy of note.", AR[1]),
        ("Paragraph 7", AR[2]),
    ):
        assert english in body
        body = body.replace(english, arabic)
    parts["word/document.xml"] = body.encode("utf-8")
    with zipfile.ZipFile(COMMENTS) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, parts[info.filename])
    return path


def test_comments_are_appended_to_the_documents_own_with_fresh_ids(tmp_path):
    path = _arabic_comments_docx(tmp_path / "notes.docx")
    before = {c.comment_id: (c.author, c.text) for c in docx.Document(str(path)).comments}
    assert sorted(before) == [0, 1, 2, 4]
    document = DocxFormat().load(path, FormatOptions())
    texts = {AR[0]: AR[0], AR[1]: EN[1], AR[2]: CHANGED}  # copied (flagged), clean, a year changed (flagged)
    translations = []
    for segment in document.segments:
        if segment.text in texts:
            translations += _translated([segment], [texts[segment.text]])
        else:  # English paragraphs (the rest of the body, the comments' own text) stay as they are
            translations.append(TranslatedSegment(segment, segment.text, segment.tags, kept="no Arabic"))
    data = document.render(translations, FormatOptions(target="en", review_comments=True))
    out = tmp_path / "notes.en.docx"
    out.write_bytes(data)

    after = {c.comment_id: (c.author, c.text) for c in docx.Document(str(out)).comments}
    assert {k: after[k] for k in before} == before  # the document's own comments, as they were
    assert sorted(set(after) - set(before)) == [5, 6]
    assert after[5][0] == after[6][0] == "Tarjama QE" and "untranslated" in after[5][1] and "number" in after[6][1]
    anchored = [_anchors(p) for p in _body_paragraphs(data)]
    assert [ids for ids in anchored if ids] == [["0", "5"], ["1"], ["2"], ["4"], ["6"]]
    original, written = _entries(COMMENTS.read_bytes()), _entries(data)
    assert list(written) == list(original)  # no part added: the comments part was there
    for name in (
        "[Content_Types].xml",
        "word/_rels/document.xml.rels",
        "word/commentsExtended.xml",
        "word/commentsIds.xml",
    ):
        assert written[name] == original[name], name


def _docx_and_report(run_cli, fast_tiny, tmp_path: Path, *options: str):
    source = _build_docx(tmp_path / "news.docx", AR[:3])
    out, report = tmp_path / "news.en.docx", tmp_path / "review.jsonl"
    code, _, err = run_cli("translate", source, "--to", "en", "-o", out, "--report", report, *options, *fast_tiny)
    assert code == 0, err
    return out, [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]


def test_cli_qe_comments_comment_exactly_the_flagged_paragraphs(run_cli, fast_tiny, tmp_path):
    out, rows = _docx_and_report(run_cli, fast_tiny, tmp_path, "--qe-comments")  # implies --qe
    assert all("risk" in row for row in rows) and any(row["flags"] for row in rows)
    comments = {str(c.comment_id): c.text for c in docx.Document(str(out)).comments}
    paragraphs = _body_paragraphs(out.read_bytes())
    for row, paragraph in zip(rows, paragraphs):
        anchors = _anchors(paragraph)
        assert bool(anchors) == bool(row["flags"]), row["location"]
        for comment_id in anchors:
            assert all(f"{flag['kind']}: {flag['detail']}" in comments[comment_id] for flag in row["flags"])
    assert len(comments) == sum(bool(row["flags"]) for row in rows)


@pytest.mark.parametrize("name, content", [("a.xlf", None), ("a.txt", "\n".join(AR[:2]) + "\n")])
def test_cli_qe_comments_on_another_input_is_one_line(run_cli, fast_tiny, tmp_path, name, content):
    source = tmp_path / name
    if content is None:
        source.write_bytes(
            b'<?xml version="1.0"?><xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" '
            b'version="1.2"><file original="a" source-language="ar" datatype="plaintext"><body>'
            + f'<trans-unit id="1"><source>{AR[1]}</source></trans-unit>'.encode()
            + b"</body></file></xliff>"
        )
    else:
        source.write_text(content, encoding="utf-8")
    code, _, err = run_cli("translate", source, "--to", "en", "-o", tmp_path / "out", "--qe-comments", *fast_tiny)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "--qe-comments" in err and name in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_reads_the_review_comments(run_cli, fast_tiny, tmp_path):
    out, rows = _docx_and_report(run_cli, fast_tiny, tmp_path, "--qe", "--qe-comments")
    run = subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "odt",
            "--outdir",
            str(tmp_path / "odt"),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(tmp_path / "odt" / "news.en.odt") as archive:
        content = etree.fromstring(archive.read("content.xml"))
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    notes = content.findall(f".//{{{office}}}annotation")
    assert len(notes) == sum(bool(row["flags"]) for row in rows) > 0
    creators = [note.findtext("{http://purl.org/dc/elements/1.1/}creator") for note in notes]
    assert creators == ["Tarjama QE"] * len(notes)
    assert all(REVIEW_PREFIX in "".join(note.itertext()) for note in notes)


# -- the review page: --report FILE.html -----------------------------------------------------------------------------


class _Rows(HTMLParser):
    """The review page's table rows: (where, risk, kinds) in page order."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list] = []
        self.cell: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-kinds" in attrs:
            self.rows.append(["", "", attrs["data-kinds"]])
        elif tag == "td" and attrs.get("class") in ("line", "risk") and self.rows:
            self.cell = attrs["class"]

    def handle_data(self, data):
        if self.cell is not None:
            self.rows[-1][0 if self.cell == "line" else 1] += data

    def handle_endtag(self, tag):
        if tag == "td":
            self.cell = None


def test_cli_report_html_is_the_review_page_of_every_sentence(run_cli, fast_tiny, tmp_path):
    source = tmp_path / "news.txt"
    source.write_text("\n".join(AR[:4]) + "\n", encoding="utf-8")
    out, page = tmp_path / "news.en.jsonl", tmp_path / "review.html"
    code, _, err = run_cli("translate", source, "--to", "en", "-o", out, "--report", page, *fast_tiny)  # implies --qe
    assert code == 0, err
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    sentences = [(f"news.txt: line {n}", s) for n, line in enumerate(lines, 1) for s in line["sentences"]]
    html = page.read_text(encoding="utf-8")
    parser = _Rows()
    parser.feed(html)
    assert len(parser.rows) == len(sentences) >= 4
    risks = [float(risk) for _, risk, _ in parser.rows]
    assert risks == sorted(risks, reverse=True)
    expected = sorted(
        ((where, f"{s['risk']:.2f}", " ".join(dict.fromkeys(f["kind"] for f in s["flags"]))) for where, s in sentences),
        key=lambda row: (-float(row[1]), row[0]),
    )
    assert sorted(map(tuple, parser.rows)) == sorted(expected)
    flagged = sum(bool(s["flags"]) for _, s in sentences)
    assert f"{len(sentences)} sentences, {flagged} flagged" in html and 'dir="rtl"' in html
    assert "<title>Translation review: news.txt -&gt; en</title>" in html
    assert not re.search(r"https?://|<script src|<link", html)


# -- the tags kind --------------------------------------------------------------------------------------------------


def test_a_displaced_tag_flags_its_sentence_and_marks_the_xliff_target():
    xliff = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" '
        'version="1.2"><file original="a" source-language="ar" datatype="plaintext"><body>'
        f'<trans-unit id="1"><source>{AR[1][:40]}<g id="b1">{AR[1][40:60]}</g>{AR[1][60:]}</source>'
        "</trans-unit></body></file></xliff>"
    ).encode()
    document = XliffFormat().parse(xliff, "a.xlf", FormatOptions())
    segment = document.segments[0]
    assert [(t.id, t.paired) for t in segment.tags] == [("b1", True)]
    sentence = ASSESSOR.assess(SentenceResult(segment.text, EN[1], None), "en")
    assert not sentence.flags  # the premise: the translation itself is clean
    length = len(EN[1])
    placed = TranslatedSegment(segment, EN[1], (Tag("b1", length, length),), [sentence], displaced=("b1",))
    flagged = ASSESSOR.flag_displaced(placed, "en")
    [flag] = flagged.sentences[0].flags
    assert flag["kind"] == "tags" and "b1" in flag["detail"]
    assert flag["spans"] == [{"side": "source", "start": 40, "end": 60}]
    assert flagged.sentences[0].risk >= ASSESSOR.estimator("en").threshold
    assert ASSESSOR.flag_displaced(TranslatedSegment(segment, EN[1], segment.tags, [sentence]), "en").sentences == [
        sentence
    ]  # nothing displaced: nothing added
    root = etree.fromstring(document.render([flagged], FormatOptions(target="en", state="translated")))
    x12 = "urn:oasis:names:tc:xliff:document:1.2"
    assert root.find(f".//{{{x12}}}target").get("state") == "needs-review-translation"
    assert "tags: tag b1" in root.find(f".//{{{x12}}}note[@from='mt-qe']").text


def test_cli_displaced_cue_tags_are_flagged_in_the_report(run_cli, tiny_models, tmp_path):
    """webvtt-py's cue_tags.vtt (rewritten into Arabic): with the tiny models some of its cue boundaries and <c>
    tags cannot be put at aligned words; those and only those rows carry a `tags` flag naming them."""
    out, report = tmp_path / "cues.en.vtt", tmp_path / "review.jsonl"
    code, _, err = run_cli("translate", CUE_TAGS, "--to", "en", "-o", out, "--report", report, "--qe", *tiny_models)
    assert code == 0, err
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert any(row["displaced"] for row in rows)  # the premise
    for row in rows:
        tags = [flag for flag in row["flags"] if flag["kind"] == "tags"]
        assert bool(tags) == bool(row["displaced"]), row["location"]
        named = [i for t in tags for i in re.match(r"tags? (.+?) could not", t["detail"]).group(1).split(", ")]
        assert sorted(named) == sorted(row["displaced"])
        if tags:
            assert row["risk"] >= SentenceAssessor().estimator("en").threshold - 1e-4
