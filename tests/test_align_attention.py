"""Attention word alignment on a tiny random Marian model built offline (structure, ranges, merging, options)."""

from __future__ import annotations

import numpy as np
import pytest

from mt.alignment.attention import AttentionAligner, cross_attention, merge_to_words, piece_to_word, words_of
from mt.alignment.tokenize import tokenize
from mt.cli import main
from tests.conftest import SEEDS
from tests.test_ct2_backend import sharpen

SRC = ["قال الرئيس إن الاقتصاد ينمو بسرعة.", "مرحبا بالعالم", "ارتفعت الأسعار بنسبة 3.5% في عام 2020."]
TGT = ["The president said the economy is growing fast.", "Hello world", "Prices rose by 3.5% in 2020."]


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    from mt.testing import build_model

    return build_model(tmp_path_factory.mktemp("tiny-ar-en"), size="tiny", pair="ar-en", seed=0)


def test_cross_attention_matrix(tiny_model):
    att = cross_attention(tiny_model, SRC[0], TGT[0])
    assert att.matrix.shape == (len(att.tgt_pieces), len(att.src_pieces) + 1)  # + the source's </s>
    assert att.pieces_only.shape == (len(att.tgt_pieces), len(att.src_pieces))
    np.testing.assert_allclose(att.matrix.sum(axis=1), 1.0, atol=1e-4)  # softmax over source positions
    assert "".join(att.src_pieces).replace("\u2581", " ").strip() == SRC[0]


def test_attention_is_the_backends_alignment_head(tiny_model):
    """One attention path: the aligner's matrices are the decoding backend's (the call the enforcer uses)."""
    aligner = AttentionAligner(tiny_model)
    backend = aligner.backend()
    for att, s, t in zip(aligner.attention(SRC, TGT), SRC, TGT):
        expected = backend.attention(backend.vocab.encode_source(s), backend.vocab.encode_target(t))
        # the aligner decodes the pairs as one batch: equal up to float rounding
        np.testing.assert_allclose(att.matrix, np.array(expected, dtype=np.float32), rtol=0, atol=1e-6)


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
    assert main(["align", "words", src, tgt, "--method", "attention", "--model", str(tiny_model), "--head", "99"]) == 1
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


@pytest.fixture(scope="module")
def sharp_pair(tiny_model, tmp_path_factory):
    """A sharp tiny model (peaked attention, see tests/test_ct2_backend.py) and its CTranslate2 conversion."""
    from mt.models.convert import convert

    root = tmp_path_factory.mktemp("sharp-align")
    hf_dir = sharpen(tiny_model, root / "hf")
    return hf_dir, convert(str(hf_dir), root / "ct2", quantization="float32")


def test_attention_alignment_gives_the_same_links_on_both_backends(sharp_pair):
    hf_dir, ct2_dir = sharp_pair
    hf_links = AttentionAligner(hf_dir).align(SRC, TGT)
    ct2_links = AttentionAligner(ct2_dir).align(SRC, TGT)
    assert hf_links == ct2_links
    assert all(hf_links)
    hf_att, ct2_att = AttentionAligner(hf_dir).attention(SRC, TGT), AttentionAligner(ct2_dir).attention(SRC, TGT)
    for a, b in zip(hf_att, ct2_att):
        np.testing.assert_allclose(a.matrix, b.matrix, atol=1e-4)


