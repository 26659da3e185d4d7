"""The translation memory in `mt translate` and the Translator: exact reuse, human over MT, keys, origins, resume."""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from mt.errors import InputError
from mt.glossary import Glossary
from mt.glossary.tico import load_tico19
from mt import routing
from mt.memory import SCHEMA_VERSION, MtKey, Segment, TranslationMemory, fingerprint, glossary_fingerprint
from mt.models.convert import convert
from mt.models.registry import route
from mt.pipeline import Translator, model_identity
from mt.text.sentences import split_sentences
from tests.conftest import as_schema_3, kill_when, sqlite_count

REPO = Path(__file__).resolve().parent.parent
UN_AR = REPO / "eval" / "data" / "un_v1.0" / "UNv1.0.devset.ar"
UN_EN = REPO / "eval" / "data" / "un_v1.0" / "UNv1.0.devset.en"
ARTICLE = REPO / "seeds" / "article.ar.txt"
TICO = REPO / "eval" / "data" / "tico19" / "tico19.dev.ar"
GLOSSARY = REPO / "glossaries" / "ecommerce.tsv"
FAST = {"max_length_ratio": 0.3, "max_length_extra": 2, "beam_size": 1}
FAST_CLI = ["--max-length-ratio", "0.3", "--max-length-extra", "2", "--beam", "1"]


def _lines(path: Path, n: int, skip: int = 0) -> list[str]:
    return path.read_text(encoding="utf-8").split("\n")[skip : skip + n]


def _count_decodes(translator: Translator, to: str = "en") -> list[int]:
    """Count the sentences every leg's backend is asked to decode (a list of one counter, filled as it runs)."""
    count = [0]
    for leg in translator.legs(to):
        original = leg.backend.translate_batch

        def counted(sources, *args, _original=original, **kwargs):
            count[0] += len(sources)
            return _original(sources, *args, **kwargs)

        leg.backend.translate_batch = counted
    return count


def _as_reused(sentence) -> dict:
    """What a memory hit reports of a sentence decoded before: origin tm-mt, and its numbers verified in the stored
    translation (the memory does not record which ones the enforcer placed)."""
    return _reused_dict(sentence.to_dict())


def _reused_dict(sentence: dict) -> dict:
    out = {**sentence, "origin": "tm-mt"}
    if "numbers" in out:
        out["numbers"] = [
            {**n, "status": "verified" if n["status"] == "enforced" else n["status"]} for n in out["numbers"]
        ]
    return out


def test_exact_reuse_decodes_nothing_when_warm(tiny_ar_en, tmp_path):
    lines = _lines(UN_AR, 24)
    with Translator(str(tiny_ar_en), tm=tmp_path / "work.tm", **FAST) as first:
        decoded_first = _count_decodes(first)
        cold = first.translate(lines)
    assert decoded_first[0] >= first.stats.sentences > 20 and first.stats.tm_stored == first.stats.sentences
    assert all(s.origin == "mt" for line in cold for s in line.sentences)
    with Translator(str(tiny_ar_en), tm=tmp_path / "work.tm", **FAST) as second:
        decoded_second = _count_decodes(second)
        warm = second.translate(lines)
    assert decoded_second[0] == 0  # the model is not called for a TM hit
    assert [r.translation for r in warm] == [r.translation for r in cold]
    assert [[s.to_dict() for s in r.sentences] for r in warm] == [
        [_as_reused(s) for s in r.sentences] for r in cold
    ]  # same score, same flags
    assert second.stats.tm_mt == second.stats.sentences and second.stats.tm_stored == 0


def test_without_a_memory_jsonl_has_no_origin(tiny_ar_en):
    result = Translator(str(tiny_ar_en), **FAST).translate(_lines(UN_AR, 2))
    assert "origin" not in result[0].sentences[0].to_dict()


