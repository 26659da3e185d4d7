"""Numbers guaranteed like terms: the source's numbers, as glossary concepts (mt.qe.number_terms), are placed
by the existing enforcer. Random-weight tiny models never write these numbers by themselves, so every number
present in the output is there because verification and repair put it there.

Real Arabic lines with numbers: the seed article (Xinhua) and the UN v1.0 devset (UN-style ``000 100``)."""

from __future__ import annotations

import json

import pytest

from mt.glossary import Glossary
from mt.glossary.verify import has_target
from mt.pipeline import Translator
from mt.qe.number_terms import PREFIX, number_concepts, sentence_numbers, target_forms, value_concept
from tests.conftest import DATA, REPO, SEEDS

FAST = {"max_length_ratio": 0.5, "max_length_extra": 4}


def _lines():
    seed = (SEEDS / "article.ar.txt").read_text(encoding="utf-8").split("\n")[:2]
    un = (DATA / "un_v1.0/UNv1.0.devset.ar").read_text(encoding="utf-8").split("\n")
    return seed + [un[155], un[355], un[477]]


def test_number_concepts_use_the_targets_convention():
    concepts = {c.id: c for c in number_concepts(["يبلغ عددهم نحو 000 20 نسمة في عام ٢٠١٦ و ٣٫٥ مليون"])}
    assert set(concepts) == {"number-20000", "number-2016", "number-3.5"}
    assert concepts["number-20000"].ar == ("000 20",) and concepts["number-20000"].en[0] == "20,000"
    assert concepts["number-20000"].zh[0] == "20000" and concepts["number-2016"].en[0] == "2016"
    assert target_forms("3.5") == (("3.5",), ("3.5",))
    assert not number_concepts(["10- اتفقت اللجنة على تنظيم خمس مناقشات"])  # a paragraph number, a word


def _numbers(results):
    return [n for r in results for s in r.sentences for n in s.numbers]


@pytest.mark.parametrize("target", ["en", "zh"])
def test_every_source_number_is_placed_by_enforcement(tiny_ar_en, tiny_en_zh, target):
    """numbers="enforce": every number of every sentence is in its translation, in the
    target's convention, reported beside the glossary's terms (which keep only the glossary's concepts)."""
    lines = _lines()
    glossary = Glossary.load(REPO / "glossaries" / "ecommerce.tsv")
    translator = Translator(
        {"ar-en": str(tiny_ar_en), "en-zh": str(tiny_en_zh)}, glossary=glossary, numbers="enforce", **FAST
    )
    results = translator.translate(lines, to=target)
    numbers = _numbers(results)
    expected = [m.concept.id for r in results for s in r.sentences for m in sentence_numbers(s.source)]
    assert [n.concept_id for n in numbers] == expected and len(expected) >= 10  # 17 Nov 2016, 483,918, 000 100 ...
    assert not [t for r in results for s in r.sentences for t in s.terms if t.concept_id.startswith(PREFIX)]
    for line in results:
        for sentence in line.sentences:
            for number in sentence.numbers:
                assert number.status in ("verified", "enforced"), (number, sentence.translation)
                assert has_target(sentence.translation, value_concept(number.concept_id[len(PREFIX) :]), target)
    assert [n for n in numbers if n.status == "enforced"]  # the repair did the work
    assert "number-100000" in expected  # UN "000 100"
    assert translator.stats.numbers_found == translator.stats.numbers_present == len(expected)


def test_check_reports_and_off_ignores(tiny_ar_en):
    """numbers="check" verifies and reports without placing (a random model misses them); "off" reports none and
    decodes as before numbers existed."""
    lines = _lines()
    checked = _numbers(Translator(str(tiny_ar_en), numbers="check", **FAST).translate(lines, to="en"))
    assert (
        checked and {n.status for n in checked} <= {"verified", "missing"} and "missing" in {n.status for n in checked}
    )
    off = Translator(str(tiny_ar_en), numbers="off", **FAST).translate(lines, to="en")
    assert not _numbers(off) and all("numbers" not in s.to_dict() for r in off for s in r.sentences)
    enforced = Translator(str(tiny_ar_en), numbers="enforce", **FAST).translate(lines, to="en")
    assert [r.translation for r in off] != [r.translation for r in enforced]


def test_numbers_under_a_soft_glossary_are_still_enforced(tiny_ar_en):
    glossary = Glossary.load(REPO / "glossaries" / "ecommerce.tsv")
    results = Translator(str(tiny_ar_en), glossary=glossary, glossary_mode="soft", numbers="enforce", **FAST).translate(
        _lines(), "en"
    )
    assert {n.status for n in _numbers(results)} <= {"verified", "enforced"}
    assert all(t.status != "enforced" for r in results for s in r.sentences for t in s.terms)


def test_a_sentence_gets_the_same_numbers_alone_or_in_a_file(tiny_ar_en):
    """The numbers are found per sentence: each line's translation and numbers are the same translated alone
    (scores left out: the float transformers backend may differ in their last bits across batches)."""
    lines = _lines()
    translator = Translator(str(tiny_ar_en), numbers="enforce", **FAST)
    whole = translator.translate(lines, to="en")
    for line, result in zip(lines, whole):
        alone = translator.translate([line], to="en")[0]
        assert alone.translation == result.translation
        assert [[n.to_dict() for n in s.numbers] for s in alone.sentences] == [
            [n.to_dict() for n in s.numbers] for s in result.sentences
        ]


def test_cli_numbers_option_reports_per_sentence(tmp_path, run_cli, fast_tiny):
    source = tmp_path / "in.txt"
    source.write_text("\n".join(_lines()[2:]) + "\n", encoding="utf-8")
    out, report = tmp_path / "out.jsonl", tmp_path / "report.jsonl"
    code, _, err = run_cli(
        "translate", source, "--to", "en", "-o", out, "--report", report, "--numbers", "enforce", *fast_tiny
    )
    assert code == 0, err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    numbers = [n for row in rows for s in row["sentences"] for n in s.get("numbers", [])]
    assert {n["concept"] for n in numbers} >= {"number-100000"} and {n["status"] for n in numbers} <= {
        "verified",
        "enforced",
    }
    assert all(
        n["target"] in row["translation"] for row in rows for s in row["sentences"] for n in s.get("numbers", [])
    )
    reported = [
        n for line in report.read_text(encoding="utf-8").splitlines() for n in json.loads(line).get("numbers", [])
    ]
    assert reported == numbers
    assert "numbers:" in err
    code, _, err = run_cli(
        "translate", source, "--to", "en", "-o", tmp_path / "c.jsonl", "--numbers", "check", *fast_tiny
    )
    statuses = {
        n["status"]
        for line in (tmp_path / "c.jsonl").read_text(encoding="utf-8").splitlines()
        for s in json.loads(line)["sentences"]
        for n in s.get("numbers", [])
    }
    assert code == 0 and "missing" in statuses and "enforced" not in statuses
    code, _, err = run_cli("translate", source, "--to", "en", "--numbers", "always", *fast_tiny)
    assert code != 0 and "numbers" in err and "Traceback" not in err
