"""Glossary enforcement with tiny random models: every matched term present, once, where it belongs."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from mt.glossary import Glossary
from mt.glossary.verify import concept_spans
from mt.glossary.tico import load_tico19
from mt.pipeline import Translator
from tests.conftest import DATA, REPO, SEEDS

SEED_LINES = (SEEDS / "article.ar.txt").read_text(encoding="utf-8").split("\n")
GLOSSARY = REPO / "glossaries" / "ecommerce.tsv"
FAST = {"max_length_ratio": 0.5, "max_length_extra": 4}


@pytest.fixture(scope="module")
def seed_glossary() -> Glossary:
    return Glossary.load(GLOSSARY)


@pytest.fixture(scope="module")
def tico_glossary() -> Glossary:
    return load_tico19(DATA / "tico19")


def _models(tiny_ar_en, tiny_en_zh) -> dict[str, str]:
    return {"ar-en": str(tiny_ar_en), "en-zh": str(tiny_en_zh)}


def assert_terms_present_once(results, glossary: Glossary, target: str) -> int:
    """Every term the glossary matches in a sentence is in its translation, as often as in the source."""
    checked = 0
    for line in results:
        for sentence in line.sentences:
            expected = Counter(m.concept.id for m in glossary.match(sentence.source) if m.concept.targets(target))
            reported = Counter(t.concept_id for t in sentence.terms)
            assert reported == expected, sentence.source
            concepts = {t.concept_id: t.concept for t in sentence.terms}
            found = concept_spans(sentence.translation, concepts, target, expected)
            for term in sentence.terms:
                assert term.status in ("verified", "enforced"), (term, sentence.translation)
                assert sentence.source[term.start : term.end] == term.source
                assert len(found[term.concept_id]) >= expected[term.concept_id], (term, sentence.translation)
                if term.status == "enforced":  # what the repair placed is never duplicated
                    assert len(found[term.concept_id]) == expected[term.concept_id], (term, sentence.translation)
                checked += 1
    return checked


@pytest.mark.parametrize("target", ["en", "zh"])
def test_seed_article_every_term_present(tiny_ar_en, tiny_en_zh, seed_glossary, target):
    translator = Translator(_models(tiny_ar_en, tiny_en_zh), glossary=seed_glossary, **FAST)
    results = translator.translate(SEED_LINES, to=target)
    checked = assert_terms_present_once(results, seed_glossary, target)
    assert checked >= 40  # the seed article is full of names
    assert translator.stats.terms_found == translator.stats.terms_present == checked
    enforced = [t for r in results for s in r.sentences for t in s.terms if t.status == "enforced"]
    assert enforced  # random weights never produce the names by themselves: the repair did the work


@pytest.mark.parametrize("target", ["en", "zh"])
def test_tico19_dev_terms_present(tiny_ar_en, tiny_en_zh, tico_glossary, target):
    lines = (DATA / "tico19" / "tico19.dev.ar").read_text(encoding="utf-8").splitlines()[:120]
    translator = Translator(_models(tiny_ar_en, tiny_en_zh), glossary=tico_glossary, beam_size=2, **FAST)
    results = translator.translate(lines, to=target)
    assert assert_terms_present_once(results, tico_glossary, target) >= 100


@pytest.mark.slow
@pytest.mark.parametrize("target", ["en", "zh"])
def test_tico19_dev_all_sentences(tiny_ar_en, tiny_en_zh, tico_glossary, target):
    lines = (DATA / "tico19" / "tico19.dev.ar").read_text(encoding="utf-8").splitlines()
    translator = Translator(_models(tiny_ar_en, tiny_en_zh), glossary=tico_glossary, beam_size=2, **FAST)
    results = translator.translate(lines, to=target)
    assert len(results) == 971
    assert assert_terms_present_once(results, tico_glossary, target) >= 1000


def test_sentences_without_terms_are_unchanged(tiny_ar_en, seed_glossary):
    lines = (DATA / "flores200" / "flores200.dev.arb_Arab").read_text(encoding="utf-8").splitlines()[:40]
    plain = Translator({"ar-en": str(tiny_ar_en)}, **FAST).translate(lines, to="en")
    with_terms = Translator({"ar-en": str(tiny_ar_en)}, glossary=seed_glossary, **FAST).translate(lines, to="en")
    untouched = 0
    for a, b in zip(plain, with_terms):
        for x, y in zip(a.sentences, b.sentences):
            if not y.terms:
                assert x.translation == y.translation and x.score == y.score
                untouched += 1
    assert untouched >= 20
    assert any(s.terms for r in with_terms for s in r.sentences)  # FLORES mentions places of the glossary


def test_soft_mode_reports_and_changes_nothing(tiny_ar_en, seed_glossary):
    plain = Translator({"ar-en": str(tiny_ar_en)}, **FAST).translate(SEED_LINES[:3], to="en")
    soft = Translator({"ar-en": str(tiny_ar_en)}, glossary=seed_glossary, glossary_mode="soft", **FAST)
    results = soft.translate(SEED_LINES[:3], to="en")
    assert [r.translation for r in results] == [r.translation for r in plain]
    statuses = {t.status for r in results for s in r.sentences for t in s.terms}
    assert "missing" in statuses and "enforced" not in statuses
    off = Translator({"ar-en": str(tiny_ar_en)}, glossary=seed_glossary, glossary_mode="off", **FAST)
    assert all(not s.terms for r in off.translate(SEED_LINES[:3], to="en") for s in r.sentences)


def test_unspellable_target_is_reported_missing(tiny_ar_en, tmp_path, caplog):
    path = tmp_path / "odd.tsv"
    path.write_text(
        "id\tar\ten\tzh\tforbidden_en\tforbidden_zh\ttype\tnote\n"
        "odd\tعلي بابا\t\U00013000\t\t\t\tother\tnot spellable\n",
        encoding="utf-8",
    )
    translator = Translator({"ar-en": str(tiny_ar_en)}, glossary=Glossary.load(path), **FAST)
    [result] = translator.translate([SEED_LINES[0]], to="en")
    terms = [t for s in result.sentences for t in s.terms]
    assert terms and all(t.status == "missing" and t.target is None for t in terms)
    assert "cannot spell" in caplog.text


def test_cli_glossary_jsonl_and_summary(run_cli, fast_tiny, tmp_path):
    out = tmp_path / "seed.jsonl"
    code, _, err = run_cli(
        "translate", SEEDS / "article.ar.txt", "--to", "zh", "-o", out, "--glossary", GLOSSARY, *fast_tiny
    )
    assert code == 0, err
    records = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    terms = [t for r in records for s in r["sentences"] for t in s["terms"]]
    assert terms and all({"concept", "source", "start", "end", "target", "status"} <= t.keys() for t in terms)
    assert all(t["status"] in ("verified", "enforced") for t in terms)
    assert f"glossary: {len(terms)} terms found, {len(terms)} present" in err
    aliexpress = [t for t in terms if t["concept"] == "aliexpress"]
    assert aliexpress and aliexpress[0]["target"] in ("全球速卖通", "速卖通")


def test_cli_bad_glossary_is_one_line(run_cli, fast_tiny, tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("id\tar\ten\nonly-three\tcolumns\n", encoding="utf-8")
    code, out, err = run_cli("translate", SEEDS / "article.ar.txt", "--to", "en", "--glossary", bad, *fast_tiny)
    assert code != 0 and out == ""
    assert len(err.strip().splitlines()) == 1 and str(bad) in err
    code, _, err = run_cli(
        "translate",
        SEEDS / "article.ar.txt",
        "--to",
        "en",
        "--glossary-mode",
        "loose",
        "--glossary",
        GLOSSARY,
        *fast_tiny,
    )
    assert code != 0 and "glossary mode" in err


def test_completes_any_counts_only_decoded_tokens():
    from mt.decoding.enforce import completes_any

    pieces = ["▁the", "▁China", "▁and", "▁China", "▁Ch", "ina"]
    assert not completes_any(pieces, 4, [["▁China"]])  # both occurrences lie in the forced prefix
    assert completes_any(pieces, 3, [["▁China"]])  # the second one was decoded
    assert completes_any(pieces, 5, [["▁Ch", "ina"]])  # a sequence that ends after the prefix counts
    assert not completes_any(pieces, 6, [["▁Ch", "ina"]])
    assert not completes_any(pieces, 0, [])


class _RoundLeg:
    """A leg whose model writes "▁China" after every prefix unless told to suppress it; records its calls."""

    def __init__(self):
        self.calls = []

    def decode(self, sources, prefixes=None, suppress=None, return_attention=False):
        from mt.backends.base import Hypothesis

        self.calls.append((len(sources), suppress is not None))
        out = []
        for k, prefix in enumerate(prefixes):
            banned = {tuple(s) for s in (suppress[k] if suppress else [])}
            tail = ["▁more"] if ("▁China",) in banned else ["▁China"]
            out.append(Hypothesis(list(prefix) + tail, -1.0, True))
        return out


def test_repair_round_is_one_batch_and_redoes_only_duplicates():
    from mt.decoding.batching import run
    from mt.decoding.enforce import Enforcer

    leg = _RoundLeg()
    prefixes = [["▁in", "▁China"], ["▁the", "▁US"], ["▁x", "▁AliExpress"]]
    suppress = [[["▁China"]], [["▁U", "S"], ["▁US"]], []]
    hyps = run(Enforcer._decode_round(leg, [["a"], ["b"], ["c"]], prefixes, suppress))
    # one call for the whole round, then one more for the only sentence whose decode repeated a placed form
    assert leg.calls == [(3, False), (1, True)]
    assert [h.pieces for h in hyps] == [
        ["▁in", "▁China", "▁more"],
        ["▁the", "▁US", "▁China"],
        ["▁x", "▁AliExpress", "▁China"],
    ]


def test_separator_row_copies_the_word_it_starts():
    from mt.decoding.enforce import Enforcer

    matrix = [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]
    assert Enforcer._with_separator_row(matrix, None) is matrix
    assert Enforcer._with_separator_row(matrix, 1) == [[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.5, 0.5]]


def test_missing_terms_of_a_sentence_share_a_round(tiny_ar_en, seed_glossary):
    """A sentence missing many terms is repaired in fewer rounds than it has terms: the terms whose places do
    not overlap go into one forced prefix (the seed article's first line holds a dozen names)."""
    translator = Translator({"ar-en": str(tiny_ar_en)}, glossary=seed_glossary, **FAST)
    [leg] = translator.legs("en")
    decode, rounds = leg.backend.translate_batch, []

    def counting(sources, options, **kwargs):
        if kwargs.get("target_prefix") is not None and kwargs.get("suppress_sequences") is None:
            rounds.append(len(sources))
        return decode(sources, options, **kwargs)

    leg.backend.translate_batch = counting
    results = translator.translate(SEED_LINES, to="en")
    assert_terms_present_once(results, seed_glossary, "en")
    enforced = [sum(t.status == "enforced" for t in s.terms) for r in results for s in r.sentences]
    assert max(enforced) >= 5
    assert 1 <= len(rounds) < max(enforced)


@pytest.mark.parametrize("target", ["en", "zh"])
def test_repair_round_rides_in_the_next_blocks_decode(tiny_ar_en, tiny_en_zh, tico_glossary, target, monkeypatch):
    """A block's repair round (after the first block) is decoded in the same call as the next block's first
    decode; the first block comes back before the second is read; the sentences without terms read exactly as
    when every request is served on its own, and into English as with no glossary at all (the repairs ride
    only where they change nothing for them)."""
    from mt.decoding import batching

    lines = (DATA / "tico19" / "tico19.dev.ar").read_text(encoding="utf-8").splitlines()[:90]
    # numbers off: "free" sentences are those without a repair, and numbers are repaired like terms
    settings = {"beam_size": 2, "max_length_ratio": 0.5, "max_length_extra": 8, "numbers": "off"}
    translator = Translator(_models(tiny_ar_en, tiny_en_zh), glossary=tico_glossary, **settings)
    mixed = []
    for leg in translator.legs(target):  # one leg call serves the round and the next block (its batches
        decode = leg.decode  # keep prefixed and free sentences apart: mt.decoding.leg)

        def recording(sources, prefixes=None, *args, decode=decode, **kwargs):
            if prefixes is not None and any(prefixes) and not all(prefixes):
                mixed.append(len(sources))
            return decode(sources, prefixes, *args, **kwargs)

        leg.decode = recording
    read = []

    def source():
        for line in lines:
            read.append(line)
            yield line

    stream = translator.translate_stream(source(), to=target)
    first = next(stream)
    assert len(read) == 16  # the first block (16 one-sentence lines) alone, repaired without riding
    shared = [first] + list(stream)
    assert mixed  # leg calls that held repair prefixes and free sentences together
    assert assert_terms_present_once(shared, tico_glossary, target) >= 60

    def free(results):  # sentences without terms: no repair on either leg
        return [(s.source, s.translation, s.score) for r in results for s in r.sentences if not s.terms]

    assert len(free(shared)) >= 20
    if target == "en":  # (through the pivot, leg 2 batches a free sentence's English beside repaired ones,
        # whose English differs from the glossary-off run, so their batch limits may differ: as before riding)
        plain = Translator(_models(tiny_ar_en, tiny_en_zh), **settings).translate(lines, to=target)
        assert free(shared) == [x for x in free(plain) if x[0] in {y[0] for y in free(shared)}]

    def one_by_one(running):
        for r in running:
            if not r.done:
                r._advance(batching.serve([r.request])[0])

    monkeypatch.setattr(batching.Running, "step", staticmethod(one_by_one))
    mixed.clear()
    alone = translator.translate(lines, to=target)
    assert not mixed
    assert free(alone) == free(shared)


def test_pivot_carries_leg_one_terms_by_position(tiny_ar_en, tiny_en_zh, seed_glossary):
    """ar -> en -> zh: a term leg 1 verified in a form the English matcher does not read ("Asian Infrastructure
    Investment Banks": verification accepts the plural, source-side matching does not) was lost in Chinese,
    reported missing. Leg 1's placed terms now reach leg 2 by their spans, so the Chinese form is enforced."""
    from mt.backends.base import Hypothesis

    english = "The Asian Infrastructure Investment Banks grew."
    source = "نما البنك الآسيوي للاستثمار في البنية التحتية."
    assert [m.concept.id for m in seed_glossary.match(source)] == ["aiib"]
    assert not seed_glossary.match(english, lang="en")  # the English matcher does not read the plural
    translator = Translator(_models(tiny_ar_en, tiny_en_zh), glossary=seed_glossary, **FAST)
    leg1 = translator.legs("zh")[0]
    pieces = leg1.backend.vocab.target_spm.encode(english, out_type=str)

    def fixed_english(sources, options, **kwargs):  # leg 1's model writes the plural
        return [Hypothesis(list(pieces), -0.5, True) for _ in sources]

    leg1.backend.translate_batch = fixed_english
    [line] = translator.translate([source], to="zh")
    [sentence] = line.sentences
    assert sentence.intermediate == english
    [term] = sentence.terms
    assert term.concept_id == "aiib" and term.status == "enforced", sentence.terms
    assert "亚洲基础设施投资银行" in sentence.translation


def test_repair_attention_is_one_batch_per_round(tiny_ar_en, seed_glossary):
    """The transformers backend returns no attention with a decode: the enforcer asks for the alignment head of
    every sentence of a repair round in one forced pass (Backend.attention_batch), not one pass per sentence,
    and the translations and term reports are the ones one pass per sentence gives."""

    def run(one_at_a_time: bool):
        translator = Translator({"ar-en": str(tiny_ar_en)}, glossary=seed_glossary, **FAST)
        [leg] = translator.legs("en")
        batched, calls = leg.backend.attention_batch, []

        def recording(sources, targets, layer=-1, head=0):
            if one_at_a_time:
                calls.extend([1] * len(sources))
                return [batched([s], [t], layer, head)[0] for s, t in zip(sources, targets)]
            calls.append(len(sources))
            return batched(sources, targets, layer, head)

        leg.backend.attention_batch = recording
        results = translator.translate(SEED_LINES, to="en")
        return [
            (s.translation, [(t.concept_id, t.status, t.target, t.target_span) for t in s.terms])
            for r in results
            for s in r.sentences
        ], calls

    batched, calls = run(False)
    alone, passes = run(True)
    assert batched == alone
    assert max(calls) > 1 and len(calls) < len(passes) == sum(calls)
