"""mt translate --qe: every sentence carries its quality estimate (risk, flags) in JSONL and --report; flagged
XLIFF targets need review (1.2 state, 2.0 subState, and a note naming the reason in both), flagged PO entries are
fuzzy with a translator comment; the server's /v1/translate returns them with "qe": true.

The document writers are checked on the seed article's human translations (clean: not flagged) beside the same
translations with a number changed (flagged): the estimator is real, no model is needed there. The outputs are
read back with independent readers: lxml and the XLIFF schemas, polib."""

from __future__ import annotations

import json

import polib
from lxml import etree

from mt.formats.document import FormatOptions, TranslatedSegment
from mt.formats.po import PoFormat
from mt.formats.xliff import XliffFormat
from mt.qe.sentences import SentenceAssessor
from mt.results import SentenceResult
from tests.conftest import REPO, SEEDS

AR = (SEEDS / "article.ar.txt").read_text(encoding="utf-8").splitlines()
EN = (SEEDS / "article.en.txt").read_text(encoding="utf-8").splitlines()
XSD = REPO / "tests" / "data" / "xliff"
X12, X20 = "urn:oasis:names:tc:xliff:document:1.2", "urn:oasis:names:tc:xliff:document:2.0"
CHANGED = EN[0].replace("2016", "2015")  # the seed's first line: "Hangzhou, November 17, 2016 / ..."


def _xliff_12() -> bytes:
    units = "".join(f'<trans-unit id="{i}"><source>{AR[i]}</source></trans-unit>' for i in (0, 1))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<xliff xmlns="{X12}" version="1.2"><file original="a.txt" '
        f'source-language="ar" datatype="plaintext"><body>{units}</body></file></xliff>'
    ).encode()


def _xliff_20() -> bytes:
    units = "".join(f'<unit id="u{i}"><segment><source>{AR[i]}</source></segment></unit>' for i in (0, 1))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<xliff xmlns="{X20}" version="2.0" srcLang="ar">'
        f'<file id="f1">{units}</file></xliff>'
    ).encode()


def _po() -> bytes:
    entries = "".join(f'\n# Translator: keep it short.\n#: news.py:{i}\nmsgid "{AR[i]}"\nmsgstr ""\n' for i in (0, 1))
    return ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n' + entries).encode()


def _translations(document) -> list[TranslatedSegment]:
    """Unit 0: the seed's first line translated with its year changed (flagged); unit 1: the human reference."""
    assessor = SentenceAssessor()
    texts = [CHANGED, EN[1]]
    out = []
    for segment, text in zip(document.segments, texts):
        sentence = assessor.assess(SentenceResult(segment.text, text, None), "en")
        out.append(TranslatedSegment(segment, text, (), [sentence]))
    assert out[0].sentences[0].flags and not out[1].sentences[0].flags  # the premise: one flagged, one clean
    assert {f["kind"] for f in out[0].sentences[0].flags} == {"number"}
    return out


def test_xliff_12_flagged_targets_need_review_with_a_note():
    fmt = XliffFormat()
    document = fmt.parse(_xliff_12(), "a.xlf", FormatOptions())
    options = FormatOptions(target="en", state="translated")
    root = etree.fromstring(document.render(_translations(document), options))
    assert etree.XMLSchema(etree.parse(str(XSD / "xliff-core-1.2-strict.xsd"))).validate(root)
    flagged, clean = root.iterfind(f".//{{{X12}}}trans-unit")
    assert flagged.find(f"{{{X12}}}target").get("state") == "needs-review-translation"
    note = flagged.find(f"{{{X12}}}note[@from='mt-qe']")
    assert note is not None and "number" in note.text and "2016" in note.text
    assert clean.find(f"{{{X12}}}target").get("state") == "translated"
    assert clean.find(f"{{{X12}}}note") is None


