"""Terminology accuracy (WMT21 exact match) on a hand-made case whose answer is counted by hand."""

from __future__ import annotations

import json

import pytest

from mt.cli import main
from mt.evaluation import evaluate

GLOSSARY = (
    "id\tar\ten\tzh\n"
    "alibaba\tعلي بابا\tAlibaba|Alibaba Group\t阿里巴巴\n"
    "aliexpress\tعلي اكسبريس\tAliExpress\t全球速卖通|速卖通\n"
    "bri\tالحزام والطريق\tBelt and Road\t一带一路\n"
)

SOURCES = [
    "أعلنت علي بابا عن نتائجها",  # alibaba x1
    "علي اكسبريس تابعة لعلي بابا",  # aliexpress x1, alibaba x1 (after the clitic ل)
    "مبادرة الحزام والطريق والحزام والطريق",  # bri x2
    "لا مصطلحات هنا",
]  # none
REFERENCE = [
    "Alibaba announced its results.",
    "AliExpress belongs to Alibaba's group.",  # possessive still counts
    "The Belt and Road, again the belt and road.",  # case-insensitive: 2 of 2
    "No terms here.",
]
GOOD = [
    "Alibaba announced its results.",
    "AliExpress belongs to Ali Baba.",  # aliexpress hit, alibaba missed
    "The Belt and Road initiative.",  # 1 of 2
    "No terms here.",
]
BAD = ["Ali Baba announced results.", "Ali Express belongs to Ali Baba.", "One Belt One Road.", "Nothing."]


@pytest.fixture
def glossary(tmp_path):
    path = tmp_path / "terms.tsv"
    path.write_text(GLOSSARY, encoding="utf-8")
    return path


def test_known_answer(glossary):
    result = evaluate(
        {"good": GOOD, "bad": BAD},
        [REFERENCE],
        lang="en",
        sources=SOURCES,
        glossary=glossary,
        metrics="chrf",
        confidence=0,
        significance="none",
    )
    t = result.terminology
    assert (t.totals["good"].hits, t.totals["good"].total) == (3, 5)
    assert t.totals["good"].accuracy == pytest.approx(0.6)
    assert (t.totals["bad"].hits, t.totals["bad"].total) == (0, 5)
    assert (t.reference.hits, t.reference.total) == (5, 5)  # the ceiling
    assert t.lines_with_terms == 3
    rows = {r.concept_id: r for r in t.rows}
    assert set(rows) == {"alibaba", "aliexpress", "bri"}
    assert (rows["alibaba"].occurrences, rows["alibaba"].hits, rows["alibaba"].reference_hits) == (
        2,
        {"good": 1, "bad": 0},
        2,
    )
    assert (rows["bri"].occurrences, rows["bri"].hits["good"], rows["bri"].reference_hits) == (2, 1, 2)
    assert rows["alibaba"].preferred == "Alibaba"
    good = result.system("good").terms
    assert [(s.found, s.hit, s.missed) for s in good] == [(1, 1, []), (2, 1, ["alibaba"]), (2, 1, ["bri"]), (0, 0, [])]


def test_chinese_targets_after_t2s(glossary):
    hyps = [
        "阿里巴巴公布了业绩。",
        "全球速賣通属于阿里巴巴。",
        "一带一路倡议。",
        "这里没有术语。",
    ]  # 速賣通: traditional
    result = evaluate(hyps, [hyps], lang="zh", sources=SOURCES, glossary=glossary, metrics="bleu", confidence=0)
    acc = result.terminology.totals["system"]
    assert (acc.hits, acc.total) == (4, 5)  # bri: 1 of 2


def test_cli_terminology_json_and_segments(glossary, tmp_path, capsys):
    files = {}
    for name, lines in {"src.ar": SOURCES, "ref.en": REFERENCE, "good.en": GOOD, "bad.en": BAD}.items():
        files[name] = tmp_path / name
        files[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, segments = tmp_path / "report.json", tmp_path / "segments.jsonl"
    rc = main(
        [
            "evaluate",
            "-r",
            str(files["ref.en"]),
            str(files["good.en"]),
            str(files["bad.en"]),
            "--src",
            str(files["src.ar"]),
            "--glossary",
            str(glossary),
            "--format",
            "json",
            "-o",
            str(out),
            "--segments",
            str(segments),
            "-m",
            "bleu,chrf",
            "--test",
            "none",
            "--confidence-n",
            "0",
        ]
    )
    assert rc == 0, capsys.readouterr().err
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["terminology"]["reference"] == {"hits": 5, "total": 5, "accuracy": 1.0}
    assert report["terminology"]["systems"][str(files["good.en"])]["hits"] == 3
    assert report["systems"][1]["terminology"] == {"hits": 0, "total": 5, "accuracy": 0.0}
    records = [json.loads(line) for line in segments.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 8 and records[1]["line"] == 2
    assert records[1]["terms"] == {"found": 2, "hit": 1, "missed": ["alibaba"]}
    assert set(records[0]) >= {"system", "line", "hypothesis", "BLEU", "chrF2", "terms"}


def test_glossary_without_source_is_an_error(glossary, tmp_path, capsys):
    ref = tmp_path / "ref.en"
    ref.write_text("\n".join(REFERENCE) + "\n", encoding="utf-8")
    assert main(["evaluate", "-r", str(ref), str(ref), "--glossary", str(glossary)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mt: error:") and "--src" in err and len(err.strip().splitlines()) == 1
