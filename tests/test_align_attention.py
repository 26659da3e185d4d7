"""Attention word alignment on a tiny random Marian model built offline (structure, ranges, merging, options)."""

from __future__ import annotations

import numpy as np
import pytest

from mt.alignment.attention import AttentionAligner, cross_attention, merge_to_words, piece_to_word, words_of
from mt.alignment.tokenize import tokenize
from mt.cli import main

SRC = ["قال الرئيس إن الاقتصاد ينمو بسرعة.", "مرحبا بالعالم", "ارتفعت الأسعار بنسبة 3.5% في عام 2020."]
TGT = ["The president said the economy is growing fast.", "Hello world", "Prices rose by 3.5% in 2020."]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    from mt.testing import build_model

    return build_model(tmp_path_factory.mktemp("tiny-ar-en"), size="tiny", pair="ar-en", seed=0)


def test_cross_attention_matrix(tiny_model):
    att = cross_attention(tiny_model, SRC[0], TGT[0])
    assert att.matrix.shape == (len(att.tgt_pieces) + 1, len(att.src_pieces) + 1)  # + </s> on both sides
    assert att.pieces_only.shape == (len(att.tgt_pieces), len(att.src_pieces))
    np.testing.assert_allclose(att.matrix.sum(axis=1), 1.0, atol=1e-4)  # softmax over source positions
    assert "".join(att.src_pieces).replace("\u2581", " ").strip() == SRC[0]


def test_batching_and_padding_do_not_change_attention(tiny_model):
    aligner = AttentionAligner(tiny_model, batch_size=8)
    together = aligner.attention(SRC, TGT)
    for k in range(len(SRC)):
        alone = aligner.attention([SRC[k]], [TGT[k]])[0]
        np.testing.assert_allclose(together[k].matrix, alone.matrix, atol=1e-5)


def test_layer_and_head_select_different_attention(tiny_model):
    last = AttentionAligner(tiny_model).attention(SRC[:1], TGT[:1])[0].matrix
    first_layer = AttentionAligner(tiny_model, layer=0).attention(SRC[:1], TGT[:1])[0].matrix
    other_head = AttentionAligner(tiny_model, head=1).attention(SRC[:1], TGT[:1])[0].matrix
    assert not np.allclose(last, first_layer) and not np.allclose(last, other_head)


def test_word_links_in_range(tiny_model):
    links = AttentionAligner(tiny_model).align(SRC, TGT)
    assert len(links) == len(SRC)
    for s, t, sentence_links in zip(SRC, TGT, links):
        n, m = len(tokenize(s, "ar")), len(tokenize(t, "en"))
        assert sentence_links, "every pair gets some link"
        assert all(0 <= i < n and 0 <= j < m for i, j in sentence_links)


def test_reverse_model_symmetrisation(tiny_model):
    # the same tiny model stands in for the reverse direction: only structure is checked here
    one_way = AttentionAligner(tiny_model).align(SRC, TGT)
    both = AttentionAligner(tiny_model, reverse_model=tiny_model, symmetrization="intersection").align(SRC, TGT)
    union = AttentionAligner(tiny_model, reverse_model=tiny_model, symmetrization="union").align(SRC, TGT)
    for a, b, u in zip(one_way, both, union):
        assert b <= a <= u


def test_piece_to_word_merges_subwords():
    text = "قال الرئيسُ، أمس."
    words = words_of(text, "ar")  # قال | الرئيسُ | ، | أمس | .
    pieces = ["\u2581قال", "\u2581الر", "ئيسُ", "،", "\u2581أ", "مس", "."]
    assert piece_to_word(pieces, text, words) == [{0}, {1}, {1}, {2}, {3}, {3}, {4}]
    # subword links (source piece, target piece) -> word links
    tgt_map = [{0}, {0}, {1}]
    assert merge_to_words({(1, 0), (2, 1), (4, 2)}, piece_to_word(pieces, text, words), tgt_map) == {(1, 0), (3, 1)}


def test_piece_to_word_survives_normalisation():
    # SentencePiece's NFKC turns the presentation-form lam-alef (U+FEFB) into two letters
    text = "\ufefbعب جيد"
    words = words_of(text, "ar")
    pieces = ["\u2581لا", "عب", "\u2581جيد"]
    mapping = piece_to_word(pieces, text, words)
    assert mapping[1] == {0} and mapping[2] == {1}


def test_pretokenized_words():
    assert [w.text for w in words_of("a  b,c d", "en", tokenized=True)] == ["a", "b,c", "d"]


def _write(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


def test_cli_words_attention(tiny_model, tmp_path, capsys):
    src, tgt = _write(tmp_path / "s.ar", SRC), _write(tmp_path / "t.en", TGT)
    assert main(["align", "words", src, tgt, "--method", "attention", "--model", str(tiny_model)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(SRC)
    for line, s, t in zip(lines, SRC, TGT):
        for link in line.split():
            i, j = map(int, link.split("-"))
            assert 0 <= i < len(tokenize(s, "ar")) and 0 <= j < len(tokenize(t, "en"))
    assert main(["align", "words", src, tgt, "--method", "attention", "--model", str(tiny_model),
                 "--head", "99"]) == 1
    assert "head 99 out of range" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_sentences_with_mt(tiny_model, tmp_path, capsys):
    """--mt translates the source with the project's Translator (a random tiny model here: structure only;
    slow because random weights decode up to the length limit)."""
    src = _write(tmp_path / "d.ar", SRC[1:])
    tgt = _write(tmp_path / "d.en", TGT[1:])
    assert main(["align", "sentences", src, tgt, "--mt", str(tiny_model)]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert sorted(int(i) for r in rows for i in r.split("\t")[0].split(",") if i) == [0, 1]
    assert sorted(int(j) for r in rows for j in r.split("\t")[1].split(",") if j) == [0, 1]