def test_human_entry_wins_through_translate(tiny_ar_en, tmp_path, run_cli):
    ar, en = _lines(UN_AR, 12, 40), _lines(UN_EN, 12, 40)
    source = tmp_path / "un.ar"
    source.write_text("\n".join(ar) + "\n", encoding="utf-8")
    tm = tmp_path / "work.tm"
    code, _, err = run_cli(
        "translate", source, "--to", "en", "--model", tiny_ar_en, *FAST_CLI, "--tm", tm, "-o", tmp_path / "mt.jsonl"
    )
    assert code == 0, err
    with TranslationMemory.open(tm) as memory:  # approved translations of lines 3 and 7 arrive after the MT run
        memory.add_human([Segment(ar[3], en[3], "en"), Segment(ar[7], en[7], "en")])
    code, _, err = run_cli(
        "translate", source, "--to", "en", "--model", tiny_ar_en, *FAST_CLI, "--tm", tm, "-o", tmp_path / "again.jsonl"
    )
    assert code == 0, err
    rows = [json.loads(line) for line in (tmp_path / "again.jsonl").read_text(encoding="utf-8").splitlines()]
    before = [json.loads(line) for line in (tmp_path / "mt.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[3]["translation"] == en[3] and rows[7]["translation"] == en[7]
    assert [s["origin"] for s in rows[3]["sentences"]] == ["tm-human"] and rows[3]["sentences"][0]["score"] is None
    assert all(s["origin"] == "tm-mt" for i, row in enumerate(rows) if i not in (3, 7) for s in row["sentences"])
    assert all(s["origin"] == "mt" for row in before for s in row["sentences"])
    assert [r["translation"] for i, r in enumerate(rows) if i not in (3, 7)] == [
        r["translation"] for i, r in enumerate(before) if i not in (3, 7)
    ]
    assert "2 human" in err and "0 decoded" in err


def test_another_model_or_glossary_translates_again(tiny_ar_en, tmp_path):
    lines = _lines(ARTICLE, 6)
    tm = tmp_path / "work.tm"
    with Translator(str(tiny_ar_en), tm=tm, **FAST) as first:
        first.translate(lines)
        key = first.memory_key("en")
    copy = tmp_path / "elsewhere" / tiny_ar_en.name  # the same model moved: same key, reused
    shutil.copytree(tiny_ar_en, copy)
    with Translator(str(copy), tm=tm, **FAST) as moved:
        assert moved.memory_key("en") == key
        decoded = _count_decodes(moved)
        moved.translate(lines)
    assert decoded[0] == 0
    other = tmp_path / "other-weights" / tiny_ar_en.name  # same name, other weights: another revision
    shutil.copytree(tiny_ar_en, other)
    weights = other / "model.safetensors"
    data = bytearray(weights.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0x01 for b in data[middle : middle + 64])  # low bits of some weights
    weights.write_bytes(bytes(data))
    with Translator(str(other), tm=tm, **FAST) as changed:
        assert changed.memory_key("en").model_revision != key.model_revision
        decoded = _count_decodes(changed)
        changed.translate(lines)
    assert decoded[0] > 0
    glossary = Glossary.load(GLOSSARY)
    with Translator(str(tiny_ar_en), tm=tm, glossary=glossary, **FAST) as with_terms:
        assert with_terms.memory_key("en").glossary and with_terms.memory_key("en").decoding != key.decoding
        decoded = _count_decodes(with_terms)
        with_terms.translate(lines)
    assert decoded[0] > 0
    with Translator(str(tiny_ar_en), tm=tm, **{**FAST, "beam_size": 2}) as wider:
        assert wider.memory_key("en").decoding != key.decoding


def test_reused_terms_are_verified_not_placed(tiny_ar_en, tmp_path):
    glossary = Glossary.load(GLOSSARY)
    lines = [line for line in _lines(ARTICLE, 40) if glossary.match(line)][:4]
    assert lines, "the seed article has glossary terms"
    with Translator(str(tiny_ar_en), tm=tmp_path / "work.tm", glossary=glossary, **FAST) as first:
        cold = first.translate(lines)
    with Translator(str(tiny_ar_en), tm=tmp_path / "work.tm", glossary=glossary, **FAST) as second:
        decoded = _count_decodes(second)
        warm = second.translate(lines)
    assert decoded[0] == 0
    cold_terms = [(t.concept_id, t.source, t.start) for r in cold for s in r.sentences for t in s.terms]
    warm_terms = [t for r in warm for s in r.sentences for t in s.terms]
    assert cold_terms and [(t.concept_id, t.source, t.start) for t in warm_terms] == cold_terms
    assert {t.status for t in warm_terms} <= {"verified", "missing"}
    placed = [t.target for r in cold for s in r.sentences for t in s.terms if t.status == "enforced"]
    assert placed and all(t.status == "verified" for t in warm_terms if t.target in placed)


def test_pivot_reuses_the_final_chinese(tiny_ar_en, tiny_en_zh, tmp_path):
    lines = _lines(UN_AR, 6, 100)
    models = {"ar-en": str(tiny_ar_en), "en-zh": str(tiny_en_zh)}
    with Translator(models, tm=tmp_path / "work.tm", **FAST) as first:
        cold = first.translate(lines, to="zh")
        key = first.memory_key("zh")
    with Translator(models, tm=tmp_path / "work.tm", **FAST) as second:
        decoded = _count_decodes(second, "zh")
        warm = second.translate(lines, to="zh")
    assert decoded[0] == 0 and [r.translation for r in warm] == [r.translation for r in cold]
    assert key.model_id == tiny_en_zh.name and str(tiny_ar_en.name) not in key.model_id
    with TranslationMemory.open(tmp_path / "work.tm") as memory:
        assert {e.target_lang for e in memory.entries()} == {"zh"}
    with Translator(
        {"ar-en": str(tiny_ar_en), "en-zh": str(tiny_en_zh)}, tm=tmp_path / "work.tm", **{**FAST, "max_length_extra": 3}
    ) as other:
        assert other.memory_key("zh").decoding != key.decoding


def test_read_mode_does_not_write_and_write_mode_does_not_read(tiny_ar_en, tmp_path, run_cli):
    source = tmp_path / "un.ar"
    source.write_text("\n".join(_lines(UN_AR, 8, 200)) + "\n", encoding="utf-8")
    tm = tmp_path / "work.tm"
    base = ["translate", source, "--to", "en", "--model", tiny_ar_en, *FAST_CLI, "--tm", tm]
    code, _, err = run_cli(*base, "--tm-mode", "read", "-o", tmp_path / "a.txt")
    assert code == 1 and "no such translation memory" in err and not tm.exists()  # read never creates
    code, _, err = run_cli(*base, "--tm-mode", "write", "-o", tmp_path / "b.txt")
    assert code == 0 and "8 stored" in err, err
    with TranslationMemory.open(tm) as memory:
        stored = [(e.id, e.updated) for e in memory.entries()]
    code, _, err = run_cli(*base, "--tm-mode", "write", "-o", tmp_path / "c.txt")
    assert code == 0 and "0 of 8 sentences reused" in err and "8 decoded" in err, err  # write does not read
    code, _, err = run_cli(*base, "--tm-mode", "read", "-o", tmp_path / "d.txt")
    assert code == 0 and "8 of 8 sentences reused" in err, err
    with TranslationMemory.open(tm) as memory:
        assert [(e.id, e.updated) for e in memory.entries()] == stored
    assert (tmp_path / "b.txt").read_bytes() == (tmp_path / "c.txt").read_bytes() == (tmp_path / "d.txt").read_bytes()
    code, _, err = run_cli(*base, "--tm-mode", "off", "-o", tmp_path / "e.txt")
    assert code == 0 and "translation memory" not in err


@pytest.mark.parametrize("kind", ["text", "other-sqlite"])
def test_a_file_that_is_not_a_memory_is_a_one_line_error(kind, tiny_ar_en, tmp_path, run_cli):
    source = tmp_path / "un.ar"
    source.write_text(_lines(UN_AR, 1)[0] + "\n", encoding="utf-8")
    tm = tmp_path / "notes.tm"
    if kind == "text":
        tm.write_text("not a memory\n", encoding="utf-8")
    else:
        db = sqlite3.connect(tm)
        db.execute("CREATE TABLE t (x)")
        db.commit()
        db.close()
    before = tm.read_bytes()
    code, out, err = run_cli("translate", source, "--to", "en", "--model", tiny_ar_en, "--tm", tm)
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1 and "not a Tarjama" in err, err
    assert tm.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["notes.tm", "un.ar"]


def test_option_errors(tiny_ar_en, tmp_path, run_cli):
    source = tmp_path / "un.ar"
    source.write_text(_lines(UN_AR, 1)[0] + "\n", encoding="utf-8")
    for args, message in (
        (["--resume"], "--resume needs -o"),
        (["--tm-mode", "read"], "--tm-mode needs --tm"),
        (["--tm", tmp_path / "x.tm", "--tm-mode", "sometimes"], "unknown --tm-mode"),
        (["--tm", source], "also an input"),
        (["--tm", tmp_path / "x.tm", "-o", tmp_path / "x.tm"], ""),
    ):
        code, _, err = run_cli("translate", source, "--to", "en", "--model", tiny_ar_en, *args)
        assert code == 1 and message in err and len(err.strip().splitlines()) == 1, (args, err)
    assert source.read_text(encoding="utf-8").count("\n") == 1 and not (tmp_path / "x.tm").exists()


def test_resume_without_memory_removes_its_job_file(tiny_ar_en, tmp_path, run_cli):
    source = tmp_path / "un.ar"
    source.write_text("\n".join(_lines(UN_AR, 5)) + "\n", encoding="utf-8")
    output = tmp_path / "un.en.txt"
    code, _, err = run_cli(
        "translate", source, "--to", "en", "--model", tiny_ar_en, *FAST_CLI, "--resume", "-o", output
    )
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["un.ar", "un.en.txt"]
    code, _, err = run_cli(
        "translate", source, "--to", "en", "--model", tiny_ar_en, *FAST_CLI, "-o", tmp_path / "plain.txt"
    )
    assert (tmp_path / "plain.txt").read_bytes() == output.read_bytes()


def test_schema_1_memory_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.tm"
    with TranslationMemory.open(path) as memory:
        memory.store_mt([Segment("مرحبا", "Hello", "en", score=-0.25)], MtKey("m"))
    db = sqlite3.connect(path)
    db.execute("ALTER TABLE entries DROP COLUMN complete")
    db.execute("DROP TABLE jobs")
    db.execute("DROP TABLE job_entries")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with TranslationMemory.open(path) as memory:
        entry = memory.lookup(["مرحبا"], "en", MtKey("m"))[0]
        assert entry.target == "Hello" and entry.complete is None and memory.stats().schema_version == SCHEMA_VERSION
        memory.store_mt([Segment("شكرا", "Thanks", "en", complete=False)], MtKey("m"))
        assert memory.lookup(["شكرا"], "en", MtKey("m"))[0].complete is False


def test_schema_3_memory_is_upgraded_to_one_mt_entry_per_spelling(tmp_path):
    """Schema 3 kept one MT entry per normalised source, so two spellings of a sentence displaced each other;
    opening the file upgrades its key in place, its entries kept, and both spellings then keep their entries."""
    path = tmp_path / "v3.tm"
    plain, spelt = "قال الأمين العام", "قال الـأمين العام"
    with TranslationMemory.open(path) as memory:
        memory.store_mt([Segment(plain, "The Secretary-General said", "en")], MtKey("m"))
        memory.add_human([Segment("شكرا", "Thanks", "en")])
    as_schema_3(path)
    db = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError):  # the old key: the second spelling cannot have its own entry
        db.execute(
            "INSERT INTO entries (source, source_norm, target, source_lang, target_lang, origin, model_id, created, "
            "updated) SELECT ?, source_norm, 'x', source_lang, target_lang, origin, model_id, created, updated "
            "FROM entries WHERE origin = 'mt'",
            (spelt,),
        )
    db.close()
    with TranslationMemory.open(path) as memory:
        assert memory.stats().schema_version == SCHEMA_VERSION == 4 and memory.stats().entries == 2
        counts = memory.store_mt([Segment(spelt, "The Secretary General said", "en")], MtKey("m"))
        assert counts.added == 1
        hits = memory.lookup([plain, spelt, "شكرا"], "en", MtKey("m"))
        assert [(h.source, h.target) for h in hits] == [
            (plain, "The Secretary-General said"),
            (spelt, "The Secretary General said"),
            ("شكرا", "Thanks"),
        ]
        memory.add_human([Segment("شـكرا", "Thank you", "en")])  # human entries stay one per normalised source
        assert memory.stats().by_origin == {"human": 1, "mt": 2}
        assert memory.check() == []


def _translate_process(args: list, tm_args: list) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "mt", "translate", *map(str, args), *map(str, tm_args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "MT_PROGRESS": "0"},
    )


