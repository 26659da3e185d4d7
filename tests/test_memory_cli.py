"""`mt tm ...` in-process on real UN / TICO-19 text: import, stats, lookup, export, prune, and bad input (one-line
error, exit 1, files untouched)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import typer

from mt.cli import tm as tm_cli
from mt.memory import MtKey, Segment, TranslationMemory
from tests.conftest import DATA, as_schema_3, sqlite_count

UN = DATA / "un_v1.0" / "UNv1.0.devset"
TICO = DATA / "tico19" / "tico19.dev"


def head(path: Path, out: Path, n: int) -> Path:
    out.write_text("\n".join(path.read_text(encoding="utf-8").split("\n")[:n]) + "\n", encoding="utf-8")
    return out


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_line_error(code: int, err: str, needle: str) -> None:
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mt: error: ") and needle in lines[0], err


@pytest.fixture()
def memory(tmp_path, run_cli):
    """A memory with 120 UN sentences (en and zh) and 60 TICO-19 sentences (en) imported from parallel pairs."""
    tm = tmp_path / "un.tm"
    un_ar, un_en, un_zh = (head(Path(f"{UN}.{x}"), tmp_path / f"un.{x}", 120) for x in ("ar", "en", "zh"))
    tico_ar, tico_en = (head(Path(f"{TICO}.{x}"), tmp_path / f"tico.{x}", 60) for x in ("ar", "en"))
    for src, tgt in ((un_ar, un_en), (un_ar, un_zh), (tico_ar, tico_en)):
        code, out, err = run_cli("tm", "import", src, tgt, "--tm", tm)
        assert code == 0, err
    return tm


def test_import_reports_counts(tmp_path, run_cli, memory):
    ar, en = tmp_path / "un.ar", tmp_path / "un.en"
    code, out, _ = run_cli("tm", "import", ar, en, "--tm", memory)
    assert code == 0 and "0 added, 0 updated" in out and "unchanged" in out


def test_stats(run_cli, memory):
    code, out, _ = run_cli("tm", "stats", "--tm", memory, "--check")
    assert code == 0
    assert "300 entries (300 human, 0 mt)" in out and "en 180, zh 120" in out and "integrity check: ok" in out


def test_lookup_text_and_file(tmp_path, run_cli, memory):
    sentence = Path(f"{UN}.ar").read_text(encoding="utf-8").split("\n")[30]
    words = sentence.split()
    query = " ".join(words[:3] + words[4:])
    english = Path(f"{UN}.en").read_text(encoding="utf-8").split("\n")[30]
    code, out, _ = run_cli("tm", "lookup", query, "--tm", memory, "--to", "en", "-n", "1")
    assert code == 0 and english in out and " human " in out
    queries = tmp_path / "queries.ar"
    queries.write_text(query + "\nلا شيء يشبه هذا في الذاكرة على الإطلاق\n", encoding="utf-8")
    code, out, _ = run_cli("tm", "lookup", queries, "--tm", memory, "--json", "--min", "80")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(rows) == 2
    assert rows[0]["matches"][0]["target"] in (english, Path(f"{UN}.zh").read_text(encoding="utf-8").split("\n")[30])
    assert all(m["similarity"] >= 80 for m in rows[0]["matches"]) and rows[1]["matches"] == []


def test_export_tmx_tsv_and_refusals(tmp_path, run_cli, memory):
    out_tmx = tmp_path / "all.tmx"
    code, out, _ = run_cli("tm", "export", "--tm", memory, "-o", out_tmx)
    assert code == 0 and "exported 300 entries" in out and out_tmx.read_text(encoding="utf-8").count("<tu ") == 300
    before = digest(out_tmx)
    code, _, err = run_cli("tm", "export", "--tm", memory, "-o", out_tmx)
    one_line_error(code, err, "already exists")
    assert digest(out_tmx) == before
    code, _, err = run_cli("tm", "export", "--tm", memory, "-o", tmp_path / "all.tsv")
    one_line_error(code, err, "give --tgt")
    code, out, _ = run_cli("tm", "export", "--tm", memory, "-o", tmp_path / "zh.tsv", "--tgt", "zh")
    assert code == 0 and (tmp_path / "zh.tsv").read_text(encoding="utf-8").startswith("ar\tzh\n")
    code, _, err = run_cli("tm", "export", "--tm", memory, "-o", tmp_path / "x.json")
    one_line_error(code, err, "give a .tmx or .tsv")
    code, _, err = run_cli("tm", "export", "--tm", memory, "-o", tmp_path / "missing" / "x.tmx")
    one_line_error(code, err, "no such directory")


def test_export_never_over_the_memory(tmp_path, run_cli):
    tm = tmp_path / "work.tmx"  # a memory whose name looks like an export
    with TranslationMemory.open(tm) as memory:
        memory.add_human([Segment("نص", "text", "en")])
    before = digest(tm)
    code, _, err = run_cli("tm", "export", "--tm", tm, "-o", tm, "--force")
    one_line_error(code, err, "is the translation memory itself")
    assert digest(tm) == before
    code, _, err = run_cli("tm", "import", tm, "--tm", tm)
    one_line_error(code, err, "is the translation memory itself")


def test_export_by_origin_and_prune(tmp_path, run_cli, memory):
    with TranslationMemory.open(memory) as tm:
        ar = Path(f"{UN}.ar").read_text(encoding="utf-8").split("\n")[:10]
        tm.store_mt([Segment(a, f"mt {i}", "en") for i, a in enumerate(ar)], MtKey("opus-mt-ar-en"))
        tm.store_mt([Segment(a, f"ct2 {i}", "en") for i, a in enumerate(ar)], MtKey("ct2-int8"))
    code, out, _ = run_cli("tm", "export", "--tm", memory, "-o", tmp_path / "mt.tmx", "--origin", "mt")
    assert code == 0 and "exported 20 entries" in out
    code, out, _ = run_cli("tm", "prune", "--tm", memory, "--origin", "mt", "--model", "ct2-int8")
    assert code == 0 and "removed 10 mt entries of model ct2-int8" in out
    code, out, _ = run_cli("tm", "stats", "--tm", memory)
    assert "310 entries (300 human, 10 mt)" in out and "opus-mt-ar-en 10" in out
    code, out, _ = run_cli("tm", "prune", "--tm", memory, "--origin", "mt")
    assert code == 0 and "removed 10 mt entries" in out


@pytest.mark.parametrize(
    "args, needle",
    [
        (["import", "{un_ar}", "{un_en}", "--tm", "{tm}", "--tgt", "fr"], "--tgt must be en or zh"),
        (["import", "{un_ar}", "{un_en}", "--tm", "{tm}", "--src", "en", "--tgt", "en"], "--src and --tgt are both"),
        (["import", "{un_ar}", "--tm", "{tm}"], "unknown file type"),
        (["import", "{missing}", "--tm", "{tm}"], "no such file"),
        (["prune", "--tm", "{tm}", "--origin", "robots"], "--origin must be human or mt"),
        (["prune", "--tm", "{tm}", "--origin", "human", "--model", "x"], "human entries have no model"),
        (["lookup", "  ", "--tm", "{tm}"], "nothing to look up"),
        (["lookup", "نص", "--tm", "{tm}", "--to", "fr"], "--to must be en or zh"),
        (["stats", "--tm", "{missing}"], "no such translation memory"),
        (["stats", "--tm", "{un_ar}"], "not a Tarjama translation memory"),
    ],
)
def test_bad_input_one_line(tmp_path, run_cli, memory, args, needle):
    names = {"tm": memory, "un_ar": tmp_path / "un.ar", "un_en": tmp_path / "un.en", "missing": tmp_path / "nope"}
    before = digest(memory), digest(tmp_path / "un.ar")
    code, _, err = run_cli("tm", *[a.format(**names) for a in args])
    one_line_error(code, err, needle)
    assert (digest(memory), digest(tmp_path / "un.ar")) == before


def test_every_option_has_help():
    group = typer.main.get_command(tm_cli.app)
    assert set(group.commands) == {"import", "export", "lookup", "stats", "prune", "upgrade"}
    for name, command in group.commands.items():
        assert command.help, name
        for param in command.params:
            if param.name != "help":
                assert getattr(param, "help", None), f"tm {name}: {param.name} has no help"


def test_an_older_memory_is_refused_by_stats_and_upgraded_by_tm_upgrade(memory, run_cli):
    """A schema 3 memory (one MT entry per normalised source): read-only commands name `mt tm upgrade`, which
    upgrades it in place, entries kept; a second upgrade has nothing to do."""
    with TranslationMemory.open(memory) as tm:
        entries = tm.stats().entries
    as_schema_3(memory)
    assert sqlite_count(memory, "PRAGMA user_version") == 3
    code, _, err = run_cli("tm", "stats", "--tm", memory)
    one_line_error(code, err, f"`mt tm upgrade --tm {memory}` upgrades it")
    code, out, err = run_cli("tm", "upgrade", "--tm", memory)
    assert code == 0 and out.strip() == f"{memory}: upgraded from schema version 3 to 4", err
    code, out, _ = run_cli("tm", "upgrade", "--tm", memory)
    assert code == 0 and out.strip() == f"{memory}: schema version 4, nothing to upgrade"
    code, out, _ = run_cli("tm", "stats", "--tm", memory)
    assert code == 0 and f"{entries} entries" in out and "schema version 4" in out
    code, _, err = run_cli("tm", "upgrade", "--tm", memory.with_name("missing.tm"))
    one_line_error(code, err, "no such translation memory")