def test_xliff_20_flagged_segments_get_a_substate_and_a_note():
    fmt = XliffFormat()
    document = fmt.parse(_xliff_20(), "a.xlf", FormatOptions())
    root = etree.fromstring(document.render(_translations(document), FormatOptions(target="en")))
    assert etree.XMLSchema(etree.parse(str(XSD / "xliff_core_2.0.xsd"))).validate(root)
    flagged, clean = root.iterfind(f".//{{{X20}}}unit")
    assert flagged.find(f"{{{X20}}}segment").get("subState") == "mt-qe:needs-review"
    notes = [n.text for n in flagged.iterfind(f".//{{{X20}}}note[@category='mt-qe']")]
    assert len(notes) == 1 and "number" in notes[0]
    assert clean.find(f"{{{X20}}}segment").get("subState") is None
    assert not clean.findall(f".//{{{X20}}}note[@category='mt-qe']")


def test_po_flagged_entries_are_fuzzy_with_a_translator_comment():
    fmt = PoFormat()
    document = fmt.parse(_po(), "news.po", FormatOptions())
    data = document.render(_translations(document), FormatOptions(target="en", mark_fuzzy=False))
    catalogue = polib.pofile(data.decode("utf-8"))
    flagged, clean = [entry for entry in catalogue if entry.msgid]
    assert flagged.fuzzy and flagged.msgstr == CHANGED
    assert flagged.tcomment.splitlines()[0] == "Translator: keep it short."
    assert flagged.tcomment.splitlines()[1].startswith("mt-qe: risk") and "number" in flagged.tcomment
    assert not clean.fuzzy and clean.tcomment == "Translator: keep it short." and clean.msgstr == EN[1]


def test_cli_qe_gives_every_sentence_and_report_row_a_risk(tmp_path, run_cli, fast_tiny):
    source = tmp_path / "in.txt"
    source.write_text("\n".join(AR[:3]) + "\n", encoding="utf-8")
    out, report = tmp_path / "out.jsonl", tmp_path / "report.jsonl"
    code, _, err = run_cli("translate", source, "--to", "en", "-o", out, "--report", report, "--qe", *fast_tiny)
    assert code == 0, err
    sentences = [s for line in out.read_text(encoding="utf-8").splitlines() for s in json.loads(line)["sentences"]]
    assert len(sentences) >= 3 and all(0.0 <= s["risk"] <= 1.0 and isinstance(s["flags"], list) for s in sentences)
    assert any(s["flags"] for s in sentences)  # random weights: the translations are unrelated to their sources
    for s in sentences:
        assert s["risk"] == round(
            SentenceAssessor().assess(SentenceResult(s["source"], s["translation"], None), "en").risk, 4
        )
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 3 and all("risk" in row and "flags" in row for row in rows)
    assert "quality estimation:" in err
    code, _, _ = run_cli("translate", source, "--to", "en", "-o", tmp_path / "plain.jsonl", *fast_tiny)
    plain = (tmp_path / "plain.jsonl").read_text(encoding="utf-8")
    assert code == 0 and '"risk"' not in plain  # without --qe, no estimate


def test_cli_qe_marks_the_flagged_xliff_targets(tmp_path, run_cli, fast_tiny):
    source = tmp_path / "a.xlf"
    source.write_bytes(_xliff_12())
    out, report = tmp_path / "a.en.xlf", tmp_path / "report.jsonl"
    code, _, err = run_cli(
        "translate",
        source,
        "--to",
        "en",
        "-o",
        out,
        "--qe",
        "--xliff-state",
        "translated",
        "--report",
        report,
        *fast_tiny,
    )
    assert code == 0, err
    rows = {row["location"]: row for row in map(json.loads, report.read_text(encoding="utf-8").splitlines())}
    root = etree.parse(str(out)).getroot()
    for unit in root.iterfind(f".//{{{X12}}}trans-unit"):
        flagged = bool(rows[f"unit {unit.get('id')}"]["flags"])
        state = unit.find(f"{{{X12}}}target").get("state")
        assert state == ("needs-review-translation" if flagged else "translated")
        assert (unit.find(f"{{{X12}}}note[@from='mt-qe']") is not None) == flagged
    assert any(row["flags"] for row in rows.values())