def _entries(path: Path) -> int:
    return sqlite_count(path, "SELECT count(*) FROM entries")


@pytest.mark.parametrize("how", ["tm", pytest.param("resume", marks=pytest.mark.slow)])
def test_killed_run_resumes_byte_identical(how, tiny_ar_en, tmp_path):
    source = tmp_path / "un.ar"
    lines = _lines(UN_AR, 60, 300)  # blocks of 16, 32, ... units: the kill comes after the first of several
    lines[45:45] = lines[10:14]  # repeated sentences: real reuse within the job (--tm), decoded again (--resume)
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # random tiny weights run every sentence to the (batch's) decoding limit, the case where batch composition
    # could change the bytes: each block decodes the same sentences together in both runs
    common = [source, "--to", "en", "--model", tiny_ar_en, *FAST_CLI]
    whole = _translate_process(
        [*common, "-o", tmp_path / "whole.jsonl"], ["--tm", tmp_path / "whole.tm"] if how == "tm" else ["--resume"]
    )
    _, err = whole.communicate(timeout=600)
    assert whole.returncode == 0, err
    total = int(re.search(r"(\d+) decoded", err).group(1))
    origins = [
        s.get("origin")
        for line in (tmp_path / "whole.jsonl").read_text(encoding="utf-8").splitlines()
        for s in json.loads(line)["sentences"]
    ]
    if how == "tm":  # the first run into a new memory decodes all but the repeats, which it reuses
        assert set(origins) == {"mt", "tm-mt"} and 0 < origins.count("tm-mt") <= 4
    else:  # a job database is no memory: no origins, and the same bytes as a plain run
        assert set(origins) == {None}
        plain = _translate_process([*common, "-o", tmp_path / "plain.jsonl"], [])
        _, err = plain.communicate(timeout=600)
        assert plain.returncode == 0, err
        assert (tmp_path / "plain.jsonl").read_bytes() == (tmp_path / "whole.jsonl").read_bytes()

    output = tmp_path / "killed.jsonl"
    checkpoint = tmp_path / "killed.tm" if how == "tm" else tmp_path / "killed.jsonl.tarjama-job.sqlite"
    extra = ["--tm", checkpoint] if how == "tm" else ["--resume"]
    process = _translate_process([*common, "-o", output], extra)
    kill_when(process, lambda: _entries(checkpoint) > 0)
    assert process.returncode == -signal.SIGKILL and not output.exists()
    finished = _entries(checkpoint)
    assert finished > 0

    again = _translate_process([*common, "-o", output], extra)
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    assert output.read_bytes() == (tmp_path / "whole.jsonl").read_bytes()  # origins and all
    decoded = int(re.search(r"(\d+) decoded", err).group(1))
    reused, sentences = map(int, re.search(r"(\d+) of (\d+) sentences reused", err).groups())
    assert reused >= finished > 0 and decoded > 0
    assert decoded + reused == sentences and decoded < total
    # the hidden .part file of the killed run is gone; --resume removed its job database too
    left = sorted(p.name for p in tmp_path.iterdir() if "killed" in p.name)
    assert left == (["killed.jsonl", "killed.tm"] if how == "tm" else ["killed.jsonl"]), left
    if how == "tm":  # the job is finished: the same command again reuses every sentence, as real reuse
        again = _translate_process([*common, "-o", output, "--force"], extra)
        _, err = again.communicate(timeout=600)
        assert again.returncode == 0 and "0 decoded" in err, err
        assert {
            s["origin"]
            for line in output.read_text(encoding="utf-8").splitlines()
            for s in json.loads(line)["sentences"]
        } == {"tm-mt"}


