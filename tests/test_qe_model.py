"""`mt qe --model`: the model's forced-decoding score (Backend.score_batch, mt.qe.model_score) and its risk part.

Random-weight tiny models (mt.testing) carry no translation signal, so these tests assert what holds for any
model: the score means what a decode's Hypothesis.score means, both backends agree, a pair's score does not depend
on its batch, the model's own greedy output beats a loop, a copy and an empty line under that model, and the
plumbing (JSONL field, calibration file, errors). Real text: FLORES-200 dev and TICO-19 dev (eval/data).
"""

from __future__ import annotations

import json

import pytest

from mt.backends.base import DecodeOptions
from mt.data import qe_risk
from tests.conftest import DATA
from tests.test_ct2_backend import sharpen

AR = (DATA / "flores200" / "flores200.dev.arb_Arab").read_text(encoding="utf-8").splitlines()
EN = (DATA / "flores200" / "flores200.dev.eng_Latn").read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def sharp_dirs(tiny_ar_en, tmp_path_factory):
    """One sharp tiny model (see tests/test_ct2_backend.py): its hf directory, CTranslate2 float32 and int8."""
    from mt.models.convert import convert

    root = tmp_path_factory.mktemp("qe-sharp")
    hf_dir = sharpen(tiny_ar_en, root / "hf")
    return {
        "hf": hf_dir,
        "ct2-float32": convert(str(hf_dir), root / "f32", quantization="float32"),
        "ct2-int8": convert(str(hf_dir), root / "int8", quantization="int8"),
    }


@pytest.fixture(scope="module")
def sharp_pair(sharp_dirs):
    """(hf, ct2 float32) backends on the sharp tiny model."""
    from mt.backends.ct2 import CTranslate2Backend
    from mt.backends.hf import TransformersBackend

    return TransformersBackend(sharp_dirs["hf"], threads=1), CTranslate2Backend(sharp_dirs["ct2-float32"], threads=1)


@pytest.fixture(scope="module")
def ending(tiny_ending_ct2):
    """Paths of the ar-en tiny model that ends its sentences: (hf directory, its CTranslate2 int8 conversion)."""
    ct2 = tiny_ending_ct2["ar-en"]
    return ct2.parent / "ar-en-hf", ct2


def _pieces(backend, count, start=0):
    sources = [backend.vocab.encode_source(line)[:60] for line in AR[start : start + count]]
    targets = [backend.vocab.encode_target(line)[:60] for line in EN[start : start + count]]
    return sources, targets


def test_hf_and_ct2_float32_scores_agree(sharp_pair):
    hf, ct2 = sharp_pair
    sources, targets = _pieces(hf, 24)
    targets[3], targets[7] = [], targets[7] * 2  # an empty target scores its </s> alone; a long one
    ours, theirs = ct2.score_batch(sources, targets), hf.score_batch(sources, targets)
    assert len(ours) == 24 and all(s < 0 for s in ours)
    assert ours == pytest.approx(theirs, abs=1e-4)
    assert len({round(s, 3) for s in ours}) > 12  # the score depends on the pair


def test_the_score_of_a_finished_decode_is_its_hypothesis_score(sharp_pair):
    """The same definition as the decode's: mean log-prob of the pieces and </s>."""
    for backend in sharp_pair:
        sources, _ = _pieces(backend, 30)
        hyps = backend.translate_batch(sources, DecodeOptions(beam_size=1, max_decoding_length=80))
        done = [(s, h) for s, h in zip(sources, hyps) if h.finished]
        assert len(done) >= 10
        scores = backend.score_batch([s for s, _ in done], [h.pieces for _, h in done])
        assert scores == pytest.approx([h.score for _, h in done], abs=1e-4)


def test_the_models_own_output_scores_above_a_loop_a_copy_and_empty(ending):
    """The model's own greedy output is high-probability under it by construction; the corruptions are not."""
    from mt.backends.ct2 import CTranslate2Backend
    from mt.qe.model_score import ModelScorer

    backend = CTranslate2Backend(ending[1], threads=1)
    scorer = ModelScorer(backend, "en")
    sources = AR[:30]
    hyps = backend.translate_batch(
        [scorer.pieces(s, "")[0] for s in sources], DecodeOptions(beam_size=1, max_decoding_length=150)
    )
    own = [backend.vocab.decode_target(h.pieces) for h in hyps]
    assert all(h.finished and h.pieces for h in hyps)
    loops = [" ".join([text] * 3) for text in own]
    scores = {
        name: scorer.score(sources, translations)
        for name, translations in (("own", own), ("loop", loops), ("copy", sources), ("empty", [""] * 30))
    }
    for name in ("loop", "copy", "empty"):
        assert all(o > x for o, x in zip(scores["own"], scores[name])), name


