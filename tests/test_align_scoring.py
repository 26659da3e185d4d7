"""Pharaoh parsing and the AER / sentence-alignment scorers on hand-computed cases, through API and CLI."""

from __future__ import annotations

import pytest

from mt.alignment import Alignment, parse_line, read_alignments, score_aer, score_sentence_alignment
from mt.alignment.pharaoh import format_links
from mt.alignment.scoring import score_sentence_documents
from mt.cli import main


def test_parse_sure_and_every_possible_notation():
    a = parse_line("0-0 1-2P 2-3-P 3p4 4P5 5-p-6 6?7 7-8-p")
    assert a.sure == {(0, 0)}
    assert a.possible == {(1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8)}
    assert parse_line("") == Alignment()


def test_parse_one_based_and_reverse():
    a = parse_line("1-2 3p1", one_based=True, reverse=True)
    assert a.sure == {(1, 0)} and a.possible == {(0, 2)}
    with pytest.raises(ValueError):
        parse_line("0-1", one_based=True)
    with pytest.raises(ValueError):
        parse_line("1:2")


def test_link_both_sure_and_possible_counts_as_sure():
    a = parse_line("0-0 0-0P")
    assert a.sure == {(0, 0)} and a.possible == set()


def test_format_round_trip():
    a = parse_line("2-1 0-0 1-1P")
    assert format_links(a.sure, a.possible) == "0-0 1-1P 2-1"
    assert parse_line(str(a)) == a


def test_aer_hand_computed():
    # gold: S = {0-0, 1-1}, P = S + {1-2}; prediction A = {0-0, 1-2, 2-2}
    gold = [parse_line("0-0 1-1 1-2P")]
    pred = [{(0, 0), (1, 2), (2, 2)}]
    score = score_aer(gold, pred)
    # |A&S| = 1, |A&P| = 2, |A| = 3, |S| = 2 -> P = 2/3, R = 1/2, AER = 1 - 3/5
    assert score.precision == pytest.approx(2 / 3)
    assert score.recall == pytest.approx(1 / 2)
    assert score.aer == pytest.approx(0.4)


def test_aer_sums_over_corpus_before_dividing():
    gold = [parse_line("0-0"), parse_line("0-0 1-1 2-2")]
    pred = [set(), {(0, 0), (1, 1), (2, 2)}]
    score = score_aer(gold, pred)
    assert score.recall == pytest.approx(3 / 4)
    assert score.precision == 1.0
    assert score.aer == pytest.approx(1 - 6 / 7)


def test_aer_perfect_and_empty():
    gold = [parse_line("0-0 1-1")]
    assert score_aer(gold, [{(0, 0), (1, 1)}]).aer == 0.0
    assert score_aer(gold, [set()]).aer == 1.0


def test_sentence_scores_hand_computed():
    gold = [((0,), (0,)), ((1,), (1, 2)), ((2,), ()), ((3,), (3,))]
    pred = [((0,), (0,)), ((1,), (1,)), ((), (2,)), ((2,), ()), ((3,), (3,))]
    s = score_sentence_alignment(gold, pred)
    # precision: test beads 0-0 hit, 1-1 lax hit, ()-2 miss (no source), 2-() hit, 3-3 hit
    assert s.precision_strict == pytest.approx(3 / 5)
    assert s.precision_lax == pytest.approx(4 / 5)
    # recall ignores deletions: gold {0-0, 1-12, 3-3} vs test {0-0, 1-1, 3-3}: strict 2/3, lax 3/3
    assert s.recall_strict == pytest.approx(2 / 3)
    assert s.recall_lax == 1.0
    assert s.f1_strict == pytest.approx(2 * 0.6 * (2 / 3) / (0.6 + 2 / 3))


def test_sentence_scores_documents_sum_counts():
    doc = [((0,), (0,)), ((1,), (1,))]
    wrong = [((0,), (1,)), ((1,), (0,))]
    s = score_sentence_documents([doc, doc], [doc, wrong])
    assert s.precision_strict == pytest.approx(0.5)
    assert s.precision_lax == pytest.approx(0.5)


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_cli_score(tmp_path, capsys):
    gold = _write(tmp_path / "gold", "0-0 1-1 1-2P\n0-0\n")
    pred = _write(tmp_path / "pred", "0-0 1-2 2-2\n0-0\n")
    assert main(["align", "score", gold, pred]) == 0
    out = capsys.readouterr().out
    # |A|=4, |S|=3, |A&S|=2, |A&P|=3 -> AER = 1 - 5/7
    assert f"AER\t{100 * (1 - 5 / 7):.2f}" in out
    assert "precision\t75.00" in out and "recall\t66.67" in out


def test_cli_score_one_based_gold(tmp_path, capsys):
    gold = _write(tmp_path / "gold", "1-1 2-2 2p3\n")
    pred = _write(tmp_path / "pred", "0-0 1-1\n")
    assert main(["align", "score", gold, pred, "--one-based"]) == 0
    assert "AER\t0.00" in capsys.readouterr().out