@pytest.mark.slow  # about a minute: 120 TICO-19 lines with their terminology, three runs
def test_stream_stopped_mid_run_with_glossary_repairs_resumes_identically(tiny_ar_en, tmp_path):
    """Glossary repair rounds are where blocks could share decodes; with a memory they do not, so a run stopped
    after some blocks and resumed gives the same text as an uninterrupted one (random tiny weights: every
    sentence runs to its batch's limit, where batch composition would show)."""
    glossary = load_tico19(TICO.parent)  # TICO-19's terminology on its own dev text: many terms, many repairs
    lines = _lines(TICO, 120)
    settings = {**FAST, "glossary": glossary, "block_units": 32}
    with Translator(str(tiny_ar_en), tm=tmp_path / "whole.tm", **settings) as whole:
        expected = [r.translation for r in whole.translate(lines)]
    with Translator(str(tiny_ar_en), tm=tmp_path / "stopped.tm", **settings) as stopped:
        taken = 0
        for _ in stopped.translate_stream(lines, to="en"):
            taken += 1
            if taken == 40:
                break  # like a kill: the blocks stored so far are the checkpoint
    with Translator(str(tiny_ar_en), tm=tmp_path / "stopped.tm", **settings) as resumed:
        decoded = _count_decodes(resumed)
        assert [r.translation for r in resumed.translate(lines)] == expected
    assert 0 < resumed.stats.tm_mt and decoded[0] > 0