def test_cli_words_attention_accepts_a_ctranslate2_directory(sharp_pair, tmp_path, capsys):
    hf_dir, ct2_dir = sharp_pair
    src, tgt = _write(tmp_path / "s.ar", SRC), _write(tmp_path / "t.en", TGT)
    outputs = []
    for model in (hf_dir, ct2_dir):
        assert main(["align", "words", src, tgt, "--method", "attention", "--model", str(model)]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and len(outputs[0].splitlines()) == len(SRC)
    # CTranslate2 keeps only the alignment head: another head is a one-line error, not a crash
    assert main(["align", "words", src, tgt, "--method", "attention", "--model", str(ct2_dir), "--head", "1"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "only the alignment head" in err


def test_a_pair_longer_than_the_models_positions_is_a_clear_error(tiny_model, tmp_path, capsys):
    """Was an IndexError from the position embeddings: now refused before any pair is decoded, naming the line."""
    long_ar = " ".join([SRC[0]] * 60)  # about 600 source pieces: more than the tiny model's 512 positions
    src, tgt = _write(tmp_path / "s.ar", [SRC[1], long_ar]), _write(tmp_path / "t.en", [TGT[1], TGT[0]])
    code = main(["align", "words", src, tgt, "--method", "attention", "--model", str(tiny_model)])
    err = capsys.readouterr().err.strip()
    assert code == 1, err
    assert len(err.splitlines()) == 1 and "line 2:" in err and "positions" in err, err


def test_reverse_model_on_the_seed_article(tiny_model, tmp_path, capsys):
    """Was an IndexError: the English side of the seed article, read by the (stand-in) reverse model's Arabic
    SentencePiece, runs to 592 pieces on line 5. The forward alignment of the same files works."""
    src, tgt = SEEDS / "article.ar.txt", SEEDS / "article.en.txt"
    assert main(["align", "words", str(src), str(tgt), "--method", "attention", "--model", str(tiny_model)]) == 0
    forward = capsys.readouterr().out.splitlines()
    assert len(forward) == 9 and all(forward)
    code = main(
        [
            "align",
            "words",
            str(src),
            str(tgt),
            "--method",
            "attention",
            "--model",
            str(tiny_model),
            "--reverse-model",
            str(tiny_model),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 1, err
    assert len(err.splitlines()) == 1 and "line 5:" in err and "reverse model" in err, err


def test_links_do_not_depend_on_the_batch_size(tiny_model, sharp_pair):
    """Pairs are force-decoded 16 at a time (similar lengths together): the seed article's links and matrices
    are the ones one pair at a time gives, on the hf backend and on a CTranslate2 conversion."""
    src = (SEEDS / "article.ar.txt").read_text(encoding="utf-8").splitlines()
    tgt = (SEEDS / "article.en.txt").read_text(encoding="utf-8").splitlines()
    assert len(src) == len(tgt) == 9
    for model in (tiny_model, sharp_pair[1]):
        one = AttentionAligner(model, batch_size=1)
        for size in (16, 4):
            batched = AttentionAligner(model, batch_size=size)
            assert batched.align(src, tgt) == one.align(src, tgt)
            for a, b in zip(batched.attention(src, tgt), one.attention(src, tgt)):
                np.testing.assert_allclose(a.matrix, b.matrix, atol=1e-5)


def test_batches_group_similar_lengths_and_keep_the_order(tiny_model):
    aligner = AttentionAligner(tiny_model, batch_size=2)
    pairs = [(["a"] * n, ["b"] * n) for n in (9, 1, 5, 2, 8)]
    assert aligner._batches(pairs) == [[1, 3], [2, 4], [0]]
    src, tgt = [SRC[0], SRC[1], SRC[2]], [TGT[0], TGT[1], TGT[2]]
    for att, s in zip(aligner.attention(src, tgt), src):  # results come back in input order
        assert "".join(att.src_pieces).replace("\u2581", " ").strip() == s


def test_cli_batch_size_is_checked_before_any_work(tiny_model, tmp_path, capsys):
    src, tgt = _write(tmp_path / "s.ar", SRC), _write(tmp_path / "t.en", TGT)
    base = ["align", "words", src, tgt, "--method", "attention", "--model", str(tiny_model)]
    assert main(base + ["--batch-size", "0"]) == 2  # a usage error, as typer reports a value out of its range
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--batch-size" in err, err
    assert main(base + ["--batch-size", "1"]) == 0
    one = capsys.readouterr().out
    assert main(base) == 0
    assert capsys.readouterr().out == one and len(one.splitlines()) == len(SRC)


def test_stderr_carries_no_transformers_progress_or_logging(tiny_model, tmp_path, capfd):
    """Loading the model prints no transformers "Loading weights" bar or log lines, even where something turned
    them on before (the backend silences them when it loads)."""
    from transformers.utils import logging as hf_logging

    src, tgt = _write(tmp_path / "s.ar", SRC), _write(tmp_path / "t.en", TGT)
    hf_logging.enable_progress_bar()
    hf_logging.set_verbosity_info()
    try:
        code = main(["align", "words", src, tgt, "--method", "attention", "--model", str(tiny_model)])
    finally:
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
    captured = capfd.readouterr()
    assert code == 0 and len(captured.out.splitlines()) == len(SRC)
    assert captured.err == "", captured.err