def test_cli_score_errors(tmp_path, capsys):
    gold = _write(tmp_path / "gold", "0-0\n0-1 x\n")
    pred = _write(tmp_path / "pred", "0-0\n0-1\n")
    assert main(["align", "score", gold, pred]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mt: error: ") and f"{gold}:2:" in err and len(err.strip().splitlines()) == 1

    gold = _write(tmp_path / "gold", "0-0\n")
    assert main(["align", "score", gold, pred]) == 1
    assert "line count differs" in capsys.readouterr().err


def test_cli_score_out_of_range_gold(tmp_path, capsys):
    src = _write(tmp_path / "src", "a b\nc d\n")
    tgt = _write(tmp_path / "tgt", "x y\nz w\n")
    gold = _write(tmp_path / "gold", "0-0 1-1\n0-0 2-1\n")
    pred = _write(tmp_path / "pred", "0-0\n0-0\n")
    assert main(["align", "score", gold, pred, "--src", src, "--tgt", tgt, "--tokenized"]) == 1
    err = capsys.readouterr().err
    assert f"{gold}:2: link 2-1 out of range" in err


def test_read_alignments_names_file_and_line(tmp_path):
    path = tmp_path / "bad"
    path.write_text("0-0\n\n1--2\n", encoding="utf-8")
    from mt.errors import InputError

    with pytest.raises(InputError, match=r"bad:3: not an alignment link"):
        read_alignments(path)


def test_cli_score_sentences(tmp_path, capsys):
    gold = _write(tmp_path / "gold.tsv", "0\t0\n1\t1,2\n2\t\n3\t3\n")
    pred = _write(tmp_path / "pred.tsv", "0\t0\t-0.1\tس\tx\n1\t1\t-2\t\t\n\t2\t-5\t\t\n2\t\t-5\t\t\n3\t3\t0\t\t\n")
    assert main(["align", "score-sentences", gold, pred]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split("\t") == ["strict", "0.6000", "0.6667", f"{2 * 0.6 * (2 / 3) / (0.6 + 2 / 3):.4f}"]
    assert out[2].split("\t")[:3] == ["lax", "0.8000", "1.0000"]


def test_cli_score_sentences_reads_vecalign_format(tmp_path, capsys):
    gold = _write(tmp_path / "gold", "[0]:[0]\n[1, 2]:[1]\n[]:[2]\n")
    pred = _write(tmp_path / "pred.tsv", "0\t0\n1,2\t1\n\t2\n")
    assert main(["align", "score-sentences", gold, pred]) == 0
    assert "strict\t1.0000\t1.0000\t1.0000" in capsys.readouterr().out


def test_cli_score_sentences_bad_gold(tmp_path, capsys):
    pred = _write(tmp_path / "pred.tsv", "0\t0\n")
    gold = _write(tmp_path / "gold.tsv", "0\t0\n0\t1\n")
    assert main(["align", "score-sentences", gold, pred]) == 1
    assert f"{gold}:2: source line 0 already used on line 1" in capsys.readouterr().err
    gold = _write(tmp_path / "gold.tsv", "0\tone\n")
    assert main(["align", "score-sentences", gold, pred]) == 1
    assert f"{gold}:1: bad line numbers" in capsys.readouterr().err


def test_cli_score_sentences_out_of_range(tmp_path, capsys):
    src = _write(tmp_path / "src", "a\nb\n")
    tgt = _write(tmp_path / "tgt", "x\ny\n")
    gold = _write(tmp_path / "gold.tsv", "0\t0\n1\t2\n")
    pred = _write(tmp_path / "pred.tsv", "0\t0\n1\t1\n")
    assert main(["align", "score-sentences", gold, pred, "--src-doc", src, "--tgt-doc", tgt]) == 1
    assert f"{gold}:2: target line 2 out of range (document has 2 lines)" in capsys.readouterr().err


def test_cli_score_one_indexed_gold_hand_computed(tmp_path, capsys):
    # gold 1-based: sure {(0,0), (1,2)}, possible {(2,1)}; predicted 0-based {(0,0), (2,1), (1,1)}
    # |A&S| = 1, |A&P| = 2: P = 2/3, R = 1/2, AER = 1 - (1 + 2) / (3 + 2) = 0.4
    gold = _write(tmp_path / "gold", "1-1 2-3 3p2\n")
    pred = _write(tmp_path / "pred", "0-0 2-1 1-1\n")
    assert main(["align", "score", gold, pred, "--one-indexed"]) == 0
    out = capsys.readouterr().out
    assert "AER\t40.00" in out and "precision\t66.67" in out and "recall\t50.00" in out
    # read 0-based by mistake, the same gold scores differently (and names no index 0 error)
    assert main(["align", "score", gold, pred]) == 0
    assert "AER\t40.00" not in capsys.readouterr().out


def test_read_alignments_uses_the_shared_reader(tmp_path):
    from mt.errors import InputError

    cr = tmp_path / "cr.align"
    cr.write_bytes(b"\xef\xbb\xbf0-0 1-1\r\r2-1\r")  # BOM and CR-only line ends, as in every other input
    assert [sorted(a.sure) for a in read_alignments(cr)] == [[(0, 0), (1, 1)], [], [(2, 1)]]
    binary = tmp_path / "links.bin"
    binary.write_bytes(b"0-0\x00\n")
    with pytest.raises(InputError, match="binary file"):
        read_alignments(binary)