def _stop_after(translator: Translator, lines: list[str], identity: dict, taken: int, **job) -> None:
    """Run a job and stop it after ``taken`` lines came back, as a kill would (the blocks stored so far stay)."""
    with pytest.raises(KeyboardInterrupt):
        with translator.job("en", identity, **job):
            for count, _ in enumerate(translator.translate_stream(lines, to="en"), 1):
                if count == taken:
                    raise KeyboardInterrupt


def test_resumed_job_reports_what_an_uninterrupted_run_does(tiny_ar_en, tmp_path):
    """Origins, terms (enforced, not re-verified) and all: an interrupted job run again gives the uninterrupted
    run's results; a finished job is forgotten, so the next run reports real reuse."""
    glossary = Glossary.load(GLOSSARY)
    sentences = [line[span.start : span.end] for line in _lines(ARTICLE, 9) for span in split_sentences(line)]
    lines = sorted((s for s in sentences if glossary.match(s)), key=len)[:6]  # a sentence a line, with terms
    lines += lines[:2]  # repeats: reused within the job by the uninterrupted run too
    settings = {**FAST, "glossary": glossary, "block_units": 2, "threads": 1}
    identity = {"input": "article", "output": "article.en.jsonl"}
    with Translator(str(tiny_ar_en), tm=tmp_path / "whole.tm", **settings) as whole:
        with whole.job("en", identity) as job:
            assert job.finished_blocks == 0
            expected = [r.to_dict() for r in whole.translate(lines)]
    origins = [s["origin"] for r in expected for s in r["sentences"]]
    statuses = {t["status"] for r in expected for s in r["sentences"] for t in s["terms"]}
    assert {"mt", "tm-mt"} == set(origins) and "enforced" in statuses
    with Translator(str(tiny_ar_en), tm=tmp_path / "killed.tm", **settings) as first:
        _stop_after(first, lines, identity, 3)
    with Translator(str(tiny_ar_en), tm=tmp_path / "killed.tm", **settings) as again:
        with again.job("en", identity) as job:
            assert job.finished_blocks >= 1
            decoded = _count_decodes(again)
            assert [r.to_dict() for r in again.translate(lines)] == expected
    assert 0 < again.stats.tm_resumed and decoded[0] > 0
    with Translator(str(tiny_ar_en), tm=tmp_path / "killed.tm", **settings) as later:
        with later.job("en", identity) as job:
            assert job.finished_blocks == 0  # the finished job was forgotten
            warm = [r.to_dict() for r in later.translate(lines)]
    assert {s["origin"] for r in warm for s in r["sentences"]} == {"tm-mt"}
    with TranslationMemory.open(tmp_path / "killed.tm") as memory:
        assert memory.stats().unfinished_jobs == 0


