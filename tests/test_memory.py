"""mt.memory.TranslationMemory on real SQLite files with real UN / FLORES / TICO-19 text: opening and refusing
files, exact reuse keyed by model and fingerprints, human-over-MT precedence, fuzzy look-up, concurrency, prune."""

from __future__ import annotations

import hashlib
import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from mt.glossary import Glossary
from mt.memory import (
    SCHEMA_VERSION,
    MtKey,
    Segment,
    TranslationMemory,
    TranslationMemoryError,
    fingerprint,
    glossary_fingerprint,
    normalise_source,
)
from mt.text.arabic import normalize_token
from tests.conftest import DATA, REPO

UN = DATA / "un_v1.0" / "UNv1.0.devset"
FLORES = DATA / "flores200" / "flores200.dev"
TICO = DATA / "tico19" / "tico19.dev"
KEY = MtKey("Helsinki-NLP/opus-mt-ar-en", "main", "g1", "beam4")


def lines(path: Path, n: int | None = None) -> list[str]:
    return path.read_text(encoding="utf-8").rstrip("\n").split("\n")[:n]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def flores(tmp_path):
    """A memory with the first 200 FLORES dev sentences stored as MT (ar -> en) under KEY."""
    ar, en = lines(Path(f"{FLORES}.arb_Arab"), 200), lines(Path(f"{FLORES}.eng_Latn"), 200)
    tm = TranslationMemory.open(tmp_path / "flores.tm")
    tm.store_mt([Segment(a, e, "en") for a, e in zip(ar, en)], KEY)
    yield tm, ar, en
    tm.close()


def test_normalisation_is_the_glossarys(tmp_path):
    sentence = lines(Path(f"{UN}.ar"), 3)[2]
    # harakat, tatweel, hamza-less alef and doubled spaces: the glossary's folding makes them one key
    variant = sentence.replace("أ", "ا").replace("ة", "ة\u064f").replace("ل", "ـل", 1).replace(" ", "  ", 3)
    assert variant != sentence and normalise_source(variant) == normalise_source(sentence)
    for word in sentence.split()[:12]:
        assert normalise_source(word) == normalize_token(word)  # a one-word segment is its glossary key
    assert normalise_source("مصطفى") == "مصطفي" and normalise_source("على") == "على"  # fold_final_yeh, as glossary
    assert normalise_source("قال.") != normalise_source("قال؟")  # punctuation changes a translation: kept


def test_new_memory_schema(tmp_path):
    path = tmp_path / "new.tm"
    with TranslationMemory.open(path) as tm:
        assert tm.stats().entries == 0
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert dict(db.execute("SELECT key, value FROM meta"))["schema_version"] == str(SCHEMA_VERSION)
    db.close()
    with TranslationMemory.open(path, create=False) as tm:  # reopening an existing memory
        assert tm.stats().schema_version == SCHEMA_VERSION


def test_missing_memory_is_not_created_when_reading(tmp_path):
    with pytest.raises(TranslationMemoryError, match="no such translation memory"):
        TranslationMemory.open(tmp_path / "absent.tm", create=False)
    assert not (tmp_path / "absent.tm").exists()
    with pytest.raises(TranslationMemoryError, match="no such directory"):
        TranslationMemory.open(tmp_path / "nodir" / "x.tm")


def test_empty_file(tmp_path):
    path = tmp_path / "touched.tm"
    path.touch()
    with pytest.raises(TranslationMemoryError, match="empty file"):
        TranslationMemory.open(path, create=False)
    assert path.read_bytes() == b""
    with TranslationMemory.open(path) as tm:  # a writer makes an empty file a memory
        tm.add_human([Segment("نص", "text", "en")])
    with TranslationMemory.open(path, create=False) as tm:
        assert tm.stats().entries == 1


def test_refuses_other_sqlite_database_untouched(tmp_path):
    path = tmp_path / "other.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (body TEXT)")
    db.execute("INSERT INTO notes VALUES ('mine')")
    db.commit()
    db.close()
    before = digest(path)
    with pytest.raises(TranslationMemoryError, match="not a Tarjama translation memory") as error:
        TranslationMemory.open(path)
    assert "\n" not in str(error.value)
    assert digest(path) == before
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # not switched to WAL


