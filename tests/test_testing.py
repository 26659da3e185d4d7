"""mt.testing builds Marian models in the OPUS-MT layout, offline."""

from __future__ import annotations

import json
import subprocess
import sys
import pytest
from transformers import MarianConfig, MarianTokenizer

from mt.models.vocab import MarianVocab
from mt.testing.build import SIZES

SEED = (__import__("tests.conftest", fromlist=["SEEDS"]).SEEDS / "article.ar.txt").read_text(encoding="utf-8")


def test_vocabulary_layout_matches_opus_mt(tiny_en_zh):
    table = json.loads((tiny_en_zh / "vocab.json").read_text(encoding="utf-8"))
    assert table["</s>"] == 0 and table["<unk>"] == 1
    assert table["<pad>"] == len(table) - 1
    assert ">>cmn_Hans<<" in table
    config = MarianConfig.from_pretrained(tiny_en_zh)
    assert config.pad_token_id == config.decoder_start_token_id == len(table) - 1
    assert config.vocab_size == len(table)


def test_vocab_agrees_with_marian_tokenizer(tiny_ar_en, tiny_en_zh):
    for model_dir, texts in (
        (tiny_ar_en, SEED.splitlines()),
        (tiny_en_zh, [">>cmn_Hans<< AliExpress sold 6.21 million."]),
    ):
        tokenizer = MarianTokenizer.from_pretrained(model_dir)
        vocab = MarianVocab.from_dir(model_dir)
        for text in texts:
            assert vocab.source_ids(vocab.encode_source(text)) == tokenizer(text)["input_ids"]
        ids = list(range(2, 60)) + [0]
        assert vocab.decode_target(vocab.target_pieces(ids)) == tokenizer.decode(ids, skip_special_tokens=True)


def test_same_seed_same_weights(tmp_path):
    from safetensors.numpy import load_file

    from mt.testing import build_model

    a = load_file(build_model(tmp_path / "a", seed=7) / "model.safetensors")
    b = load_file(build_model(tmp_path / "b", seed=7) / "model.safetensors")
    c = load_file(build_model(tmp_path / "c", seed=8) / "model.safetensors")
    assert a.keys() == b.keys()
    assert all((a[k] == b[k]).all() for k in a)
    assert any((a[k] != c[k]).any() for k in a if a[k].size > 100)


def test_benchmark_size_is_the_real_architecture():
    size = SIZES["opus-mt-ar-en"]
    assert (size.d_model, size.layers, size.heads, size.ffn, size.vocab_size, size.max_positions) == (
        512,
        6,
        8,
        2048,
        62834,
        512,
    )


@pytest.mark.slow
def test_benchmark_size_builds_with_76m_parameters(tmp_path):
    from transformers import MarianMTModel

    from mt.testing import build_model

    path = build_model(tmp_path / "base", size="opus-mt-ar-en")
    model = MarianMTModel.from_pretrained(path)
    parameters = sum(p.numel() for p in model.parameters())
    assert 75_000_000 < parameters < 78_000_000
    assert json.loads((path / "vocab.json").read_text(encoding="utf-8"))["<pad>"] == 62833


def test_command_line_builds_a_model(tmp_path):
    """`python -m mt.testing`'s typer app, run in-process (the build reuses the session's tokenisers)."""
    from typer.testing import CliRunner

    from mt.testing.__main__ import app

    runner = CliRunner()
    out = tmp_path / "m"
    done = runner.invoke(app, [str(out), "--size", "tiny", "--pair", "en-zh", "--seed", "3"])
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == str(out)
    assert {"config.json", "model.safetensors", "source.spm", "target.spm", "vocab.json"} <= {
        p.name for p in out.iterdir()
    }
    bad = runner.invoke(app, [str(tmp_path / "x"), "--size", "huge"])
    assert bad.exit_code != 0 and "unknown size" in bad.stderr and "Traceback" not in bad.stderr
    assert isinstance(bad.exception, SystemExit)  # a one-line error, not an exception escaping the command
    # the module runs as a program (README's demo command): its help, the one quick call, in a process of its own
    flag = subprocess.run([sys.executable, "-m", "mt.testing", "--help"], capture_output=True, text=True, timeout=120)
    assert flag.returncode == 0 and "--ends-sentences" in flag.stdout


@pytest.fixture(scope="module")
def demo_models(tmp_path_factory):
    """The offline demo's models (README: python -m mt.testing DIR --size tiny --pair P --ends-sentences)."""
    from mt.testing import build_model

    root = tmp_path_factory.mktemp("demo")
    for pair in ("ar-en", "en-zh"):
        build_model(root / pair, size="tiny", pair=pair, ends_sentences=True)
    return root


def _sentences(jsonl: str) -> list[dict]:
    return [s for line in jsonl.splitlines() for s in json.loads(line)["sentences"]]