def test_a_checkpoint_only_job_is_a_plain_run(tiny_ar_en, tmp_path):
    """--resume's job database: the resumed run equals a run without any memory (no origins; repeated
    sentences decoded again, not reused) and decodes only what the interrupted run did not finish."""
    lines = _lines(UN_AR, 40, 500)
    lines += lines[:6]
    # numbers off: the decode counts below are sentences, which number repairs would add to
    settings = {**FAST, "block_units": 16, "threads": 1, "numbers": "off"}
    plain = Translator(str(tiny_ar_en), **settings)
    plain_decoded = _count_decodes(plain)
    expected = [r.to_dict() for r in plain.translate(lines)]
    identity = {"input": "un", "output": "un.en.jsonl"}
    with Translator(str(tiny_ar_en), tm=tmp_path / "job.sqlite", **settings) as first:
        _stop_after(first, lines, identity, 20, checkpoint_only=True)
    with Translator(str(tiny_ar_en), tm=tmp_path / "job.sqlite", **settings) as again:
        with again.job("en", identity, checkpoint_only=True):
            decoded = _count_decodes(again)
            assert [r.to_dict() for r in again.translate(lines)] == expected
    assert 0 < decoded[0] < plain_decoded[0]
    assert decoded[0] + again.stats.tm_resumed == plain_decoded[0]  # every repeat decoded again, as plainly


def test_a_job_needs_a_memory_that_reads_and_writes(tiny_ar_en, tmp_path):
    with Translator(str(tiny_ar_en), tm=tmp_path / "w.tm", tm_mode="write") as translator:
        with pytest.raises(InputError, match="mode both"):
            with translator.job("en", {"input": "x"}):
                pass


def _key_from_loaded_legs(translator: Translator, to: str) -> MtKey:
    """The memory key as it was derived before models were planned without loading: from the loaded legs."""
    legs = translator.legs(to)
    identities = [model_identity(model) for _, model in route(to, translator.models)]
    decoding = translator.settings if translator.glossary else replace(translator.settings, glossary_mode="off")
    settings = {
        "legs": [
            {
                "pair": leg.pair,
                "model": model_id,
                "revision": revision,
                "backend": type(leg.backend).__name__,
                "max_input_tokens": leg.max_input_tokens,
                "positions": leg.backend.max_positions,
            }
            for leg, (model_id, revision) in zip(legs, identities)
        ],
        "settings": decoding.fingerprint(),
    }
    glossary = ""
    if translator.glossary is not None and translator.glossary_mode != "off":
        glossary = glossary_fingerprint(translator.glossary, [leg.target_lang for leg in legs])
    model_id, revision = identities[-1]
    return MtKey(model_id, revision, glossary, fingerprint(settings))