@pytest.mark.parametrize("kind", ["hf", "ct2-int8"])
def test_a_pair_scores_alike_alone_and_in_a_file(run_cli, sharp_dirs, tmp_path, kind):
    """Byte for byte: pairs are batched by source and target bucket and padded to the buckets' widths (CTranslate2
    int8 gives a pair other scores when its batch is padded to another width; float32 is 1e-7 off with the batch's
    size, see docs/qe.md)."""
    model = sharp_dirs[kind]
    sources = AR[:24] + AR[:4]
    translations = EN[:24] + ["", AR[1], "the the the the the the", EN[5]]
    (tmp_path / "s.ar").write_text("\n".join(sources) + "\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("\n".join(translations) + "\n", encoding="utf-8")
    shipped = ("--risk-model", qe_risk("en"))  # the score is the point here, not the model's calibration
    code, out, err = run_cli("qe", tmp_path / "s.ar", tmp_path / "t.en", "--to", "en", "--model", model, *shipped)
    assert code == 0, err
    together = [json.loads(line) for line in out.splitlines()]
    assert len(together) == 28 and all(isinstance(row["model_score"], float) for row in together)
    for k, (source, translation) in enumerate(zip(sources, translations)):
        (tmp_path / "one.ar").write_text(source + "\n", encoding="utf-8")
        (tmp_path / "one.en").write_text(translation + "\n", encoding="utf-8")
        code, out, err = run_cli(
            "qe", tmp_path / "one.ar", tmp_path / "one.en", "--to", "en", "--model", model, *shipped
        )
        alone = json.loads(out)
        assert alone == dict(together[k], line=1), k


def test_model_score_is_reported_and_risk_uses_it_only_when_calibrated(run_cli, ending, tmp_path):
    """eval/calibrate_qe_model.py's path: calibrate() on TICO-19 dev, then --risk-model."""
    from mt.backends.ct2 import CTranslate2Backend
    from mt.glossary.tico import load_tico19
    from mt.qe.model_score import ModelScorer, calibrate
    from mt.qe.risk import MODEL_PART, RiskModel

    (tmp_path / "s.ar").write_text("\n".join(AR[:6]) + "\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("\n".join(EN[:5] + [""]) + "\n", encoding="utf-8")
    args = ("qe", tmp_path / "s.ar", tmp_path / "t.en", "--to", "en")
    plain = [json.loads(line) for line in run_cli(*args)[1].splitlines()]
    scored = [
        json.loads(line) for line in run_cli(*args, "--model", ending[1], "--risk-model", qe_risk("en"))[1].splitlines()
    ]
    assert "model_score" not in plain[0]
    assert [dict(row, model_score=None) for row in scored] == [dict(row, model_score=None) for row in plain]
    # calibrated on TICO-19 dev with a random model: a plumbing check, the weight carries no signal
    tico = DATA / "tico19"
    read = lambda lang: (tico / f"tico19.dev.{lang}").read_text(encoding="utf-8").split("\n")[:25]  # noqa: E731
    model = calibrate(
        ModelScorer(CTranslate2Backend(ending[1], threads=1), "en"),
        read("ar"),
        read("en"),
        read("zh"),
        glossary=load_tico19(tico, tables=("facebook",)),
    )
    shipped = RiskModel.load(qe_risk("en"))
    assert {kind: part for kind, part in model.parts.items() if kind != MODEL_PART} == dict(shipped.parts)
    assert MODEL_PART in model.parts and "model_score" in model.parts[MODEL_PART].weights
    (tmp_path / "risk.json").write_text(json.dumps(model.to_json()), encoding="utf-8")
    code, out, err = run_cli(*args, "--model", ending[1], "--risk-model", tmp_path / "risk.json")
    calibrated = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and all(c["risk"] > s["risk"] for c, s in zip(calibrated[:5], scored))  # one more noisy-OR part
    assert [c["model_score"] for c in calibrated] == [s["model_score"] for s in scored]
    code, out, err = run_cli(*args, "--risk-model", tmp_path / "risk.json")
    assert code != 0 and "--model" in err and len(err.strip().splitlines()) == 1


def test_model_calibrates_itself_once_per_model_revision(run_cli, ending, tmp_path, monkeypatch):
    """`mt qe --model` without --risk-model: the model part is fitted on the shipped TICO-19 dev slice the first
    time a model revision is seen, cached, and read back after (a copy of the model has the same revision)."""
    import shutil

    from mt.backends.ct2 import CTranslate2Backend
    from mt.models.revision import model_revision
    from mt.qe.estimator import QualityEstimator
    from mt.qe import model_calibration
    from mt.qe.model_calibration import resources_revision
    from mt.qe.model_score import ModelScorer
    from mt.qe.risk import MODEL_PART, RiskModel

    monkeypatch.setenv("MT_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "s.ar").write_text("\n".join(AR[:6]) + "\n", encoding="utf-8")
    (tmp_path / "t.en").write_text("\n".join(EN[:5] + [""]) + "\n", encoding="utf-8")
    args = ("qe", tmp_path / "s.ar", tmp_path / "t.en", "--to", "en")
    plain = [json.loads(line) for line in run_cli(*args)[1].splitlines()]
    code, first, err = run_cli(*args, "--model", ending[1])
    revision = model_revision(ending[1])
    cached = tmp_path / "cache" / "qe" / f"risk.ar-en.{revision}.{resources_revision('en')}.json"
    assert code == 0 and "calibrating" in err and str(cached) in err.replace("\n", ""), err
    risks = RiskModel.load(cached)
    shipped = RiskModel.load(qe_risk("en"))
    assert {kind: part for kind, part in risks.parts.items() if kind != MODEL_PART} == dict(shipped.parts)
    assert MODEL_PART in risks.parts and risks.meta["model_part"]["revision"] == revision
    rows = [json.loads(line) for line in first.splitlines()]
    assert all(r["risk"] > p["risk"] for r, p in zip(rows[:5], plain))  # the model part joins the noisy-OR
    scorer = ModelScorer(CTranslate2Backend(ending[1], threads=1), "en")
    expected = QualityEstimator("en", risk_model=risks).assess_all(AR[:6], EN[:5] + [""], scorers=[scorer])
    assert [r["risk"] for r in rows] == [a.to_json()["risk"] for a in expected]
    stamp = cached.stat().st_mtime_ns
    copy = shutil.copytree(ending[1], tmp_path / "copy")
    for model in (ending[1], copy):
        code, again, err = run_cli(*args, "--model", model)
        assert code == 0 and again == first and "calibrating" not in err and str(cached) in err.replace("\n", "")
    assert cached.stat().st_mtime_ns == stamp and len(list(cached.parent.iterdir())) == 1
    # an upgrade may refit the shipped parts the calibration sits beside: its cache entry is not reused
    monkeypatch.setattr(model_calibration, "__version__", "0.0.0-next")
    code, out, err = run_cli(*args, "--model", ending[1])
    assert code == 0 and "calibrating" in err and len(list(cached.parent.iterdir())) == 2


def test_bad_model_is_one_line(run_cli, tiny_ar_en, tmp_path):
    (tmp_path / "s.ar").write_text(AR[0] + "\n", encoding="utf-8")
    (tmp_path / "t.zh").write_text("你好\n", encoding="utf-8")
    for model, to, expected in (
        (tmp_path / "missing", "zh", "no such model directory"),
        (tmp_path, "zh", "not a Marian model directory"),
        (tiny_ar_en, "zh", "needs a direct ar-zh model"),
    ):
        code, out, err = run_cli("qe", tmp_path / "s.ar", tmp_path / "t.zh", "--to", to, "--model", model)
        assert code != 0 and out == "" and expected in err and len(err.strip().splitlines()) == 1, err


def test_a_pair_too_long_for_the_model_gets_no_score(ending):
    from mt.backends.ct2 import CTranslate2Backend
    from mt.qe.model_score import ModelScorer

    scorer = ModelScorer(CTranslate2Backend(ending[1], threads=1), "en")
    scores = scorer.score([AR[0], AR[1]], [EN[0], "word " * 2000])
    assert isinstance(scores[0], float) and scores[1] is None


def test_a_model_part_flags_what_the_model_finds_unlikely_and_ignores_unscored_pairs():
    """The risk side alone: a hand-set model part and fixed scores (the model is beside the point here)."""
    from mt.data import qe_risk
    from mt.qe.estimator import QualityEstimator
    from mt.qe.risk import MODEL_PART, Part, RiskModel

    class FixedScores:
        feature = "model_score"

        def score(self, sources, translations):
            return [-1.0, -6.0, None]

    shipped = RiskModel.load(qe_risk("en"))
    risks = RiskModel({**shipped.parts, MODEL_PART: Part({"model_score": -4.0}, -12.0)}, shipped.threshold)
    rows = [
        a.to_json()
        for a in QualityEstimator("en", risk_model=risks).assess_all(AR[:3], EN[:3], scorers=[FixedScores()])
    ]
    plain = [a.to_json() for a in QualityEstimator("en").assess_all(AR[:3], EN[:3])]
    assert [row["model_score"] for row in rows] == [-1.0, -6.0, None]
    assert [flag["kind"] for flag in rows[1]["flags"]] == ["model"] and "-6.00" in rows[1]["flags"][0]["detail"]
    assert not any(flag["kind"] == "model" for row in (rows[0], rows[2]) for flag in row["flags"])
    assert rows[2]["risk"] == plain[2]["risk"]  # no score: the model part stays silent


def test_a_cache_that_cannot_be_written_is_reported_and_the_run_goes_on(run_cli, ending, tmp_path, monkeypatch):
    (tmp_path / "not-a-directory").write_text("", encoding="utf-8")
    monkeypatch.setenv("MT_CACHE_DIR", str(tmp_path / "not-a-directory"))
    (tmp_path / "s.ar").write_text(AR[0] + "\n", encoding="utf-8")
    (tmp_path / "t.en").write_text(EN[0] + "\n", encoding="utf-8")
    code, out, err = run_cli("qe", tmp_path / "s.ar", tmp_path / "t.en", "--to", "en", "--model", ending[1])
    assert code == 0 and "could not be cached" in err and "Traceback" not in err, err
    assert isinstance(json.loads(out)["model_score"], float)
