"""`mt finetune` (mt.training): data reading and cleaning, glossary contradictions, checks before training, and
resume = uninterrupted on a tiny model. The learning test (loss down, held-out chrF up) is in
test_finetune_slow.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from mt.errors import InputError, TarjamaError
from mt.glossary.glossary import Glossary
from mt.memory import Segment, TranslationMemory
from mt.models.convert import QUANTIZATIONS as CONVERT_QUANTIZATIONS
from mt.models.vocab import MarianVocab
from mt.training.batches import Encoder, epoch_order, plan_batches
from mt.training.glossary_check import find_contradictions
from mt.training.output import DiskSpaceError, NoGainError, check_free_space
from mt.training.prepare import data_fingerprint, hold_out, prepare
from mt.training.run import finetune
from mt.training.settings import QUANTIZATIONS, FinetuneSettings
from mt.training.sources import group_paths, read_sources
from tests.conftest import DATA, REPO

UN = DATA / "un_v1.0" / "UNv1.0.devset"


def un_pairs(start: int, count: int, max_words: int = 20) -> list[tuple[str, str]]:
    """Real UN devset pairs from line ``start`` on (after the lines mt.testing trains tokenisers on)."""
    ar = (UN.parent / (UN.name + ".ar")).read_text(encoding="utf-8").splitlines()
    en = (UN.parent / (UN.name + ".en")).read_text(encoding="utf-8").splitlines()
    return [(a, e) for a, e in zip(ar[start:], en[start:]) if 3 <= len(a.split()) <= max_words][:count]


def write_tsv(path: Path, pairs) -> Path:
    path.write_text("ar\ten\n" + "".join(f"{a}\t{e}\n" for a, e in pairs), encoding="utf-8")
    return path


class Collect:
    """A reporter that keeps what a run says."""

    def __init__(self) -> None:
        self.messages, self.warnings, self.steps = [], [], []

    def message(self, text: str) -> None:
        self.messages.append(text)

    def warning(self, text: str) -> None:
        self.warnings.append(text)

    def step(self, info) -> None:
        self.steps.append(info)


# -- data ------------------------------------------------------------------------------------------------------------


def test_sources_read_every_format_tarjama_reads(tmp_path):
    pairs = un_pairs(1000, 6)
    tsv = write_tsv(tmp_path / "a.tsv", pairs[:2])
    (tmp_path / "b.jsonl").write_text(
        "".join(json.dumps({"source": a, "translation": e}, ensure_ascii=False) + "\n" for a, e in pairs[2:4]),
        encoding="utf-8",
    )
    (tmp_path / "c.ar").write_text(pairs[4][0] + "\n", encoding="utf-8")
    (tmp_path / "c.en").write_text(pairs[4][1] + "\n", encoding="utf-8")
    with TranslationMemory.open(tmp_path / "d.tm") as memory:
        memory.add_human([Segment(pairs[5][0], pairs[5][1], "en")])
    tmx = tmp_path / "e.tmx"
    tmx.write_text(
        f'<tmx version="1.4"><header srclang="ar"/><body><tu><tuv xml:lang="ar"><seg>{pairs[0][0]}</seg>'
        f'</tuv><tuv xml:lang="en"><seg>{pairs[0][1]}</seg></tuv></tu></body></tmx>',
        encoding="utf-8",
    )
    paths = [tsv, tmp_path / "b.jsonl", tmp_path / "c.ar", tmp_path / "c.en", tmp_path / "d.tm", tmx]
    assert [len(g) for g in group_paths(paths)] == [1, 1, 2, 1, 1]
    sources = read_sources(paths, "ar", "en")
    read = [(p.source, p.target) for s in sources for p in s.pairs]
    assert read == [*pairs, pairs[0]]


def test_sources_reject_misaligned_files_and_a_lone_text_file(tmp_path):
    pairs = un_pairs(1000, 3)
    (tmp_path / "x.ar").write_text("".join(a + "\n" for a, _ in pairs), encoding="utf-8")
    (tmp_path / "x.en").write_text("".join(e + "\n" for _, e in pairs[:2]), encoding="utf-8")
    with pytest.raises(TarjamaError, match="has 3 lines but .* has 2"):
        read_sources([tmp_path / "x.ar", tmp_path / "x.en"], "ar", "en")
    with pytest.raises(InputError, match="needs its parallel partner"):
        read_sources([tmp_path / "x.ar"], "ar", "en")
    (tmp_path / "bad.jsonl").write_text('{"source": "x"}\n', encoding="utf-8")
    with pytest.raises(InputError, match="bad.jsonl:1: .*translation"):
        read_sources([tmp_path / "bad.jsonl"], "ar", "en")


def test_prepare_removes_each_kind_of_bad_pair_and_says_why(tiny_ar_en):
    encoder = Encoder(MarianVocab.from_dir(tiny_ar_en))
    good = [Segment(a, e, "en") for a, e in un_pairs(1000, 8)]
    long_source = next(Segment(a, e, "en") for a, e in un_pairs(1000, 400, 60) if len(a.split()) >= 15)
    pairs = [
        *good,
        Segment(good[0].source, good[0].target, "en"),  # duplicate
        Segment("\u0651" + good[1].source, good[1].target, "en"),  # duplicate once normalised (a shadda)
        Segment("...", good[2].target, "en"),  # empty: no letters
        Segment(good[3].target, good[3].target, "en"),  # wrong script: English source
        Segment(good[4].source, good[4].source, "en"),  # wrong script: untranslated target
        Segment(long_source.source, "Yes.", "en"),  # length ratio
        Segment(good[5].source + " ", good[5].target.upper(), "en"),  # in the validation set
    ]
    held = [good[5]]
    result = prepare(pairs, encoder.count_source, encoder.count_target, max_tokens=256, held_out=held)
    assert result.read == len(pairs)
    assert dict(result.removed) == {
        "duplicate": 2,
        "empty": 1,
        "wrong script": 2,
        "length ratio": 1,
        "in a validation or test set": 2,
    }
    assert result.pairs == [p for p in good if p is not good[5]]
    assert (
        "removed: 1 empty, 2 wrong script, 1 length ratio, 2 in a validation or test set, 2 duplicate"
        in result.summary()
    )


def test_held_out_slice_is_seeded_disjoint_and_bounded():
    pairs = [Segment(a, e, "en") for a, e in un_pairs(1000, 100)]
    train, held = hold_out(pairs, 200, seed=3)
    assert len(held) == 10 and len(train) == 90  # at most a tenth
    assert not {id(p) for p in train} & {id(p) for p in held}
    assert hold_out(pairs, 200, seed=3) == (train, held)
    assert hold_out(pairs, 200, seed=4)[1] != held
    assert data_fingerprint(train) != data_fingerprint(pairs)


def test_batches_keep_the_token_budget_and_a_seeded_order(tiny_ar_en):
    encoder = Encoder(MarianVocab.from_dir(tiny_ar_en))
    examples = [encoder.encode(Segment(a, e, "en")) for a, e in un_pairs(1000, 60)]
    batches = plan_batches(examples, 256)
    assert sorted(i for b in batches for i in b) == list(range(len(examples)))
    assert all(len(b) * max(examples[i].length for i in b) <= 256 or len(b) == 1 for b in batches)
    assert epoch_order(len(batches), 1, 0) == epoch_order(len(batches), 1, 0) != epoch_order(len(batches), 1, 1)
    assert examples[0].labels[-1] == 0 and examples[0].source_ids[-1] == 0  # </s> closes both sides


def test_glossary_contradictions_use_the_accepted_forms():
    glossary = Glossary.load(REPO / "glossaries" / "ecommerce.tsv")
    ok = Segment("أعلنت مجموعة علي بابا عن نتائجها", "Alibaba Group announced its results", "en")
    alternative = Segment("أعلنت علي بابا عن نتائجها", "Alibaba announced its results", "en")
    bad = Segment("أعلنت علي بابا عن نتائجها", "Ali Baba announced its results", "en")
    found = find_contradictions([ok, alternative, bad], glossary)
    assert [(c.pair, c.concept) for c in found] == [(bad, "alibaba")]
    assert "Alibaba" in found[0].expected


def test_settings_quantizations_are_the_converters():
    assert QUANTIZATIONS == CONVERT_QUANTIZATIONS


def test_free_space_is_checked_against_what_the_checkpoints_need(tmp_path):
    check_free_space(tmp_path, 1)
    with pytest.raises(DiskSpaceError, match="MiB free, but the checkpoints of this run need about"):
        check_free_space(tmp_path, 1 << 60)


# -- the command: bad inputs ----------------------------------------------------------------------------------------


def test_cli_rejects_bad_inputs_in_one_line(tiny_ar_en, tmp_path, run_cli):
    train = write_tsv(tmp_path / "train.tsv", un_pairs(1000, 40))
    common = ["--base", tiny_ar_en, "--ood-valid", "none"]

    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine\n", encoding="utf-8")
    code, _, err = run_cli("finetune", *common, "--train", train, "--out", tmp_path / "taken")
    assert code == 1 and "already exists; pass --force" in err
    code, _, err = run_cli("finetune", *common, "--train", train, "--out", tmp_path / "taken", "--force")
    assert code == 1 and "not a fine-tuning output" in err
    assert (tmp_path / "taken" / "notes.txt").exists()

    code, _, err = run_cli("finetune", *common, "--train", train, "--out", tmp_path / "new", "--resume")
    assert code == 1 and "no checkpoint to resume from" in err

    (tmp_path / "x.ar").write_text("سطر\nسطر آخر\n", encoding="utf-8")
    (tmp_path / "x.en").write_text("line\n", encoding="utf-8")
    code, _, err = run_cli(
        "finetune", *common, "--train", tmp_path / "x.ar", "--train", tmp_path / "x.en", "--out", tmp_path / "o1"
    )
    assert code == 1 and "has 2 lines but" in err

    swapped = write_tsv(tmp_path / "swapped.tsv", [(e, a) for a, e in un_pairs(1000, 20)])
    code, _, err = run_cli("finetune", *common, "--train", swapped, "--out", tmp_path / "o2")
    assert code == 1 and "no training pairs left after filtering" in err and "wrong script" in err

    bart = tmp_path / "bart"
    bart.mkdir()
    (bart / "config.json").write_text('{"model_type": "bart"}', encoding="utf-8")
    code, _, err = run_cli("finetune", "--base", bart, "--train", train, "--out", tmp_path / "o3")
    assert code == 1 and "not a Marian model" in err

    code, _, err = run_cli("finetune", *common, "--train", train, "--out", tmp_path / "o4", "--lr", "0")
    assert code == 1 and "--lr must be between 0 and 1" in err
    code, _, err = run_cli("finetune", *common, "--train", train, "--out", tmp_path / "o4", "--convert", "int4")
    assert code == 1 and "--convert must be one of" in err
    code, _, err = run_cli("finetune", *common, "--train", train, "--out", tmp_path, "--force")
    assert code == 1 and "holds the input" in err and train.exists()
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not any((tmp_path / name).exists() for name in ("new", "o1", "o2", "o3", "o4"))


# -- resume -----------------------------------------------------------------------------------------------------------


def _settings(base: Path, train: Path, out: Path, **overrides) -> FinetuneSettings:
    """Settings of a short run; ``keep_worse``: these tests check the mechanics, whatever the scores (a dozen steps
    of the tiny model rarely beat the base in-domain; see test_a_run_that_does_not_beat_the_base_writes_no_model)."""
    values = dict(
        base=str(base),
        train=[train],
        out=out,
        valid_size=8,
        ood_valid=["none"],
        lr=3e-3,
        max_steps=12,
        eval_every=4,
        early_stop=0,
        batch_tokens=384,
        threads=1,
        keep_checkpoints=True,
        keep_worse=True,
    )
    values.update(overrides)
    return FinetuneSettings(**values)


def test_resume_after_an_interruption_gives_the_uninterrupted_result(tiny_ar_en, tmp_path):
    """Interrupt after step 6 (the last checkpoint is step 4's), resume: the final weights are bit for bit those
    of the run that was never interrupted (same machine, same thread count), and so are the scores."""
    train = write_tsv(tmp_path / "train.tsv", un_pairs(1200, 90, max_words=12))
    reporter = Collect()
    whole = finetune(_settings(tiny_ar_en, train, tmp_path / "whole"), reporter)
    assert any(w.startswith("only ") and "fewer than 100" in w for w in reporter.warnings), reporter.warnings

    def interrupt(step: int) -> None:
        if step == 6:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        finetune(_settings(tiny_ar_en, train, tmp_path / "cut"), Collect(), after_step=interrupt)
    assert not (tmp_path / "cut" / "tarjama-finetune.json").exists()
    state = torch.load(tmp_path / "cut" / "checkpoints" / "last" / "training-state.pt", weights_only=True)
    assert state["state"]["step"] == 4

    with pytest.raises(InputError, match="other training data or settings"):
        finetune(_settings(tiny_ar_en, train, tmp_path / "cut", resume=True, lr=1e-3), Collect())
    again = Collect()
    resumed = finetune(_settings(tiny_ar_en, train, tmp_path / "cut", resume=True), again)
    assert [(s.step, s.loss) for s in again.steps] == [(s.step, s.loss) for s in reporter.steps][4:]

    for name in ("model.safetensors", "checkpoints/last/model.safetensors"):  # the best (output) and step 12
        a, b = load_file(tmp_path / "whole" / name), load_file(tmp_path / "cut" / name)
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    base = load_file(tiny_ar_en / "model.safetensors")
    assert not torch.equal(a["model.shared.weight"], base["model.shared.weight"])  # it did train
    assert resumed.report["scores"] == whole.report["scores"]
    assert resumed.report["training"]["steps"] == 12 and [r["step"] for r in whole.report["scores"]["evaluations"]] == [
        4,
        8,
        12,
    ]


def test_early_stopping_keeps_the_best_checkpoint(tiny_ar_en, tmp_path):
    """A learning rate too small to change a score: the first evaluation stays the best, two more without a
    better in-domain chrF stop the run, and the output is step 1's model."""
    train = write_tsv(tmp_path / "train.tsv", un_pairs(1200, 90, max_words=12))
    result = finetune(
        _settings(tiny_ar_en, train, tmp_path / "out", lr=1e-12, eval_every=1, early_stop=2, max_steps=20), Collect()
    )
    training = result.report["training"]
    assert training["steps"] == 3 and training["stopped_early"] and training["best_step"] == 1
    assert [r["step"] for r in result.report["scores"]["evaluations"]] == [1, 2, 3]
    best = load_file(tmp_path / "out" / "model.safetensors")
    last = load_file(tmp_path / "out" / "checkpoints" / "last" / "model.safetensors")
    assert not all(torch.equal(best[k], last[k]) for k in best)


def test_a_run_that_does_not_beat_the_base_writes_no_model(tiny_ar_en, tmp_path, run_cli):
    """The base model is the evaluation at step 0: when no fine-tuned checkpoint beats its in-domain chrF, no model
    is written over the user's expectations (exit 1, one line, the report kept); --keep-worse writes the best one
    with a warning. Here 12 steps at a learning rate far too high (0.3) wreck the tiny model on 90 UN pairs: it
    scores below the base on the held-out slice. (At 3e-3 it used to score below too, until numbers were
    enforced by default in the evaluation's decoding, as `mt translate` does: then it scored above.)"""
    train = write_tsv(tmp_path / "train.tsv", un_pairs(1200, 90, max_words=12))
    out = tmp_path / "out"
    args = [
        "finetune",
        "--base",
        tiny_ar_en,
        "--train",
        train,
        "--out",
        out,
        "--valid-size",
        8,
        "--ood-valid",
        "none",
        "--lr",
        "3e-1",
        "--max-steps",
        12,
        "--eval-every",
        4,
        "--batch-tokens",
        384,
        "--threads",
        1,
    ]
    code, stdout, err = run_cli(*args)
    report = json.loads((out / "tarjama-finetune.json").read_text(encoding="utf-8"))
    before, best = report["scores"]["before"]["in_domain"]["chrf"], report["scores"]["after"]["in_domain"]["chrf"]
    assert best <= before and [r["step"] for r in report["scores"]["evaluations"]] == [4, 8, 12]
    assert code == 1 and stdout == ""
    message = err.strip().splitlines()[-1]
    assert f"no fine-tuned checkpoint beat the base model's in-domain chrF {before:.1f}" in message
    assert "no model was written" in message and "--keep-worse" in message
    assert report["output"] == {"model_written": False, "beats_base": False}
    assert sorted(p.name for p in out.iterdir()) == ["tarjama-finetune.json"]  # no weights, no checkpoints
    code, stdout, err = run_cli(*args, "--force", "--keep-worse")
    assert code == 0 and "written to" in err and "--keep-worse" in err
    assert (out / "model.safetensors").is_file() and stdout.startswith(f"{out}: in-domain chrF -")
    tuned = json.loads((out / "tarjama-finetune.json").read_text(encoding="utf-8"))
    assert tuned["output"] == {"model_written": True, "beats_base": False}


def test_a_tie_with_the_base_is_not_a_gain(tiny_ar_en, tmp_path):
    """A learning rate too small to move a weight: every checkpoint scores what the base scores, which is no gain."""
    train = write_tsv(tmp_path / "train.tsv", un_pairs(1200, 90, max_words=12))
    with pytest.raises(NoGainError, match="no model was written") as caught:
        finetune(
            _settings(
                tiny_ar_en,
                train,
                tmp_path / "out",
                lr=1e-12,
                max_steps=2,
                eval_every=1,
                keep_worse=False,
                keep_checkpoints=False,
            ),
            Collect(),
        )
    scores = caught.value.report["scores"]
    assert scores["in_domain_gain"] == {"bleu": 0.0, "chrf": 0.0}
    assert not (tmp_path / "out" / "model.safetensors").exists()


def test_glossary_contradicting_pairs_are_reported_and_left_out(tiny_ar_en, tmp_path):
    pairs = un_pairs(1200, 90, max_words=12)
    contradicting = [
        ("أعلنت علي بابا عن نتائجها المالية للربع الثالث", "Ali Baba announced its third-quarter results"),
        ("تعاونت علي بابا مع جامعة تشينغهوا", "Ali Baba worked with Tsinghua University"),
    ]
    agreeing = [("أعلنت مجموعة علي بابا عن أرباحها السنوية", "Alibaba Group announced its annual profits")]
    train = write_tsv(tmp_path / "train.tsv", [*pairs, *contradicting, *agreeing])
    valid = write_tsv(tmp_path / "valid.tsv", un_pairs(2000, 8, max_words=12))
    glossary = REPO / "glossaries" / "ecommerce.tsv"
    reporter = Collect()
    left_out = finetune(
        _settings(tiny_ar_en, train, tmp_path / "out", valid=[valid], glossary=glossary, max_steps=1), reporter
    )
    rows = (tmp_path / "out" / "glossary-contradictions.tsv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "concept\tsource_term\texpected\tsource\ttarget"
    assert [row.split("\t")[3] for row in rows[1:]] == [a for a, _ in contradicting]
    assert any(w.startswith("2 pair(s) contradict the glossary (left out of training") for w in reporter.warnings)
    kept = finetune(
        _settings(
            tiny_ar_en, train, tmp_path / "kept", valid=[valid], glossary=glossary, max_steps=1, keep_contradicting=True
        ),
        Collect(),
    )
    assert left_out.report["data"]["glossary_contradictions"] == kept.report["data"]["glossary_contradictions"] == 2
    assert kept.report["data"]["trained_on"] == left_out.report["data"]["trained_on"] + 2


def test_sources_get_the_target_token_the_pipeline_sends(tiny_en_zh):
    vocab = MarianVocab.from_dir(tiny_en_zh)
    example = Encoder(vocab, ">>cmn_Hans<<").encode(
        Segment(" The meeting was held in Vienna.", "会议在维也纳举行。", "zh")
    )
    assert example.source_ids[0] == vocab.source_table[">>cmn_Hans<<"]
    assert example.source_ids[1:] == vocab.source_ids(vocab.encode_source("The meeting was held in Vienna."))


def test_a_jsonl_line_with_a_number_python_cannot_convert_is_a_one_line_error(tmp_path):
    # json.loads refuses an integer of more than 4300 digits with a plain ValueError (no .msg, unlike a decode
    # error): it used to escape as an AttributeError traceback
    (tmp_path / "big.jsonl").write_text('{"source": "x", "translation": ' + "1" * 5000 + "}\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"big.jsonl:1: not a JSON object \(Exceeds the limit"):
        read_sources([tmp_path / "big.jsonl"], "ar", "en")