def test_memory_key_read_from_the_directories_equals_the_loaded_legs_key(tiny_ar_en, tiny_en_zh, tmp_path):
    converted = convert(tiny_ar_en, tmp_path / "tiny-ar-en-ct2", "int8")
    glossary = Glossary.load(GLOSSARY)
    for models, to, settings in (
        ({"ar-en": str(tiny_ar_en)}, "en", {}),
        ({"ar-en": str(tiny_ar_en)}, "en", {"max_input_tokens": 900, "glossary": glossary}),
        ({"ar-en": str(converted)}, "en", {"max_input_tokens": 40}),
        ({"ar-en": str(tiny_ar_en)}, "en", {"backend": "hf", "beam_size": 2}),
        ({"ar-en": str(converted), "en-zh": str(tiny_en_zh)}, "zh", {"glossary": glossary}),
    ):
        planned = Translator(models, **settings).memory_key(to)  # before any model is loaded
        loaded = Translator(models, **settings)
        assert planned == _key_from_loaded_legs(loaded, to) == loaded.memory_key(to), (models, settings)
    assert Translator(str(converted)).plans("en")[0].backend == "ct2"


def _count_loads(monkeypatch) -> list[str]:
    """Record every backend load of the pipeline (the models it opens)."""
    loads: list[str] = []
    original = routing.load_backend

    def counted(model, *args, **kwargs):
        loads.append(model)
        return original(model, *args, **kwargs)

    monkeypatch.setattr(routing, "load_backend", counted)
    return loads


def test_a_warm_run_loads_no_model(tiny_ar_en, tmp_path, run_cli, monkeypatch):
    """Every sentence in the memory: no model is loaded, and the output is the cold run's (chunked flags
    included: they are computed from the tokenizer files); a new sentence loads the model on its block."""
    loads = _count_loads(monkeypatch)
    source = tmp_path / "un.ar"
    lines = _lines(UN_AR, 10, 600)
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    base = [
        "translate",
        source,
        "--to",
        "en",
        "--model",
        tiny_ar_en,
        *FAST_CLI,
        "--threads",
        "1",
        "--max-input-tokens",
        "12",
        "--tm",
        tmp_path / "work.tm",
    ]
    code, _, err = run_cli(*base, "-o", tmp_path / "cold.jsonl")
    assert code == 0 and loads == [str(tiny_ar_en)], err
    code, _, err = run_cli(*base, "-o", tmp_path / "warm.jsonl")
    assert code == 0 and "0 decoded" in err and loads == [str(tiny_ar_en)], err  # nothing loaded
    cold, warm = (
        [json.loads(line) for line in (tmp_path / name).read_text(encoding="utf-8").splitlines()]
        for name in ("cold.jsonl", "warm.jsonl")
    )
    assert any(s.get("chunked") for row in cold for s in row["sentences"])
    assert warm == [{**row, "sentences": [_reused_dict(s) for s in row["sentences"]]} for row in cold]
    source.write_text("\n".join(lines + _lines(UN_AR, 2, 700)) + "\n", encoding="utf-8")
    code, _, err = run_cli(*base, "-o", tmp_path / "more.jsonl")
    assert code == 0 and loads == [str(tiny_ar_en)] * 2, err  # a miss: loaded on its block


def test_a_missing_model_fails_before_any_load(tmp_path, run_cli, monkeypatch):
    loads = _count_loads(monkeypatch)
    source = tmp_path / "un.ar"
    source.write_text(_lines(UN_AR, 1)[0] + "\n", encoding="utf-8")
    for model, needle in ((tmp_path / "nowhere", "no such model directory"), (source, "not a directory")):
        code, out, err = run_cli(
            "translate", source, "--to", "en", "--model", model, "--tm", tmp_path / "w.tm", "-o", tmp_path / "out.txt"
        )
        assert code == 1 and out == "" and len(err.strip().splitlines()) == 1 and needle in err, err
    assert loads == [] and sorted(p.name for p in tmp_path.iterdir()) == ["un.ar"]