def test_refuses_text_file_untouched(tmp_path):
    path = tmp_path / "un.tm"
    path.write_bytes(Path(f"{UN}.ar").read_bytes()[:5000])
    before = digest(path)
    with pytest.raises(TranslationMemoryError, match="not an SQLite database"):
        TranslationMemory.open(path)
    assert digest(path) == before


def test_refuses_damaged_memory_untouched(tmp_path):
    path = tmp_path / "damaged.tm"
    with TranslationMemory.open(path) as tm:
        tm.add_human(Segment(a, e, "en") for a, e in zip(lines(Path(f"{UN}.ar"), 300), lines(Path(f"{UN}.en"), 300)))
    data = bytearray(path.read_bytes())
    data[100:4096] = bytes(range(256)) * 15 + bytes(range(256))[:156]  # page 1 after the header: the schema
    path.write_bytes(bytes(data))
    before = digest(path)
    with pytest.raises(TranslationMemoryError, match="damaged") as error:
        TranslationMemory.open(path)
    assert "\n" not in str(error.value)
    assert digest(path) == before


def test_damaged_pages_are_reported(tmp_path):
    path = tmp_path / "pages.tm"
    with TranslationMemory.open(path) as tm:
        tm.add_human(Segment(a, e, "en") for a, e in zip(lines(Path(f"{UN}.ar"), 2000), lines(Path(f"{UN}.en"), 2000)))
    data = bytearray(path.read_bytes())
    middle = len(data) // 2 // 4096 * 4096
    data[middle : middle + 8192] = b"\xff" * 8192
    path.write_bytes(bytes(data))
    try:
        with TranslationMemory.open(path) as tm:
            problems = tm.check()
    except TranslationMemoryError:
        problems = ["refused on open"]
    assert problems


