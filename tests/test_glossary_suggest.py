"""Suggesting concepts from parallel text, and the glossary linter."""

from __future__ import annotations

import pytest

from mt.errors import InputError
from mt.glossary import Glossary, make_concept
from mt.glossary.lint import check_against, check_concept, lint
from mt.glossary.suggest import DEFAULT_NAMES_TABLE, NameTable, english_names, suggest, translit_score
from mt.text.arabic import normalize
from tests.conftest import DATA, REPO, SEEDS


@pytest.fixture(scope="module")
def names() -> NameTable:
    return NameTable.load(DEFAULT_NAMES_TABLE)


def _lines(path):
    return path.read_text(encoding="utf-8").rstrip("\n").split("\n")


def test_english_name_spans():
    line = (
        "At the Boao Forum for Asia held last March, Jack Ma, chairman of Alibaba, called for an electronic "
        "World Trade Platform, also known as eWTP, to help AliExpress's sellers."
    )
    got = english_names(line)
    assert {"Boao Forum for Asia", "Jack Ma", "Alibaba", "eWTP", "AliExpress"} <= set(got)
    assert "At" not in got and "March" in got


def test_suggest_on_the_seed_article(names):
    src, tgt = _lines(SEEDS / "article.ar.txt"), _lines(SEEDS / "article.en.txt")
    found = {s.en: s for s in suggest(src, tgt, names=names)}
    assert found["Wang Jian"].ar == "وانغ جيان" and found["Wang Jian"].evidence == "names-table"
    assert found["Shen Yang"].ar == "شن يانغ"
    assert found["Taobao"].ar == "تاوباو"
    assert found["Alibaba"].ar == "علي بابا"
    known = Glossary.load(REPO / "glossaries" / "ecommerce.tsv")
    rest = suggest(src, tgt, names=names, glossary=known)
    assert not {"Wang Jian", "Shen Yang", "Taobao", "Alibaba"} & {s.en for s in rest}


def test_suggest_on_flores(names):
    src = _lines(DATA / "flores200" / "flores200.dev.arb_Arab")[:400]
    tgt = _lines(DATA / "flores200" / "flores200.dev.eng_Latn")[:400]
    found = suggest(src, tgt, names=names)
    assert len(found) > 30
    pairs = {(s.ar, s.en) for s in found}
    good = sum(translit_score([normalize(w).text for w in s.ar.split()], s.en, names) >= 0.75 for s in found)
    assert good / len(found) > 0.5
    assert any(en == "Australia" for _, en in pairs) or any(en == "Berlin" for _, en in pairs)
    with pytest.raises(InputError, match="not line-aligned"):
        suggest(src, tgt[:-1])


def test_lint_finds_conflicts_and_gaps():
    a = make_concept("alibaba", ["علي بابا"], ["Alibaba"], ["阿里巴巴"])
    b = make_concept("ali-baba-story", ["عَلي بابا", "علي بابا والأربعين"], ["Ali Baba"], [])
    c = make_concept("alibaba-copy", ["علي بابا"], ["Alibaba"], ["阿里巴巴"])
    issues = lint([a, b, c])
    messages = [(i.level, i.concept_id, i.message) for i in issues]
    assert ("error", "ali-baba-story", "conflicting source variant 'عَلي بابا': also in concept 'alibaba'") in messages
    assert any(
        level == "error" and cid == "alibaba-copy" and "duplicate source variant" in m for level, cid, m in messages
    )
    assert ("warning", "ali-baba-story", "no zh target") in messages
    assert check_against(b, [a])[0].level == "error"
    assert check_concept(a) == []
    shipped = Glossary.load(REPO / "glossaries" / "ecommerce.tsv")
    assert [i for i in lint(shipped.concepts) if i.level != "info"] == []
