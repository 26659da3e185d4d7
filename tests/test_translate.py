"""`mt translate` end to end with tiny random models: structure, errors, atomic output, determinism, API."""

from __future__ import annotations

import json
import os

import pytest

from mt.errors import InputError
from tests.conftest import DATA, SEEDS

SEED = SEEDS / "article.ar.txt"
FLORES_AR = DATA / "flores200" / "flores200.dev.arb_Arab"


def _lines(text: str) -> list[str]:
    return text.split("\n")


@pytest.mark.parametrize("target", ["en", "zh"])
def test_seed_article_end_to_end(run_cli, tiny_models, fast_tiny, tmp_path, target):
    options = tiny_models if target == "en" else fast_tiny  # default decoding on en; the pivot doubles lengths
    out_txt = tmp_path / f"seed.{target}.txt"
    code, _, err = run_cli("translate", SEED, "--to", target, "-o", out_txt, *options)
    assert code == 0, err
    source = SEED.read_text(encoding="utf-8")
    output = out_txt.read_text(encoding="utf-8")
    assert output.count("\n") == source.count("\n")  # the seed has no final newline; neither has the output
    assert len(_lines(output)) == len(_lines(source)) == 9
    assert all(line.strip() for line in _lines(output))

    out_jsonl = tmp_path / f"seed.{target}.jsonl"
    code, _, err = run_cli("translate", SEED, "--to", target, "-o", out_jsonl, *options)
    assert code == 0, err
    records = [json.loads(line) for line in out_jsonl.read_text(encoding="utf-8").splitlines()]
    assert [r["source"] for r in records] == _lines(source)
    assert [r["translation"] for r in records] == _lines(output)  # same settings, same text in both formats
    for record in records:
        assert record["sentences"]
        for sentence in record["sentences"]:
            assert {"source", "translation", "score", "terms"} <= sentence.keys()
            assert sentence["score"] <= 0.0 and sentence["terms"] == []
            assert ("intermediate" in sentence) == (target == "zh")
    assert len(records[4]["sentences"]) == 2


def test_every_flores_line_comes_back_in_order(run_cli, fast_tiny, tmp_path):
    out = tmp_path / "flores.jsonl"
    code, _, err = run_cli("translate", FLORES_AR, "--to", "en", "-o", out, "--beam", "1", *fast_tiny)
    assert code == 0, err
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    sources = FLORES_AR.read_text(encoding="utf-8").splitlines()
    assert len(records) == len(sources) == 997
    assert [r["source"] for r in records] == sources
    assert all(r["translation"] for r in records)
    assert all(s["score"] < 0 for r in records for s in r["sentences"])  # mean log-probs, greedy included


def test_empty_lines_and_non_text_lines_are_kept(run_cli, fast_tiny, tmp_path):
    source = tmp_path / "gaps.txt"
    flores = FLORES_AR.read_text(encoding="utf-8").splitlines()
    lines = ["", flores[0], "", "", "   ", flores[1], "2016", "", flores[2], ""]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "gaps.en.txt"
    code, _, err = run_cli("translate", source, "--to", "zh", "-o", out, *fast_tiny)
    assert code == 0, err
    result = out.read_text(encoding="utf-8").split("\n")
    assert len(result) == len(lines) + 1 and result[-1] == ""
    for original, translated in zip(lines, result):
        if not original.strip():
            assert translated == ""
        elif original == "2016":
            assert translated == "2016"
        else:
            assert translated.strip()


def test_a_5000_word_line_is_chunked_under_the_limit(tiny_ar_en, monkeypatch):
    from mt.backends.hf import TransformersBackend
    from mt.pipeline import Translator

    words = " ".join(FLORES_AR.read_text(encoding="utf-8").split()[:5000])
    assert len(words.split()) == 5000
    seen: list[int] = []
    original = TransformersBackend.translate_batch

    def spy(self, sources, options, **kwargs):
        seen.extend(len(s) + 1 for s in sources)
        return original(self, sources, options, **kwargs)

    monkeypatch.setattr(TransformersBackend, "translate_batch", spy)
    translator = Translator({"ar-en": str(tiny_ar_en)}, beam_size=1, max_input_tokens=120)
    [result] = translator.translate([words], to="en")
    assert result.translation.strip()
    assert len(seen) > 10 and max(seen) <= 120
    assert any(s.chunked for s in result.sentences)
    assert " ".join(s.source for s in result.sentences).split() == words.split()  # nothing dropped


def test_default_chunk_limit_is_half_the_positions(tiny_ar_en):
    from mt.pipeline import Translator

    [leg] = Translator({"ar-en": str(tiny_ar_en)}).legs("en")
    assert leg.max_input_tokens == 256


def test_same_input_same_bytes(run_cli, fast_tiny, tmp_path):
    outputs = []
    for name in ("a.jsonl", "b.jsonl"):
        code, _, err = run_cli("translate", SEED, "--to", "zh", "-o", tmp_path / name, *fast_tiny)
        assert code == 0, err
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]


