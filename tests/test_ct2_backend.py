"""The CTranslate2 backend against the transformers one: same tokens, scores, prefixes, suppression, attention.

mt.testing's tiny models have such small random weights that their output barely depends on the source
(greedy decoding gives one output for 30 FLORES sentences), so agreement on them proves little. These tests
use a "sharp" copy: the same tiny architecture re-drawn with weights of std 0.3 (the `<pad>` embedding kept at
zero, as in every Marian model: CTranslate2 starts the decoder from a zero embedding) and a `</s>` bias that
makes some sentences end early and others run to the limit.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from mt.backends.base import DecodeOptions
from mt.errors import ModelError
from tests.conftest import DATA, REPO, SEEDS

FLORES = (DATA / "flores200" / "flores200.dev.arb_Arab").read_text(encoding="utf-8").splitlines()


def sharpen(source: Path, out: Path, std: float = 0.3, eos_bias: float = 8.0, seed: int = 0) -> Path:
    """Copy a Marian directory with its weight matrices re-drawn at `std` and a `</s>` logit bias."""
    import torch
    from transformers import MarianMTModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    shutil.copytree(source, out)
    model = MarianMTModel.from_pretrained(source)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if parameter.dim() == 2 and "embed_positions" not in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * std)
        model.get_input_embeddings().weight[model.config.pad_token_id] = 0
        # as sharp as the tiny model was before generated models stopped writing source-only pieces: every
        # piece may be written again (the pad id stays out)
        model.final_logits_bias.clamp_(min=0)
        model.final_logits_bias[0, model.config.pad_token_id] = -1.0e4
        model.final_logits_bias[0, model.config.eos_token_id] = eos_bias
    model.save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def sharp(tiny_ar_en, tmp_path_factory):
    """(hf backend, ct2 float32 backend) on the same sharp tiny model."""
    from mt.backends.ct2 import CTranslate2Backend
    from mt.backends.hf import TransformersBackend
    from mt.models.convert import convert

    root = tmp_path_factory.mktemp("sharp")
    hf_dir = sharpen(tiny_ar_en, root / "hf")
    ct2_dir = convert(str(hf_dir), root / "ct2", quantization="float32")
    return TransformersBackend(hf_dir, threads=1), CTranslate2Backend(ct2_dir, threads=1)


def _sources(backend, count: int, start: int = 0) -> list[list[str]]:
    return [backend.vocab.encode_source(line)[:40] for line in FLORES[start : start + count]]


def _mean_log_prob(hf, source: list[str], pieces: list[str], finished: bool) -> float:
    """Teacher-forced mean token log-prob under the transformers model (a cut sentence counts its forced </s>
    as log-prob 0, as the hf backend's beam scores do)."""
    import torch

    input_ids, mask = hf._encode([source])
    ids = hf.vocab.target_ids(pieces) + ([hf.vocab.eos_id] if finished else [])
    with torch.no_grad():
        logits = hf.model(
            input_ids=input_ids,
            attention_mask=mask,
            decoder_input_ids=torch.tensor([[hf.pad_id] + ids[:-1]] if ids else [[hf.pad_id]]),
        ).logits
    log_probs = torch.log_softmax(logits[0], -1)
    total = sum(float(log_probs[j, i]) for j, i in enumerate(ids))
    return total / (len(ids) if finished else len(ids) + 1)


def test_greedy_float32_agrees_with_transformers(sharp):
    hf, ct2 = sharp
    sources = _sources(hf, 48)
    options = DecodeOptions(beam_size=1, max_decoding_length=30)
    ours, theirs = [], []
    for start in range(0, len(sources), 16):
        ours += ct2.translate_batch(sources[start : start + 16], options)
        theirs += hf.translate_batch(sources[start : start + 16], options)
    same = [a.pieces == b.pieces and a.finished == b.finished for a, b in zip(ours, theirs)]
    assert sum(same) / len(same) >= 0.9, Counter(same)
    finished = Counter(h.finished for h in ours)
    assert finished[True] >= 5 and finished[False] >= 5  # both ends of the length limit are exercised
    assert all(len(h.pieces) <= 29 for h in ours)  # at most 30 tokens including </s>, as on transformers
    assert len({tuple(h.pieces) for h in ours}) >= 5  # outputs depend on the source
    for source, hyp in list(zip(sources, ours))[:12]:
        assert hyp.score == pytest.approx(_mean_log_prob(hf, source, hyp.pieces, hyp.finished), abs=2e-3)


def test_beam_search_scores_are_mean_log_probs(sharp):
    """Beam search stops differently (CTranslate2 after beam_size finished hypotheses, transformers while a
    running beam could still win), so outputs may differ; the scores mean the same thing on both."""
    hf, ct2 = sharp
    sources = _sources(hf, 8, start=100)
    options = DecodeOptions(beam_size=4, max_decoding_length=20)
    ours, theirs = ct2.translate_batch(sources, options), hf.translate_batch(sources, options)
    same = [(a, b) for a, b in zip(ours, theirs) if a.pieces == b.pieces]
    assert len(same) >= 3
    for a, b in same:
        assert a.finished == b.finished and a.score == pytest.approx(b.score, abs=2e-3)
    for source, hyp in zip(sources, ours):
        assert hyp.score == pytest.approx(_mean_log_prob(hf, source, hyp.pieces, hyp.finished), abs=2e-3)


def test_forced_prefixes_are_per_example_and_never_cut(sharp):
    hf, ct2 = sharp
    sources = _sources(hf, 3, start=200)
    long_prefix = hf.vocab.encode_target("Alibaba Group AliExpress Taobao Asian Infrastructure Investment Bank")
    short_prefix = hf.vocab.encode_target("Hangzhou")
    assert len(long_prefix) > 12
    options = DecodeOptions(beam_size=1, max_decoding_length=12)
    prefixes = [long_prefix, None, short_prefix]
    ours = ct2.translate_batch(sources, options, target_prefix=prefixes)
    theirs = hf.translate_batch(sources, options, target_prefix=prefixes)
    assert ours[0].pieces[: len(long_prefix)] == long_prefix  # the limit grows to hold the whole prefix
    assert ours[2].pieces[: len(short_prefix)] == short_prefix
    raised = DecodeOptions(beam_size=1, max_decoding_length=len(long_prefix) + 1)  # the batch's limit
    assert ours[1].pieces == ct2.translate_batch([sources[1]], raised)[0].pieces  # no prefix leaks across
    assert [h.pieces for h in ours] == [h.pieces for h in theirs]
    beam = DecodeOptions(beam_size=4, max_decoding_length=12)
    for hyp, prefix in zip(ct2.translate_batch(sources, beam, target_prefix=prefixes), prefixes):
        assert hyp.pieces[: len(prefix or [])] == (prefix or [])


def test_suppression_is_per_example(sharp):
    hf, ct2 = sharp
    sources = _sources(hf, 4, start=300)
    options = DecodeOptions(beam_size=1, max_decoding_length=16)
    plain = ct2.translate_batch(sources, options)
    assert all(len(h.pieces) >= 4 for h in plain[:2]), [h.pieces for h in plain]
    first, second = plain[0].pieces, plain[1].pieces
    suppress = [[[first[0]], first[1:3]], [second[:2]], [], [[first[0]], first[1:3]]]
    ours = ct2.translate_batch(sources, options, suppress_sequences=suppress)
    theirs = hf.translate_batch(sources, options, suppress_sequences=suppress)
    assert [h.pieces for h in ours] == [h.pieces for h in theirs]
    assert first[0] not in ours[0].pieces and ours[0].pieces != first
    assert ours[1].pieces[:2] != second[:2]
    assert ours[2].pieces == plain[2].pieces  # an example without a list is decoded as without suppression
    for source, sequences, hyp in zip(sources, suppress, ours):
        alone = ct2.translate_batch([source], options, suppress_sequences=[sequences])[0]
        assert alone.pieces == hyp.pieces  # the same as decoding it alone with its own list
    prefix = first[:2]  # a forced prefix may contain a suppressed sequence; what follows may not repeat it
    [hyp] = ct2.translate_batch([sources[0]], options, target_prefix=[prefix], suppress_sequences=[[prefix]])
    assert hyp.pieces[:2] == prefix
    assert not any(hyp.pieces[j : j + 2] == prefix for j in range(1, len(hyp.pieces) - 1))


def test_attention_is_the_alignment_head_of_transformers(sharp):
    hf, ct2 = sharp
    [source] = _sources(hf, 1, start=400)
    target = ct2.translate_batch([source], DecodeOptions(1, 10))[0].pieces + ["▁Hangzhou"]
    ours, theirs = ct2.attention(source, target), hf.attention(source, target, layer=-1, head=0)
    assert len(ours) == len(target) and all(len(row) == len(source) + 1 for row in ours)
    for row_ours, row_theirs in zip(ours, theirs):
        assert sum(row_ours) == pytest.approx(1.0, abs=1e-4)
        assert row_ours == pytest.approx(row_theirs, abs=1e-4)
    assert ct2.attention(source, []) == []
    with pytest.raises(ModelError, match="alignment head"):
        ct2.attention(source, target, head=1)
    with pytest.raises(ModelError, match="alignment head"):
        ct2.attention(source, target, layer=0)


def test_int8_is_close_and_empty_batches_are_fine(sharp, tmp_path):
    from mt.backends.ct2 import CTranslate2Backend
    from mt.models.convert import convert

    hf, ct2 = sharp
    assert ct2.translate_batch([], DecodeOptions()) == []
    int8 = CTranslate2Backend(convert(str(hf.path), tmp_path / "int8", quantization="int8"), threads=1)
    assert int8.compute_type.startswith("int8") and ct2.compute_type == "float32"
    sources = _sources(hf, 16, start=500)
    options = DecodeOptions(beam_size=1, max_decoding_length=10)
    a, b = int8.translate_batch(sources, options), ct2.translate_batch(sources, options)
    assert sum(x.pieces[:3] == y.pieces[:3] for x, y in zip(a, b)) >= 8  # quantization moves some near-ties


def test_glossary_enforcement_on_both_backends(tiny_ar_en, tmp_path):
    """The lead's enforcer (mt/decoding/enforce.py) on top of either backend: every seed-article term present,
    and with float32 greedy decoding the two backends give the same text and the same term report."""
    from mt.glossary import Glossary
    from mt.models.convert import convert
    from mt.pipeline import Translator

    glossary = Glossary.load(REPO / "glossaries" / "ecommerce.tsv")
    lines = (SEEDS / "article.ar.txt").read_text(encoding="utf-8").split("\n")
    ct2_dir = convert(str(tiny_ar_en), tmp_path / "ct2", quantization="float32")
    settings = dict(glossary=glossary, beam_size=1, max_length_ratio=0.5, max_length_extra=4, threads=1)
    runs = {}
    for name, model in (("hf", tiny_ar_en), ("ct2", ct2_dir)):
        translator = Translator({"ar-en": str(model)}, **settings)
        runs[name] = translator.translate(lines, to="en")
        assert translator.legs("en")[0].backend.name == name
        assert translator.stats.terms_found == translator.stats.terms_present >= 40
    report = {
        name: [[(t.concept_id, t.status) for s in line.sentences for t in s.terms] for line in results]
        for name, results in runs.items()
    }
    assert report["hf"] == report["ct2"]
    assert [r.translation for r in runs["hf"]] == [r.translation for r in runs["ct2"]]
    assert any(status == "enforced" for line in report["ct2"] for _, status in line)


@pytest.mark.parametrize("beam", [1, 4])
def test_hf_scores_are_read_off_the_search(sharp, beam, monkeypatch):
    """The transformers backend reads each output's mean log-prob off the search (no second, teacher-forced
    pass): the same value that pass gives, for free, forced-prefix and cut sentences included."""
    hf, _ = sharp
    monkeypatch.setattr(hf, "_mean_log_probs", lambda *args: pytest.fail("the teacher-forced pass was used"))
    sources = _sources(hf, 16, start=200)
    prefix = hf.vocab.encode_target("the United Nations")
    prefixes = [prefix if k % 2 else None for k in range(len(sources))]
    hyps = hf.translate_batch(sources, DecodeOptions(beam_size=beam, max_decoding_length=20), target_prefix=prefixes)
    assert Counter(h.finished for h in hyps).keys() == {True, False}
    for k, (source, hyp) in enumerate(zip(sources, hyps)):
        if prefixes[k]:
            assert hyp.pieces[: len(prefix)] == prefix
        assert hyp.score == pytest.approx(_mean_log_prob(hf, source, hyp.pieces, hyp.finished), abs=1e-4)


@pytest.mark.parametrize("kind", ["hf", "ct2"])
def test_a_model_that_fails_to_load_keeps_its_cause(tiny_ar_en, tmp_path, kind):
    """Issue 10 item 6: a load failure is a one-line ModelError with the library's whole message, and the
    library's exception chained as its cause (it was `from None` and cut at 300 characters for ct2; an
    unwrapped internal error for hf)."""
    from mt.backends.loading import load_backend
    from mt.models.convert import convert

    if kind == "hf":
        broken = tmp_path / "hf"
        shutil.copytree(tiny_ar_en, broken)
        (broken / "model.safetensors").write_bytes(b"not a safetensors file " * 40)
    else:
        broken = convert(str(tiny_ar_en), tmp_path / "ct2", quantization="int8")
        (broken / "model.bin").write_bytes(b"not a CTranslate2 model " * 40)
    with pytest.raises(ModelError) as caught:
        load_backend(str(broken))
    assert caught.value.__cause__ is not None
    assert " ".join(str(caught.value.__cause__).split()) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_attention_batch_equals_one_pair_at_a_time(sharp, monkeypatch):
    """The batched forced pass (the aligner's and the enforcer's) gives each pair the matrix it has alone, on
    both backends: padding (a 2-piece source beside 40-piece ones, a 1-piece target beside 40-piece ones, an
    empty target) changes nothing; the single-pair call is the batched one with one pair."""
    hf, ct2 = sharp
    sources = _sources(hf, 5, start=200) + [hf.vocab.encode_source("مرحبا"), _sources(hf, 1, start=300)[0]]
    targets = [ct2.translate_batch([s], DecodeOptions(1, 40))[0].pieces for s in sources[:5]]
    targets += [hf.vocab.encode_target("Hello"), []]
    targets[0] = targets[0] + hf.vocab.encode_target(" and the Asian Infrastructure Investment Bank") * 3
    assert len(sources[5]) <= 6 < 30 <= len(sources[0]) and len(targets[5]) <= 3 < 30 <= len(targets[0])
    matrices = {}
    for backend in (hf, ct2):
        batched = backend.attention_batch(sources, targets)
        assert len(batched) == len(sources) and batched[6] == []
        for source, target, matrix in zip(sources, targets, batched):
            alone = backend.attention(source, target)
            assert len(matrix) == len(target) and all(len(row) == len(source) + 1 for row in matrix)
            for row, row_alone in zip(matrix, alone):
                assert row == pytest.approx(row_alone, abs=1e-5)
        matrices[backend.name] = batched
    for a, b in zip(matrices["hf"], matrices["ct2"]):  # the two backends read the same head
        for row_hf, row_ct2 in zip(a, b):
            assert row_hf == pytest.approx(row_ct2, abs=1e-4)
    monkeypatch.setattr(type(hf), "ATTENTION_BUDGET", 1)  # hf slices a batch to bound memory: one pair a pass
    for matrix, sliced in zip(matrices["hf"], hf.attention_batch(sources, targets)):
        for row, row_sliced in zip(matrix, sliced):
            assert row == pytest.approx(row_sliced, abs=1e-5)
    assert hf.attention_batch([], []) == [] and ct2.attention_batch([], []) == []
    with pytest.raises(ModelError, match="alignment head"):
        ct2.attention_batch(sources, targets, head=1)
