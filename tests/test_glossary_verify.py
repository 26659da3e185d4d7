"""Target-side verification: accepted and forbidden forms in English and Chinese output."""

from __future__ import annotations

import pytest

from mt.glossary import Glossary, find_forbidden, find_target
from tests.conftest import REPO, SEEDS

G = Glossary.load(REPO / "glossaries" / "ecommerce.tsv")


def spans(text, cid, lang):
    return [text[s:e] for s, e in find_target(text, G.get(cid), lang)]


def test_english_forms():
    text = (
        "AliExpress's sales and ALIEXPRESS. Two AIIBs; aliexpresso is not it; the Asian Infrastructure Investment Bank"
    )
    assert spans(text, "aliexpress", "en") == ["AliExpress's", "ALIEXPRESS"]
    assert spans(text, "aiib", "en") == ["AIIBs", "Asian Infrastructure Investment Bank"]
    assert spans("Taobao villages and Taobao’s growth", "taobao", "en") == ["Taobao", "Taobao’s"]
    assert spans("the Boao Forum for Asia", "boao-forum-for-asia", "en") == ["Boao Forum for Asia"]


def test_chinese_forms_after_t2s_and_nfkc():
    assert spans("亚投行和亞洲基礎設施投資銀行", "aiib", "zh") == ["亚投行", "亞洲基礎設施投資銀行"]
    assert spans("全球速卖通上的速賣通", "aliexpress", "zh") == ["全球速卖通", "速賣通"]
    assert spans("ｅＷＴＰ平台", "ewtp", "zh") == ["ｅＷＴＰ"]


def test_forbidden_forms():
    assert find_forbidden("He visited Hubei and Hebei.", G.get("hebei"), "en") == [(11, 16)]
    assert find_forbidden("阿里快递的全球速卖通", G.get("aliexpress"), "zh") == [(0, 4)]
    assert find_forbidden("全球速卖通", G.get("aliexpress"), "zh") == []
    assert find_forbidden("马云和马旗戟", G.get("ma-qiji"), "zh") == [(0, 2)]


def test_seed_references_carry_the_terms():
    en = (SEEDS / "article.en.txt").read_text(encoding="utf-8")
    zh = (SEEDS / "article.zh.txt").read_text(encoding="utf-8")
    for cid in (
        "aliexpress",
        "alibaba",
        "jack-ma",
        "tsinghua-university",
        "peking-university",
        "belt-and-road",
        "boao-forum-for-asia",
        "ewtp",
        "aiib",
        "hebei",
        "zhejiang",
        "yiwu",
        "taobao",
    ):
        assert find_target(en, G.get(cid), "en"), cid
        assert find_target(zh, G.get(cid), "zh"), cid


def test_unknown_language():
    from mt.errors import GlossaryError

    with pytest.raises(GlossaryError):
        find_target("x", G.get("aiib"), "fr")