def test_refuses_newer_schema(tmp_path):
    path = tmp_path / "future.tm"
    TranslationMemory.open(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(TranslationMemoryError, match="newer"):
        TranslationMemory.open(path)


def test_exact_reuse_needs_the_same_key(flores):
    tm, ar, en = flores
    assert [e.target if e else None for e in tm.lookup(ar[:50], "en", KEY)] == en[:50]
    for other in (
        MtKey("other/model", "main", "g1", "beam4"),
        MtKey(KEY.model_id, "v2", "g1", "beam4"),
        MtKey(KEY.model_id, "main", "g2", "beam4"),
        MtKey(KEY.model_id, "main", "g1", "greedy"),
    ):
        assert tm.lookup(ar[:50], "en", other) == [None] * 50, other  # another model/glossary/decoding: re-translate
    assert tm.lookup(ar[:5], "zh", KEY) == [None] * 5  # another target language
    assert tm.lookup(ar[:5], "en", None) == [None] * 5  # no key: human entries only


def test_lookup_matches_normalised_sources_in_order(flores):
    tm, ar, en = flores
    queries = [ar[7] + " ", ar[3].replace(" ", "\u0640 ", 1), "لا توجد هذه الجملة في الذاكرة", ar[7]]
    hits = tm.lookup(queries, "en", KEY)
    assert [h.target if h else None for h in hits] == [en[7], en[3], None, en[7]]
    assert hits[0].origin == "mt" and hits[0].model_id == KEY.model_id and hits[0].decoding_fp == "beam4"


def test_human_wins_over_any_mt(flores):
    tm, ar, en = flores
    human = "HUMAN: " + en[4]
    tm.add_human([Segment(ar[4].replace("ا", "أ", 1), human, "en")])  # the same sentence, spelt differently
    for key in (KEY, MtKey("any/other-model"), None):
        hit = tm.lookup([ar[4], ar[5]], "en", key)
        assert hit[0].target == human and hit[0].origin == "human"
    assert tm.lookup([ar[5]], "en", KEY)[0].origin == "mt"


def test_store_updates_and_counts(flores):
    tm, ar, en = flores
    counts = tm.store_mt(
        [
            Segment(ar[0], en[0], "en"),
            Segment(ar[1], "changed", "en", score=-0.5),
            Segment(ar[250 % 200] + " جديد", "new", "en"),
        ],
        KEY,
    )
    assert (counts.added, counts.updated, counts.unchanged) == (1, 1, 1)
    hit = tm.lookup([ar[1]], "en", KEY)[0]
    assert hit.target == "changed" and hit.score == -0.5


def test_store_is_one_transaction(flores):
    tm, ar, en = flores
    before = tm.stats().entries
    with pytest.raises(TranslationMemoryError, match="target language"):
        tm.store_mt([Segment(ar[0] + " أ", "a", "en"), Segment(ar[1] + " ب", "b", "fr")], KEY)
    assert tm.stats().entries == before  # the first segment was rolled back with the second
    counts = tm.store_mt(
        [Segment(ar[0] + " أ", "a", "en"), Segment(ar[1] + " ب", " ", "en"), Segment("\u064e\u0640", "mark", "en")], KEY
    )
    assert (counts.added, counts.skipped) == (1, 2)  # nothing to reuse in an empty source or target
    with pytest.raises(TranslationMemoryError, match="model id"):
        tm.store_mt([Segment(ar[0], "x", "en")], MtKey(""))
    with pytest.raises(TranslationMemoryError, match="target language"):
        tm.store_mt([Segment(ar[0], "x", "fr")], KEY)


def test_fuzzy_ranks_the_near_duplicate_first(tmp_path):
    ar, en, zh = lines(Path(f"{UN}.ar"), 1500), lines(Path(f"{UN}.en"), 1500), lines(Path(f"{UN}.zh"), 1500)
    with TranslationMemory.open(tmp_path / "un.tm") as tm:
        tm.add_human([Segment(a, e, "en") for a, e in zip(ar, en)] + [Segment(a, z, "zh") for a, z in zip(ar, zh)])
        tested = 0
        for i in range(100, 1500, 70):
            words = ar[i].split()
            if len(words) < 10:
                continue
            query = " ".join(words[:4] + words[5:])  # one word dropped
            matches = tm.fuzzy(query, "en", min_similarity=75, limit=3)
            assert matches and matches[0].entry.source_norm == normalise_source(ar[i]), (i, matches[:1])
            assert matches[0].entry.target == en[i] and 75 <= matches[0].similarity < 100
            assert all(m.similarity >= 75 and m.entry.target_lang == "en" for m in matches)
            assert [m.similarity for m in matches] == sorted((m.similarity for m in matches), reverse=True)
            tested += 1
        assert tested >= 10
        exact = tm.fuzzy(ar[200], "zh", limit=1)
        assert exact[0].similarity == 100 and exact[0].entry.target == zh[200]
        both = tm.fuzzy(ar[200], None, limit=5, min_similarity=100)
        assert {m.entry.target_lang for m in both} == {"en", "zh"}
        assert tm.fuzzy("لا", "en") == [] and tm.fuzzy("   ", "en") == []
        unrelated = lines(Path(f"{TICO}.ar"), 1)[0]
        assert tm.fuzzy(unrelated, "en", min_similarity=75) == []


def test_fuzzy_puts_human_before_mt_on_a_tie(flores):
    tm, ar, en = flores
    tm.add_human([Segment(ar[9], "human " + en[9], "en")])
    matches = tm.fuzzy(ar[9], "en", limit=2, min_similarity=100)
    assert [m.entry.origin for m in matches] == ["human", "mt"]


def test_fuzzy_sees_entries_added_after_the_trigram_counts(tmp_path):
    ar, en = lines(Path(f"{UN}.ar"), 600), lines(Path(f"{UN}.en"), 600)
    with TranslationMemory.open(tmp_path / "grow.tm") as tm:
        tm.add_human([Segment(a, e, "en") for a, e in zip(ar[:300], en[:300])])
        assert tm.fuzzy(ar[10], "en", limit=1)[0].similarity == 100  # counts taken now, at 300 entries
        tm.add_human([Segment(a, e, "en") for a, e in zip(ar[300:], en[300:])])
        for i in (350, 450, 599):
            assert tm.fuzzy(ar[i], "en", limit=1)[0].entry.target == en[i]


def _writer(path: str, name: str, sources: list[str], batch: int) -> None:
    with TranslationMemory.open(path, busy_timeout=60) as tm:
        key = MtKey(name)
        for start in range(0, len(sources), batch):
            tm.store_mt([Segment(s, f"{name}: {s[:20]}", "en") for s in sources[start : start + batch]], key)


def _reader(path: str, rounds: int, batch: int, queue) -> None:
    bad = 0
    with TranslationMemory.open(path, create=False) as tm:
        for _ in range(rounds):
            counts = tm.stats().by_model
            bad += sum(n % batch != 0 for n in counts.values())
    queue.put(bad)


def test_two_processes_write_one_memory(tmp_path):
    path = str(tmp_path / "shared.tm")
    sources = lines(Path(f"{UN}.ar"))
    sources = list(dict.fromkeys(s for s in sources if s))[:2400]
    TranslationMemory.open(path).close()
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    # both writers store the same 2,400 sentences (under their own model id) in batches of 40
    writers = [context.Process(target=_writer, args=(path, name, sources, 40)) for name in ("model-a", "model-b")]
    reader = context.Process(target=_reader, args=(path, 60, 40, queue))
    for p in writers + [reader]:
        p.start()
    for p in writers + [reader]:
        p.join(120)
        assert p.exitcode == 0
    assert queue.get(timeout=5) == 0  # the reader never saw part of a batch
    with TranslationMemory.open(path) as tm:
        stats = tm.stats()
        expected = len({normalise_source(s) for s in sources})
        assert stats.by_model == {"model-a": expected, "model-b": expected}
        for name in ("model-a", "model-b"):
            assert None not in tm.lookup(sources, "en", MtKey(name))


def test_two_processes_create_one_memory(tmp_path):
    path = str(tmp_path / "fresh.tm")
    sources = [s for s in lines(Path(f"{TICO}.ar")) if s][:400]
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_writer, args=(path, name, sources, 20)) for name in ("first", "second")]
    for p in writers:
        p.start()
    for p in writers:
        p.join(120)
        assert p.exitcode == 0
    with TranslationMemory.open(path, create=False) as tm:
        expected = len({normalise_source(s) for s in sources})
        assert tm.stats().by_model == {"first": expected, "second": expected}


