"""Statistical word alignment on real ar-en and ar-zh text, tokenisation, symmetrisation and the words CLI.

The gold is self-made: in TICO-19 dev, every sentence pair holding both the Arabic and the English (or
Chinese) form of a term from the TICO-19 Facebook term table is a known correspondence between two token
spans; the aligner should link them.
"""

from __future__ import annotations

import csv

import pytest

from pathlib import Path
from mt.alignment import StatisticalAligner, eflomal_available, symmetrize, tokenize
from mt.alignment.terms import find_term_instances, score_term_links
from mt.alignment.statistical import _direction
from mt.alignment.tokenize import normalize_for_statistics, split_chinese, tokenize_with_offsets
from mt.cli import main

DATA = Path(__file__).resolve().parent.parent / "eval" / "data"


def _lines(name: str) -> list[str]:
    return (DATA / name).read_text(encoding="utf-8").splitlines()


def _terms(lang: str) -> list[tuple[str, str]]:
    column = {"en": "en", "zh": "zh_CN"}[lang]
    with open(DATA / "tico19" / "tico19.terminology.facebook.en-ar-zh.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(r["ar"], form.strip()) for r in rows for form in r[column].split(":") if r["ar"].strip() and form.strip()]


@pytest.fixture(scope="module", params=["en", "zh"])
def tico(request):
    lang = request.param
    src = [tokenize(line, "ar") for line in _lines("tico19/tico19.dev.ar")]
    tgt = [tokenize(line, lang) for line in _lines(f"tico19/tico19.dev.{lang}")]
    instances = find_term_instances(src, tgt, _terms(lang), tgt_lang=lang)
    return lang, src, tgt, instances


def test_term_links_fastalign(tico):
    lang, src, tgt, instances = tico
    assert len(instances) > 400  # hundreds of term occurrences in 971 sentence pairs
    aligner = StatisticalAligner(backend="fastalign", tgt_lang=lang)
    links = aligner.align(src, tgt)
    assert links == aligner.align(src, tgt)  # deterministic
    assert len(links) == len(src)
    for k, sentence_links in enumerate(links):
        assert all(0 <= i < len(src[k]) and 0 <= j < len(tgt[k]) for i, j in sentence_links)
    score = score_term_links(instances, links)
    # measured (agreement training): en 0.986 linked / 0.893 contained; zh 0.946 / 0.670
    # (directions trained apart: en 0.976 / 0.767; zh 0.939 / 0.668)
    assert score.linked_rate >= 0.90
    assert score.contained_rate >= (0.85 if lang == "en" else 0.60)


@pytest.mark.slow
@pytest.mark.skipif(not eflomal_available(), reason="eflomal (optional extra tarjama[align]) not installed")
def test_term_links_eflomal(tico):
    lang, src, tgt, instances = tico
    links = StatisticalAligner(backend="eflomal", tgt_lang=lang).align(src, tgt)
    score = score_term_links(instances, links)
    # eflomal's sampler seeds itself from /dev/urandom, so these vary from run to run. Measured: linked en
    # 0.934-0.960 (12 runs), zh 0.956-0.970 (19 runs); contained en 0.863-0.901, zh 0.584-0.851 (the low one a
    # CI run): a few frequent terms dominate zh. كورونا -> 冠状 alone is 65 of the 570 instances and flips
    # between 36 and 62 contained as a whole. The bounds sit below those ranges.
    assert score.linked_rate >= 0.90
    assert score.contained_rate >= (0.80 if lang == "en" else 0.50)


@pytest.mark.skipif(not eflomal_available(), reason="eflomal (optional extra tarjama[align]) not installed")
def test_eflomal_backend_runs():
    src = [tokenize(line, "ar") for line in _lines("tico19/tico19.dev.ar")[:150]]
    tgt = [tokenize(line, "en") for line in _lines("tico19/tico19.dev.en")[:150]]
    aligner = StatisticalAligner(backend="eflomal", iterations=2)
    links = aligner.align(src, tgt)
    assert len(links) == len(src)
    assert all(0 <= i < len(s) and 0 <= j < len(t) for s, t, ls in zip(src, tgt, links) for i, j in ls)
    assert sum(map(len, links)) > 0.5 * sum(map(len, tgt))


def test_extra_corpus_improves_statistics():
    """Aligning 150 pairs alone vs with 2,000 extra pairs: term links must not get worse, and the extra pairs
    must not leak into the output."""
    n = 150
    ar, en = _lines("tico19/tico19.dev.ar"), _lines("tico19/tico19.dev.en")
    src = [tokenize(x, "ar") for x in ar]
    tgt = [tokenize(x, "en") for x in en]
    instances = [i for i in find_term_instances(src[:n], tgt[:n], _terms("en"))]
    aligner = StatisticalAligner(backend="fastalign")
    alone = score_term_links(instances, aligner.align(src[:n], tgt[:n]))
    with_extra = aligner.align(src[:n], tgt[:n], extra_src=src[n:], extra_tgt=tgt[n:])
    assert len(with_extra) == n
    assert score_term_links(instances, with_extra).contained >= alone.contained


def test_tokenize_arabic_english_chinese():
    assert tokenize("قال الرئيسُ: 1,000 شخص (2020).", "ar") == [
        "قال",
        "الرئيسُ",
        ":",
        "1,000",
        "شخص",
        "(",
        "2020",
        ")",
        ".",
    ]
    assert tokenize("والكتاب للطلاب", "ar", split_clitics=True) == ["و", "الكتاب", "ل", "لطلاب"]
    assert tokenize("It's COVID-19, isn't it?", "en") == ["It's", "COVID", "-", "19", ",", "isn't", "it", "?"]
    assert tokenize("新冠病毒COVID-19在2020年", "zh") == [
        "新",
        "冠",
        "病",
        "毒",
        "COVID",
        "-",
        "19",
        "在",
        "2020",
        "年",
    ]
    assert tokenize("a  b\tc", "en", tokenized=True) == ["a", "b", "c"]
    text = "ذهب الولدُ"
    assert [text[t.start : t.end] for t in tokenize_with_offsets(text, "ar")] == ["ذهب", "الولدُ"]


def test_statistics_keys_pool_arabic_forms():
    assert normalize_for_statistics("والمستشفى", "ar") == normalize_for_statistics("المستشفى", "ar") == "مستشفي"
    assert normalize_for_statistics("وزير", "ar") == "وزير"  # a word that starts with waw keeps it
    assert normalize_for_statistics("Hospital", "en") == "hospital"


def test_symmetrize_methods():
    fwd = {(0, 0), (1, 1), (2, 1)}
    bwd = {(0, 0), (1, 1), (1, 2)}
    assert symmetrize(fwd, bwd, "intersection") == {(0, 0), (1, 1)}
    assert symmetrize(fwd, bwd, "union") == fwd | bwd
    assert symmetrize(fwd, bwd, "grow-diag") == {(0, 0), (1, 1), (2, 1), (1, 2)}
    # grow-diag-final-and adds a link only where both words are still unaligned
    assert symmetrize({(0, 0), (3, 3)}, {(0, 0)}, "grow-diag-final-and") == {(0, 0), (3, 3)}
    assert symmetrize({(0, 0), (0, 3)}, {(0, 0)}, "grow-diag-final-and") == {(0, 0)}
    assert symmetrize({(0, 0), (0, 3)}, {(0, 0)}, "grow-diag-final") == {(0, 0), (0, 3)}


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def test_cli_words_statistical(tmp_path, capsys):
    ar, en = _lines("tico19/tico19.dev.ar")[:60], _lines("tico19/tico19.dev.en")[:60]
    src, tgt = _write(tmp_path / "a.ar", ar), _write(tmp_path / "a.en", en)
    extra_src = _write(tmp_path / "x.ar", _lines("flores200/flores200.dev.arb_Arab")[:300])
    extra_tgt = _write(tmp_path / "x.en", _lines("flores200/flores200.dev.eng_Latn")[:300])
    out = tmp_path / "links"
    rc = main(["align", "words", src, tgt, "--backend", "fastalign", "--corpus", extra_src, extra_tgt, "-o", str(out)])
    assert rc == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 60
    for a, e, line in zip(ar, en, lines):
        n, m = len(tokenize(a, "ar")), len(tokenize(e, "en"))
        for link in line.split():
            i, j = map(int, link.split("-"))
            assert 0 <= i < n and 0 <= j < m
    assert main(["align", "words", src, tgt, "-o", str(out)]) == 1
    assert "already exists; use --force" in capsys.readouterr().err


def test_cli_words_pretokenized(tmp_path, capsys):
    src = _write(tmp_path / "s", ["a b c", "b c", "a c"] * 20)
    tgt = _write(tmp_path / "t", ["x y z", "y z", "x z"] * 20)
    assert (
        main(
            [
                "align",
                "words",
                src,
                tgt,
                "--tokenized",
                "--backend",
                "fastalign",
                "--src-lang",
                "en",
                "--tgt-lang",
                "en",
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["0-0 1-1 2-2", "0-0 1-1", "0-0 1-1"]


def test_cli_words_bad_input(tmp_path, capsys):
    src = _write(tmp_path / "s", ["a b", "c d", "e"])
    tgt = _write(tmp_path / "t", ["x y", "z w"])
    assert main(["align", "words", src, tgt]) == 1
    err = capsys.readouterr().err
    assert f"{tgt}:3: line count differs" in err and len(err.strip().splitlines()) == 1
    tgt = _write(tmp_path / "t", ["x y", "", "z"])
    assert main(["align", "words", src, tgt]) == 1
    assert f"{tgt}:2: empty line" in capsys.readouterr().err
    assert main(["align", "words", src, src, "--method", "attention"]) == 1
    assert "needs --model" in capsys.readouterr().err
    assert main(["align", "words", src, src, "--method", "magic"]) == 1
    assert "unknown method" in capsys.readouterr().err


def test_split_chinese_words_into_characters():
    assert split_chinese("1500万") == ["1500", "万"]
    assert split_chinese("4.6亿") == ["4.6", "亿"]
    assert split_chinese("葛兰素-史克") == ["葛", "兰", "素", "-", "史", "克"]
    assert split_chinese("阿什拉夫·哈尼") == ["阿", "什", "拉", "夫", "·", "哈", "尼"]
    assert split_chinese("7.7%") == ["7.7", "%"] == tokenize("7.7%", "zh")  # as the tokeniser cuts running text
    assert split_chinese("dax") == ["dax"] and split_chinese("2002") == ["2002"] and split_chinese("，") == ["，"]


def _pair_words(chars: list[str]) -> list[str]:
    """Pre-segmented 'words': every two neighbouring CJK characters joined (a stand-in for a segmenter)."""
    words: list[str] = []
    for c in chars:
        if words and len(words[-1]) == 1 and "\u4e00" <= words[-1] <= "\u9fff" and "\u4e00" <= c <= "\u9fff":
            words[-1] += c
        else:
            words.append(c)
    return words


def test_pre_segmented_chinese_shares_character_statistics():
    """Word-segmented Chinese (as --tokenized gold sets are) and the tool's characters give the aligner the
    same units, so an extra corpus tokenised by the tool pools with them; links come back per given word."""
    zh = [tokenize(x, "zh") for x in _lines("flores200/flores200.dev.zho_Hans")[:300]]
    en = [tokenize(x, "en") for x in _lines("flores200/flores200.dev.eng_Latn")[:300]]
    words = [_pair_words(s) for s in zh[:100]]
    assert sum(map(len, words)) < 0.8 * sum(map(len, zh[:100]))  # really coarser than characters
    aligner = StatisticalAligner(backend="fastalign", src_lang="zh", tgt_lang="en")
    f_words, b_words, owners = aligner.directional(words, en[:100], extra_src=zh[100:], extra_tgt=en[100:])
    f_chars, b_chars, _ = aligner.directional(zh[:100], en[:100], extra_src=zh[100:], extra_tgt=en[100:])
    assert f_words == f_chars and b_words == b_chars  # identical statistics, whatever the segmentation
    for w, (own_src, own_tgt), c in zip(words, owners, zh[:100]):
        assert ["".join(c[k] for k, o in enumerate(own_src) if o == i) for i in range(len(w))] == w
        assert own_tgt == list(range(len(own_tgt)))
    links = aligner.align(words, en[:100], extra_src=zh[100:], extra_tgt=en[100:])
    for w, e, (own_src, _), f, b, ls in zip(words, en, owners, f_chars, b_chars, links):
        assert all(0 <= i < len(w) and 0 <= j < len(e) for i, j in ls)
        # every word-level link comes from a character link of one of the two directions
        assert ls <= {(own_src[i], j) for i, j in f | b}


def test_agreement_pairs_the_same_link_in_both_directions():
    src = [["a", "b"], ["c"], ["a", "c", "d"]]
    tgt = [["x"], ["y", "z"], ["x", "z"]]
    forward = _direction(src, tgt, 4.0, 0.08)
    backward = _direction(tgt, src, 4.0, 0.08)
    rank_f, rank_b = forward.real_order(flip=False), backward.real_order(flip=True)
    links_f = list(zip(forward.pair[rank_f], forward.i[rank_f] - 1, forward.j[rank_f]))
    links_b = list(zip(backward.pair[rank_b], backward.j[rank_b], backward.i[rank_b] - 1))
    assert links_f == links_b
    assert len(links_f) == 2 * 1 + 1 * 2 + 3 * 2  # every (source token, target token) of every pair once


def test_agreement_training_is_deterministic_and_tighter():
    """Joint training (alignment by agreement) against the two directions trained apart, on TICO-19 ar-en:
    same link budget or less, and term links at least as contained."""
    n = 300
    src = [tokenize(x, "ar") for x in _lines("tico19/tico19.dev.ar")[:n]]
    tgt = [tokenize(x, "en") for x in _lines("tico19/tico19.dev.en")[:n]]
    instances = find_term_instances(src, tgt, _terms("en"))
    joint = StatisticalAligner(backend="fastalign")
    apart = StatisticalAligner(backend="fastalign", agreement=False)
    links = joint.align(src, tgt)
    assert links == joint.align(src, tgt)
    alone = apart.align(src, tgt)
    assert score_term_links(instances, links).contained_rate >= score_term_links(instances, alone).contained_rate


@pytest.mark.skipif(not eflomal_available(), reason="eflomal (optional extra tarjama[align]) not installed")
def test_eflomal_long_line_gets_fastalign_links_and_a_warning(caplog):
    """eflomal writes a sentence of 1,024 units or more as an empty one (no link, no warning): such a pair is
    aligned by fast_align instead, with a warning naming the line."""
    ar, en = _lines("tico19/tico19.dev.ar"), _lines("tico19/tico19.dev.en")
    long_ar = " ".join(ar[150:260]).split()[:1100]  # real text, concatenated: over 1,023 tokens each side
    long_en = " ".join(en[150:260]).split()[:1100]
    src = [tokenize(line, "ar") for line in ar[:150]] + [tokenize(" ".join(long_ar), "ar")]
    tgt = [tokenize(line, "en") for line in en[:150]] + [tokenize(" ".join(long_en), "en")]
    assert min(len(src[-1]), len(tgt[-1])) > 1023
    with caplog.at_level("WARNING", logger="mt.alignment.statistical"):
        links = StatisticalAligner(backend="eflomal", iterations=2).align(src, tgt)
    assert len(links[-1]) > 0.3 * len(tgt[-1])
    assert "1 line(s) longer than eflomal's 1023 tokens (line 151)" in caplog.text