def test_stdin_to_stdout(fast_tiny, tmp_path):
    import subprocess
    import sys

    text = "\n".join(FLORES_AR.read_text(encoding="utf-8").splitlines()[:3]) + "\n"
    done = subprocess.run(
        [sys.executable, "-m", "mt", "translate", "-", "--to", "en", *fast_tiny],
        input=text.encode(),
        capture_output=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().count("\n") == 3
    assert b"Traceback" not in done.stderr


def test_several_inputs_go_to_a_directory(run_cli, fast_tiny, tmp_path):
    first, second = tmp_path / "one.txt", tmp_path / "two.txt"
    flores = FLORES_AR.read_text(encoding="utf-8").splitlines()
    first.write_text(flores[5] + "\n", encoding="utf-8")
    second.write_text(flores[6] + "\n" + flores[7] + "\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    code, _, err = run_cli("translate", first, second, "--to", "en", "-o", out, *fast_tiny)
    assert code == 0, err
    assert (out / "one.en.txt").read_text(encoding="utf-8").count("\n") == 1
    assert (out / "two.en.txt").read_text(encoding="utf-8").count("\n") == 2
    code, _, err = run_cli("translate", first, second, "--to", "en", *fast_tiny)
    assert code != 0 and "-o DIR" in err


def _one_line_error(code: int, err: str, needle: str) -> None:
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("mt: error:") and needle in lines[0], err


def test_bad_inputs_fail_with_one_line(run_cli, fast_tiny, tmp_path):
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("مرحبا\n".encode() + "caf\xe9\n".encode("latin-1"))
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = [
        (("translate", tmp_path / "missing.txt", "--to", "en"), "no such file"),
        # a directory is an input since --engine (issue #14): each of its files; an empty one is refused
        (("translate", empty, "--to", "en"), "a directory without input files"),
        (("translate", latin1, "--to", "en"), "invalid UTF-8 at byte 14 (line 2)"),
        (("translate", binary, "--to", "en"), "binary file"),
        (("translate", SEED, "--to", "fr"), "unknown target language 'fr'"),
        (("translate", SEED, "--to", "en", "--format", "docx"), "unknown format"),
        (("translate", SEED, "--to", "en", "--model", "xx-yy=/tmp"), "unknown pair"),
    ]
    for args, needle in cases:
        code, out, err = run_cli(*args, *fast_tiny)
        _one_line_error(code, err, needle)
        assert out == ""


def test_empty_file_gives_empty_output(run_cli, fast_tiny, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out = tmp_path / "empty.en.txt"
    code, _, err = run_cli("translate", empty, "--to", "en", "-o", out, *fast_tiny)
    assert code == 0, err
    assert out.read_bytes() == b""


def test_existing_output_needs_force(run_cli, fast_tiny, tmp_path):
    out = tmp_path / "keep.txt"
    out.write_text("precious\n", encoding="utf-8")
    code, _, err = run_cli("translate", SEED, "--to", "en", "-o", out, *fast_tiny)
    _one_line_error(code, err, "already exists; use --force")
    assert out.read_text(encoding="utf-8") == "precious\n"
    code, _, err = run_cli("translate", SEED, "--to", "en", "-o", out, "--force", "--beam", "1", *fast_tiny)
    assert code == 0, err
    assert out.read_text(encoding="utf-8").count("\n") == 8


def test_model_directory_that_is_not_marian(run_cli, tmp_path):
    bert = tmp_path / "bert"
    bert.mkdir()
    (bert / "config.json").write_text(json.dumps({"model_type": "bert"}), encoding="utf-8")
    code, _, err = run_cli("translate", SEED, "--to", "en", "--model", f"ar-en={bert}")
    _one_line_error(code, err, "not a Marian model")
    empty = tmp_path / "nothing"
    empty.mkdir()
    code, _, err = run_cli("translate", SEED, "--to", "en", "--model", str(empty))
    _one_line_error(code, err, "no config.json")
    code, _, err = run_cli("translate", SEED, "--to", "en", "--model", str(tmp_path / "absent" / "dir"))
    _one_line_error(code, err, "no such model directory")


def test_missing_hub_model_offline_names_the_fix(run_cli, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    code, _, err = run_cli("translate", SEED, "--to", "en", "--model", "Helsinki-NLP/opus-mt-ar-en")
    _one_line_error(code, err, "Helsinki-NLP/opus-mt-ar-en")
    assert "mt models pull" in err


def test_interrupted_run_leaves_no_output(run_cli, fast_tiny, tmp_path, monkeypatch):
    import mt.pipeline

    calls = {"n": 0}
    original = mt.pipeline.block_steps

    def fail_on_second_block(*args):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(mt.pipeline, "block_steps", fail_on_second_block)
    out = tmp_path / "partial.txt"
    code, _, err = run_cli("translate", FLORES_AR, "--to", "en", "-o", out, "--beam", "1", *fast_tiny)
    assert code == 130 and "interrupted" in err
    assert calls["n"] == 2
    assert list(tmp_path.iterdir()) == []  # neither the output nor a temporary file


def test_api_returns_what_jsonl_shows(tiny_ar_en, tiny_en_zh, run_cli, tmp_path):
    from mt import Translator

    lines = FLORES_AR.read_text(encoding="utf-8").splitlines()[:4]
    translator = Translator(
        {"ar-en": str(tiny_ar_en), "en-zh": str(tiny_en_zh)}, max_length_ratio=0.5, max_length_extra=4
    )
    results = translator.translate(lines, to="zh")
    assert [r.source for r in results] == lines
    source = tmp_path / "four.txt"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = run_cli(
        "translate",
        source,
        "--to",
        "zh",
        "-o",
        tmp_path / "four.jsonl",
        "--model",
        f"ar-en={tiny_ar_en}",
        "--model",
        f"en-zh={tiny_en_zh}",
        "--max-length-ratio",
        "0.5",
        "--max-length-extra",
        "4",
    )
    assert code == 0, err
    records = [json.loads(x) for x in (tmp_path / "four.jsonl").read_text(encoding="utf-8").splitlines()]
    assert records == [json.loads(json.dumps(r.to_dict(), ensure_ascii=False)) for r in results]
    assert all(s.intermediate for r in results for s in r.sentences)


def test_output_equals_a_plain_generate_call(tiny_ar_en):
    """Where no term is involved, the pipeline must not change what the model produces."""
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    from mt.pipeline import Translator

    sentence = FLORES_AR.read_text(encoding="utf-8").splitlines()[10]
    translator = Translator({"ar-en": str(tiny_ar_en)}, beam_size=4, numbers="off")  # its numbers would be enforced
    [leg] = translator.legs("en")
    [ours] = translator.translate([sentence], to="en")
    tokenizer = MarianTokenizer.from_pretrained(tiny_ar_en)
    model = MarianMTModel.from_pretrained(tiny_ar_en).eval()
    batch = tokenizer([sentence], return_tensors="pt")
    limit = leg.decode_limit(batch["input_ids"].shape[1])
    with torch.inference_mode():
        generated = model.generate(**batch, num_beams=4, max_length=limit + 1)
    assert ours.translation == tokenizer.decode(generated[0], skip_special_tokens=True)


def test_bad_options_are_input_errors(tiny_ar_en):
    from mt.pipeline import Translator

    with pytest.raises(InputError):
        Translator(beam_size=0)
    with pytest.raises(InputError):
        Translator(glossary_mode="loose")
    with pytest.raises(InputError):
        Translator({"ar-en": str(tiny_ar_en)}).translate(["نص"], to="de")


def test_a_model_used_for_the_wrong_pair_is_refused(run_cli, tiny_ar_en, fast_tiny):
    code, _, err = run_cli("translate", SEED, "--to", "zh", "--model", str(tiny_ar_en))  # bare = direct ar-zh
    _one_line_error(code, err, f"translates ar-en, not ar-zh; pass it as --model ar-en={tiny_ar_en}")


def test_ref_prints_scores_at_the_end(run_cli, fast_tiny, tmp_path):
    lines = FLORES_AR.read_text(encoding="utf-8").splitlines()[:5]
    refs = (DATA / "flores200" / "flores200.dev.eng_Latn").read_text(encoding="utf-8").splitlines()[:5]
    source, ref = tmp_path / "five.ar", tmp_path / "five.en"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ref.write_text("\n".join(refs) + "\n", encoding="utf-8")
    code, out, err = run_cli("translate", source, "--to", "en", "--ref", ref, *fast_tiny)
    assert code == 0, err
    assert out.count("\n") == 5
    assert "BLEU" in err and "chrF2" in err and "5 segments" in err
    ref.write_text("\n".join(refs[:3]) + "\n", encoding="utf-8")
    code, out, err = run_cli("translate", source, "--to", "en", "--ref", ref, *fast_tiny)
    _one_line_error(code, err, "3 lines, but the input has 5")


def test_decoding_limit_is_each_sentences_own(tiny_ar_en):
    """What holds (README item 9): a sentence's decoding limit is ratio x (its source in pieces, with the
    target-language token and </s>, rounded up to a multiple of 8) + extra, capped by the model's positions,
    whatever it is batched with. The tiny random model never ends a sentence, so every output runs to its limit
    and shows it: the limit's last step is the </s> the backend forces, so max_new - 1 pieces come back, and
    `complete` is False."""
    from mt.decoding import Leg
    from mt.pipeline import Translator

    translator = Translator({"ar-en": str(tiny_ar_en)}, beam_size=1, max_length_ratio=0.5, max_length_extra=2)
    [leg] = translator.legs("en")
    assert isinstance(leg, Leg)
    short, long = "مرحبا", FLORES_AR.read_text(encoding="utf-8").splitlines()[0]
    sources = [leg.pieces(short), leg.pieces(long)]
    own = [leg.decode_limit(len(s) + 1) for s in sources]
    assert own[0] < own[1]
    together = leg.decode(sources)
    assert [len(h.pieces) for h in together] == [own[0] - 1, own[1] - 1]  # each its own limit, batched or not
    assert not any(h.finished for h in together)
    alone = leg.decode(sources[:1])
    assert alone[0].pieces == together[0].pieces