def test_a_plain_run_removes_its_outputs_stale_part_files_only(tiny_ar_en, tmp_path, run_cli):
    """What a killed run leaves (.OUT.XXXXXXXX.part) goes on the next run that writes OUT, with or without a
    memory; a live writer's (locked) file, other outputs' files and look-alikes stay."""
    source = tmp_path / "un.ar"
    source.write_text("\n".join(_lines(UN_AR, 3)) + "\n", encoding="utf-8")
    output = tmp_path / "out.txt"
    stale = tmp_path / ".out.txt.k1ll_d9x.part"
    kept = [
        tmp_path / name
        for name in (
            ".out.txt.a1b2c3d4.part",
            ".other.txt.k1ll_d9x.part",
            ".out.txt.notes.part",
            "out.txt.k1ll_d9x.part",
            ".out.txt.k1ll_d9x.part.bak",
        )
    ]
    for path in [stale, *kept]:
        path.write_text("half a translation\n", encoding="utf-8")
    with kept[0].open("rb") as live:  # another process still writing: its lock is held
        fcntl.flock(live.fileno(), fcntl.LOCK_EX)
        code, _, err = run_cli("translate", source, "--to", "en", "--model", tiny_ar_en, *FAST_CLI, "-o", output)
    assert code == 0, err
    assert not stale.exists() and all(path.exists() for path in kept) and output.read_text(encoding="utf-8")


def test_a_sentence_repeated_in_a_block_is_decoded_once_and_a_warm_run_gives_the_same(tiny_ar_en, tmp_path):
    """A repeat (the same text) is decoded once and copied; another spelling of it (the same once normalised:
    here with a tatweel added) is decoded on its own, since an MT entry answers only the spelling it was made
    from: the first run, a plain run and a warm re-run agree line for line."""
    lines = _lines(UN_AR, 12)
    variant = lines[3].replace("ال", "الـ", 1)
    assert variant != lines[3]
    lines += [lines[3], variant, lines[5]]
    fast = {**FAST, "numbers": "off"}  # the decode count is of sentences, which number repairs would add to
    with Translator(str(tiny_ar_en), tm=tmp_path / "work.tm", **fast) as first:
        decoded = _count_decodes(first)
        cold = first.translate(lines)
    with Translator(str(tiny_ar_en), **fast) as plain:
        unique = plain.translate(lines[:12])
        alone = plain.translate([variant])[0]
    assert decoded[0] == sum(len(r.sentences) for r in unique) + 1  # the two exact repeats were not decoded
    assert [r.translation for r in cold[12:]] == [cold[3].translation, alone.translation, cold[5].translation]
    assert [s.origin for k in (12, 13, 14) for s in cold[k].sentences] == ["tm-mt", "mt", "tm-mt"]
    assert cold[13].sentences[0].source == variant
    with Translator(str(tiny_ar_en), tm=tmp_path / "work.tm", **fast) as second:
        warm = second.translate(lines)
    assert [r.translation for r in warm] == [r.translation for r in cold]


def test_a_repeat_reports_the_same_in_its_block_and_in_a_later_one(tiny_ar_en, tmp_path):
    """With a memory, a sentence repeated in the block that decoded it and again in a later block is reported the
    same both times (as the stored entry a look-up reuses: terms and numbers verified, origin tm-mt): before, the
    repeat in the same block copied the decode's statuses ("enforced")."""
    glossary = Glossary.load(GLOSSARY)
    sentences = [line[s.start : s.end] for line in _lines(ARTICLE, 6) for s in split_sentences(line)]
    with_term = min((s for s in sentences if glossary.match(s, "ar")), key=len)  # one chunk, one unit
    other = next(s for s in sentences if s != with_term)
    lines = [with_term, with_term, other, with_term]  # blocks of two sentences: the repeat in each
    with Translator(
        str(tiny_ar_en), tm=tmp_path / "work.tm", glossary=glossary, first_block_units=2, block_units=2, **FAST
    ) as translator:
        rows = [line.to_dict() for line in translator.translate(lines)]
    assert [s["origin"] for s in rows[0]["sentences"]][:1] == ["mt"]
    enforced = [t["status"] for s in rows[0]["sentences"] for t in s["terms"]]
    assert "enforced" in enforced  # what the repeat used to copy
    assert rows[1] == rows[3]
    assert all(s["origin"] == "tm-mt" for s in rows[1]["sentences"])


def test_a_file_with_two_spellings_of_a_sentence_is_warm_on_its_second_run(tiny_ar_en, tmp_path):
    lines = _lines(UN_AR, 4)
    variant = lines[1].replace("ال", "الـ", 1)  # a tatweel: the same sentence once normalised, another spelling
    assert variant != lines[1]
    lines.append(variant)
    fast = {**FAST, "numbers": "off"}
    with Translator(str(tiny_ar_en), tm=tmp_path / "work.tm", **fast) as first:
        cold = first.translate(lines)
    with Translator(str(tiny_ar_en), tm=tmp_path / "work.tm", **fast) as second:
        decoded = _count_decodes(second)
        warm = second.translate(lines)
    assert [r.translation for r in warm] == [r.translation for r in cold]
    assert decoded[0] == 0
