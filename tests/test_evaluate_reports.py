"""Reports: the HTML page is one self-contained file that parses and escapes everything; Markdown tables hold;
the JSON keys outside tools rely on are there; the terminal table prints names literally."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import html as lxml_html

from mt.cli import main
from mt.evaluation import SCHEMA, evaluate
from mt.evaluation.report import render

HOSTILE = '<script>alert(1)</script> "><img src=x onerror=alert(2)> | pipe [link](https://evil.example/x.js) [bold]b'

REPO = Path(__file__).resolve().parents[1]  # as tests/conftest.py
DATA = REPO / "eval" / "data"


def _read(path, n):
    return path.read_text(encoding="utf-8").split("\n")[:n]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reports")
    ref = _read(DATA / "flores200" / "flores200.dev.eng_Latn", 120)
    src = _read(DATA / "flores200" / "flores200.dev.arb_Arab", 120)
    a = [" ".join(w for i, w in enumerate(line.split()) if i % 9 != 3) for line in ref]  # every 9th word dropped
    b = list(ref)
    b[5] = HOSTILE
    paths = {}
    for name, lines in {"ref.en": ref, "src.ar": src, "a.en": a, "b <evil>.en": b}.items():
        paths[name] = tmp / name
        paths[name].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def result(files):
    return evaluate(
        {str(files["a.en"]): _read(files["a.en"], 120), "b <evil>.en": _read(files["b <evil>.en"], 120)},
        [_read(files["ref.en"], 120)],
        sources=_read(files["src.ar"], 120),
        top_n=5,
    )


def test_html_is_one_self_contained_file_that_parses(files, tmp_path, capsys):
    out = tmp_path / "report.html"
    rc = main(
        [
            "evaluate",
            "-r",
            str(files["ref.en"]),
            str(files["a.en"]),
            str(files["b <evil>.en"]),
            "--src",
            str(files["src.ar"]),
            "--format",
            "html",
            "-o",
            str(out),
            "--top",
            "5",
        ]
    )
    assert rc == 0, capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    doc = lxml_html.document_fromstring(text)
    assert doc.xpath("//script") == [] and doc.xpath("//img") == [] and doc.xpath("//link") == []
    assert doc.xpath("//iframe|//object|//embed") == []
    for element in doc.iter():
        for attr in ("src", "href", "xlink:href", "action"):
            value = element.get(attr)
            assert value is None or not re.match(r"\s*(https?:)?//", value), (element.tag, value)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)  # no remote fonts or images from CSS
    assert re.search(r"<style>", text) and len(doc.xpath("//svg")) >= 4 + 2  # 4 metric charts + 2 bucket charts
    # the hostile line is shown as text, escaped, in the worst / differing segments
    assert HOSTILE in doc.text_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>" not in text
    assert "b &lt;evil&gt;.en" in text
    headings = [h.text_content() for h in doc.xpath("//h2")]
    for needed in (
        "Scores",
        "Paired significance tests",
        "Worst segments, side by side",
        "Word F-measure by frequency",
    ):
        assert needed in headings
    assert any("by reference length" in h for h in headings)


def test_html_worst_segments_are_side_by_side(result):
    doc = lxml_html.document_fromstring(render(result, "html"))
    (table,) = [
        t
        for t in doc.xpath("//table")
        if t.getprevious() is not None and "Lowest mean" in t.getprevious().text_content()
    ]
    header = [th.text_content() for th in table.xpath(".//th")]
    assert header == ["line", "source", "reference", result.systems[0].name, "b <evil>.en"]
    first = table.xpath(".//tbody/tr")[0]
    line = int(first.xpath("./td")[0].text_content())
    assert line - 1 == result.worst[0] == 5  # the hostile line is the worst segment of system b


def test_markdown_tables_keep_their_columns(result):
    text = render(result, "markdown")
    for block in re.split(r"\n\n", text):
        rows = [r for r in block.splitlines() if r.startswith("|")]
        if rows:
            counts = {len(re.findall(r"(?<!\\)\|", r)) for r in rows}
            assert len(counts) == 1, block
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_json_report_has_the_stable_keys(result):
    data = json.loads(render(result, "json"))
    assert data["schema"] == SCHEMA
    assert {
        "systems",
        "comparisons",
        "lang",
        "tokenize",
        "segments",
        "metrics",
        "references",
        "settings",
        "analysis",
        "warnings",
    } <= set(data)
    assert [s["name"] for s in data["systems"]] == [s.name for s in result.systems]
    for system in data["systems"]:
        assert set(system["scores"]) == {"BLEU", "chrF2", "chrF2++", "TER"}
        for score in system["scores"].values():
            assert isinstance(score["score"], float) and score["signature"].startswith("nrefs:1|")
            assert score["ci"]["low"] <= score["ci"]["mean"] <= score["ci"]["high"]
    assert len(data["comparisons"]) == 4
    assert all(0 < c["p_value"] <= 1 and c["test"] == "paired-bs" for c in data["comparisons"])
    assert data["analysis"]["worst_segments"][0] == 6
    assert sum(b["segments"] for b in data["analysis"]["length_buckets"]["buckets"]) == 120


def test_text_report_prints_names_and_markup_literally(result):
    text = render(result, "text", width=160)
    assert "b <evil>.en" in text and "<script>alert(1)</script>" in text
    marked = evaluate({"[bold]x[/bold]": ["a b c"]}, ["a b c"], lang="en", metrics="bleu", confidence=0)
    assert "[bold]x[/bold]" in render(marked, "text")  # rich markup in a file name is not interpreted
    assert f"{result.systems[0].scores['BLEU'].score:.2f}" in text
    assert "paired tests against the baseline" in text


def test_segments_jsonl_and_report_to_stdout(files, tmp_path, capsys):
    segments = tmp_path / "seg.jsonl"
    rc = main(
        [
            "evaluate",
            "-r",
            str(files["ref.en"]),
            str(files["a.en"]),
            "--segments",
            str(segments),
            "-m",
            "bleu",
            "--confidence-n",
            "0",
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0 and "BLEU" in out
    records = [json.loads(line) for line in segments.read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in records] == list(range(1, 121))
    assert all(set(r) == {"system", "line", "hypothesis", "BLEU"} for r in records)


def test_text_report_lines_up_chinese_outputs(tmp_path):
    """A Chinese output takes two terminal columns a character: every line of each table is as wide as its rule
    (measured with rich's cell widths, another library than the report's), long outputs cut by columns."""
    from rich.cells import cell_len

    ref = [line for line in (DATA / "un_v1.0" / "UNv1.0.devset.zh").read_text(encoding="utf-8").splitlines()[:6]]
    hyp = [line.replace("的", "之") for line in ref]
    result = evaluate({"系统 A.zh": hyp, "b.zh": ref}, ref, lang="zh", metrics="chrf", confidence=0)
    text = render(result, "text", width=100)
    tables = [block.splitlines()[1:] for block in text.split("\n\n") if "┌" in block]
    assert len(tables) >= 4 and any("之" in line for table in tables for line in table)
    for table in tables:
        assert len({cell_len(line) for line in table}) == 1, table
    widest = max(cell_len(line) for table in tables for line in table if "之" in line)
    assert widest <= 100 + 40  # the quoted outputs are cut to about half the width each