def test_prune_by_origin_and_model(flores):
    tm, ar, en = flores
    tm.store_mt([Segment(a, "other " + e, "en") for a, e in zip(ar[:30], en[:30])], MtKey("other/model"))
    tm.add_human([Segment(a, e, "en") for a, e in zip(ar[:10], en[:10])])
    assert tm.prune("mt", "other/model") == 30
    assert tm.stats().by_model == {f"{KEY.model_id}@{KEY.model_revision}": 200}
    assert tm.prune("mt") == 200
    assert tm.stats().by_origin == {"human": 10}
    assert tm.fuzzy(ar[20], "en") == []  # the full-text index follows deletions
    with pytest.raises(TranslationMemoryError):
        tm.prune("robots")


def test_stats_counts(flores):
    tm, ar, en = flores
    zh = lines(Path(f"{FLORES}.zho_Hans"), 20)
    tm.add_human([Segment(a, z, "zh") for a, z in zip(ar[:20], zh)])
    stats = tm.stats()
    assert stats.entries == 220 and stats.by_origin == {"human": 20, "mt": 200}
    assert stats.by_target_lang == {"en": 200, "zh": 20} and stats.distinct_sources == 200
    assert stats.oldest <= stats.newest and stats.file_bytes > 0 and "FTS5 trigram: yes" in stats.extra["sqlite"]


def test_fingerprints(tmp_path):
    assert fingerprint({"beam": 4, "max_len": 256}) == fingerprint({"max_len": 256, "beam": 4})
    assert fingerprint({"beam": 4}) != fingerprint({"beam": 5})
    glossary = Glossary.load(REPO / "glossaries" / "ecommerce.tsv")
    concepts = list(glossary)
    base = glossary_fingerprint(concepts, ["en"])
    assert base == glossary_fingerprint(reversed(concepts), ["en"])
    assert base != glossary_fingerprint(concepts, ["en", "zh"])
    edited = glossary.get(concepts[0].id)
    changed = [type(edited)(**{**edited.__dict__, "en": ("Something Else",)})] + concepts[1:]
    assert glossary_fingerprint(changed, ["en"]) != base
    assert glossary_fingerprint([], ["en"]) == ""