def test_demo_models_end_their_sentences(demo_models, tiny_models, run_cli, tmp_path):
    conftest = __import__("tests.conftest", fromlist=["SEEDS"])
    seed = str(conftest.SEEDS / "article.ar.txt")
    # the README's demo command
    code, out, err = run_cli(
        "translate",
        seed,
        "--to",
        "zh",
        "--model",
        f"ar-en={demo_models / 'ar-en'}",
        "--model",
        f"en-zh={demo_models / 'en-zh'}",
        "--glossary",
        conftest.REPO / "glossaries" / "ecommerce.tsv",
        "-f",
        "jsonl",
    )
    assert code == 0, err
    sentences = _sentences(out)
    assert len(sentences) == 10
    assert all(s.get("complete", True) for s in sentences)  # JSONL marks only the incomplete ones
    assert "decoding length limit" not in err and "warning" not in err
    terms = [t for s in sentences for t in s["terms"]]
    assert terms and all(t["status"] in ("verified", "enforced") for t in terms)
    assert all(s["translation"] and s["intermediate"] for s in sentences)
    # the test fixtures' models (built without the option) decode every sentence to the limit
    code, out, err = run_cli(
        "translate",
        seed,
        "--to",
        "zh",
        *tiny_models,
        "--max-length-ratio",
        "0.2",
        "--max-length-extra",
        "2",
        "-f",
        "jsonl",
    )
    assert code == 0 and all(s["complete"] is False for s in _sentences(out))
    assert "decoding length limit" in err


def test_demo_models_end_their_sentences_on_ctranslate2(demo_models, tmp_path):
    from mt.backends.ct2 import CTranslate2Backend
    from mt.backends.hf import TransformersBackend
    from mt.backends.base import DecodeOptions
    from mt.models.convert import convert

    hf = TransformersBackend(demo_models / "ar-en", threads=1)
    ct2 = CTranslate2Backend(convert(str(demo_models / "ar-en"), tmp_path / "ct2", quantization="float32"), threads=1)
    sources = [hf.vocab.encode_source(line) for line in SEED.splitlines() if line.strip()]
    options = DecodeOptions(beam_size=4, max_decoding_length=200)
    ours, theirs = ct2.translate_batch(sources, options), hf.translate_batch(sources, options)
    assert all(h.finished and 0 < len(h.pieces) < len(source) for h, source in zip(ours + theirs, sources * 2))
    assert [h.pieces for h in ours] == [h.pieces for h in theirs]
    # the output's length follows the source's: the shortest sentence (57 pieces) ends far sooner than the longest (207)
    by_length = sorted(zip(sources, theirs), key=lambda pair: len(pair[0]))
    assert len(by_length[0][1].pieces) * 2 < len(by_length[-1][1].pieces)


@pytest.mark.slow
def test_benchmark_size_ends_sentences_after_a_source_dependent_length(tmp_path):
    """eval/bench.py --lengths natural: on the opus-mt-ar-en size, the model built with ends_sentences ends every
    sentence by itself, later for a longer source, and a sentence's length is the same alone as in a batch."""
    from mt.backends.base import DecodeOptions
    from mt.backends.hf import TransformersBackend
    from mt.testing import build_model

    conftest = __import__("tests.conftest", fromlist=["REPO"])
    lines = (conftest.REPO / "eval" / "data" / "un_v1.0" / "UNv1.0.devset.ar").read_text(encoding="utf-8")
    # sentences of 8 words or more, as the bench's lines are: a one-word heading (القرار, 1 piece) never ends
    by_words = {len(line.split()): line for line in lines.splitlines()[1000:1200] if len(line.split()) >= 8}
    chosen = [
        by_words[n] for n in (min(by_words), sorted(by_words)[len(by_words) // 2], max(n for n in by_words if n <= 60))
    ]
    backend = TransformersBackend(build_model(tmp_path / "base", size="opus-mt-ar-en", ends_sentences=True), threads=2)
    sources = [backend.vocab.encode_source(line) for line in chosen]
    options = DecodeOptions(beam_size=1, max_decoding_length=200)
    together = backend.translate_batch(sources, options)
    alone = [backend.translate_batch([source], options)[0] for source in sources]
    lengths = [len(h.pieces) for h in together]
    assert all(h.finished for h in together)
    assert lengths == sorted(set(lengths)) and lengths[-1] >= 2 * lengths[0]  # grows with the source's length
    assert [len(h.pieces) for h in alone] == lengths
    again = TransformersBackend(build_model(tmp_path / "again", size="opus-mt-ar-en", ends_sentences=True), threads=2)
    assert [len(h.pieces) for h in again.translate_batch(sources, options)] == lengths  # a rebuild decodes alike
