"""The engine layer without a Ray cluster (fast): --engine local on text, directories, JSONL and Parquet, bad
rows, resume from the checkpoint, the runner's order check and the Ray engine's one-line errors that need no
cluster. The Ray runs themselves are in tests/test_ray.py and tests/test_ray_cluster.py (slow)."""

from __future__ import annotations

import json
import socket
import sys

import pyarrow
import pyarrow.parquet
import pytest

import mt.engines.local
from mt.engines.base import Batch, BatchResult, TranslatorSettings, translate_batch
from mt.engines.job import JobInput, run_job
from mt.engines.local import LocalEngine
from mt.engines.records import RecordInput
from mt.errors import TarjamaError
from mt.glossary import Glossary
from mt.pipeline import Translator
from mt.settings import DecodingSettings
from tests.conftest import sqlite_count
from tests.ray_support import GLOSSARY, arabic_lines, ending_ct2_model, write_lines


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return ending_ct2_model(tmp_path_factory.mktemp("engine-models"))


@pytest.fixture(scope="module")
def lines():
    return arabic_lines(60)


def _mt(run_cli, model, *args):
    return run_cli("translate", *args, "--to", "en", "-m", str(model), "-g", str(GLOSSARY), "-q")


def test_engine_local_text_equals_the_jsonl_and_parquet_rows_keyed_by_id(model, lines, tmp_path, run_cli):
    text = write_lines(tmp_path / "in.txt", lines)
    ids = [f"doc-{i}" for i in range(len(lines))]
    with (tmp_path / "in.jsonl").open("w", encoding="utf-8") as handle:
        for id_, line in zip(ids, lines):
            handle.write(json.dumps({"id": id_, "text": line}, ensure_ascii=False) + "\n")
    pyarrow.parquet.write_table(pyarrow.table({"key": list(range(len(lines))), "ar": lines}), tmp_path / "in.parquet")

    assert _mt(run_cli, model, text, "--engine", "local", "--batch-lines", "16", "-o", tmp_path / "out.txt")[0] == 0
    assert _mt(run_cli, model, tmp_path / "in.jsonl", "--batch-lines", "16", "-o", tmp_path / "out.jsonl")[0] == 0
    assert (
        _mt(
            run_cli,
            model,
            tmp_path / "in.parquet",
            "--batch-lines",
            "16",
            "--id-column",
            "key",
            "--text-column",
            "ar",
            "-o",
            tmp_path / "out.parquet",
        )[0]
        == 0
    )

    translations = (tmp_path / "out.txt").read_text(encoding="utf-8").split("\n")[:-1]
    assert len(translations) == len(lines) and translations[3:5] == ["", ""]  # empty lines stay empty
    rows = [json.loads(r) for r in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ids
    assert [r["translation"] for r in rows] == translations
    assert [r["source"] for r in rows] == lines
    assert all("sentences" in r for r in rows) and any(r["sentences"][0]["terms"] for r in rows if r["sentences"])
    table = pyarrow.parquet.read_table(tmp_path / "out.parquet")
    assert table.column("id").to_pylist() == list(range(len(lines)))  # the id keeps its type
    assert table.column("translation").to_pylist() == translations
    assert [json.loads(s) if s else [] for s in table.column("sentences").to_pylist()] == [r["sentences"] for r in rows]


def test_engine_output_equals_the_plain_run_where_the_batch_is_the_block(model, lines, tmp_path, run_cli):
    """With one batch of up to 16 lines the engine and the streaming pipeline decode the same sentences together
    (its first block is 16 units), so the bytes agree: the engine adds batching, not another pipeline."""
    text = write_lines(tmp_path / "in.txt", lines[5:15])
    assert _mt(run_cli, model, text, "-f", "jsonl", "-o", tmp_path / "plain.jsonl")[0] == 0
    assert _mt(run_cli, model, text, "-f", "jsonl", "--engine", "local", "-o", tmp_path / "engine.jsonl")[0] == 0
    assert (tmp_path / "plain.jsonl").read_bytes() == (tmp_path / "engine.jsonl").read_bytes()


def test_a_batch_translates_the_same_whatever_ran_before_it_on_the_translator(model, lines):
    """An actor translates whichever batches Ray hands it: a batch's bytes must not depend on the batches the
    same Translator translated before (caches, enforcer state)."""
    settings = TranslatorSettings(
        models={"direct": str(model)}, glossary=Glossary.load(GLOSSARY), decoding=DecodingSettings(threads=1)
    )
    batches = [Batch(i, tuple(lines[i * 12 : (i + 1) * 12])) for i in range(5)]
    first, second = settings.build(), settings.build()
    in_order = {b.index: translate_batch(first, b, "en").records for b in batches}
    reversed_subset = {b.index: translate_batch(second, b, "en").records for b in (batches[4], batches[1], batches[3])}
    for index, rows in reversed_subset.items():
        assert rows == in_order[index]


def test_directory_input_gives_one_output_per_file(model, lines, tmp_path, run_cli):
    folder = tmp_path / "texts"
    folder.mkdir()
    write_lines(folder / "a.txt", lines[:40])
    write_lines(folder / "b.txt", lines[40:50])
    (folder / "c.txt").write_text("", encoding="utf-8")  # an empty input still gets its (empty) output
    out = tmp_path / "out"
    out.mkdir()
    assert _mt(run_cli, model, folder, "-o", out)[0] == 0
    assert sorted(p.name for p in out.iterdir()) == ["a.en.txt", "b.en.txt", "c.en.txt"]
    assert _mt(run_cli, model, folder / "b.txt", "--engine", "local", "-o", tmp_path / "b-alone.txt")[0] == 0
    assert (out / "b.en.txt").read_bytes() == (tmp_path / "b-alone.txt").read_bytes()
    assert len((out / "a.en.txt").read_text(encoding="utf-8").split("\n")) == 41
    assert (out / "c.en.txt").read_bytes() == b""


def test_bad_rows_are_reported_with_their_id_and_the_rest_goes_on(model, tmp_path, run_cli):
    source = tmp_path / "rows.jsonl"
    source.write_text(
        '{"id": 1, "text": "مرحبا بكم في هانغتشو."}\n'
        '{"id": "two", "text": 5}\n'
        '{"id": 3}\n'
        "[1, 2]\n"
        '{"id": 5, "text": null}\n'
        '{"id": 6, "text": "علي اكسبريس شركة كبيرة."}\n',
        encoding="utf-8",
    )
    code, _, err = _mt(run_cli, model, source, "-o", tmp_path / "out.jsonl")
    assert code == 1
    assert "row 'two': 'text' is int, not a string" in err and "row 3: no 'text' field" in err
    assert "row 'line 4': a JSON list, not an object" in err and "row 5: 'text' is null" in err
    assert err.strip().splitlines()[-1].startswith("mt: error: 4 bad rows")
    rows = [json.loads(r) for r in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [1, "two", 3, "line 4", 5, 6]
    assert [("error" in r, "translation" in r) for r in rows] == [(False, True)] + [(True, False)] * 4 + [(False, True)]


def test_a_stopped_job_resumes_from_its_checkpoint_to_the_same_bytes(model, lines, tmp_path, run_cli, monkeypatch):
    """--resume keeps the default path's checkpoint (OUT.tarjama-job.sqlite, a job of mt.memory_session): each
    finished batch is a block of the job; the same command started again decodes only the rest."""
    text = write_lines(tmp_path / "in.txt", lines)
    args = ("--engine", "local", "--batch-lines", "10", "-f", "jsonl")
    assert _mt(run_cli, model, text, *args, "-o", tmp_path / "whole.jsonl")[0] == 0
    out = tmp_path / "resumed.jsonl"
    _stopped_after(run_cli, model, text, out, 2, monkeypatch)
    checkpoint = tmp_path / "resumed.jsonl.tarjama-job.sqlite"
    assert not out.exists() and sqlite_count(checkpoint, "SELECT count(DISTINCT block) FROM job_entries") == 2
    again = []
    monkeypatch.setattr(
        mt.engines.local, "translate_batch", lambda t, b, to: again.append(b.index) or translate_batch(t, b, to)
    )
    code, _, _ = _mt(run_cli, model, text, *args, "-o", out, "--resume")
    assert code == 0 and out.read_bytes() == (tmp_path / "whole.jsonl").read_bytes()
    assert again == list(range(2, 6)) and not checkpoint.exists()  # 60 lines: 6 batches, 2 from the checkpoint


class _Swapping:
    """A stand-in engine (the model is beside the point) that hands back batches 0 and 1 in the wrong order."""

    name = "swapping"
    load_seconds: dict = {}
    start_seconds = 0.0

    def start(self) -> float:
        return 0.0

    def run(self, batches):
        done = [BatchResult(b.index, ["[]"] * len(b.texts), list(b.texts), 0, 0, 0.0, "fake") for b in batches]
        done[0], done[1] = done[1], done[0]
        yield from done

    def close(self) -> None:
        pass


def test_the_runner_refuses_batches_out_of_order(model, tmp_path):
    source = write_lines(tmp_path / "in.txt", ["سطر"] * 5)
    out = tmp_path / "out.txt"
    with pytest.raises(TarjamaError, match="returned batch 1 where batch 0 was due"):
        run_job(_Swapping(), [JobInput(RecordInput(str(source)), out)], 2, translator=Translator(str(model)), to="en")
    assert not out.exists()


def test_engine_ray_without_ray_installed_names_the_extra(model, tmp_path, run_cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError, as without the extra
    text = write_lines(tmp_path / "in.txt", ["مرحبا"])
    code, _, err = _mt(run_cli, model, text, "--engine", "ray", "-o", tmp_path / "out.txt")
    assert (
        code == 1
        and err.strip() == 'mt: error: the Ray engine needs the ray extra: pip install "tarjama[ray]" (ray is missing)'
    )
    assert not (tmp_path / "out.txt").exists()


def test_unreachable_ray_address_is_one_line(model, tmp_path, run_cli):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    text = write_lines(tmp_path / "in.txt", ["مرحبا"])
    code, _, err = _mt(run_cli, model, text, "--engine", "ray", "--ray-address", f"127.0.0.1:{port}")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert err.startswith(f"mt: error: cannot reach the Ray cluster at 127.0.0.1:{port}")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--actors", "2"], "--actors needs --engine ray"),
        (["--engine", "local", "--ray-address", "auto"], "--ray-address needs --engine ray"),
        (["--batch-lines", "8"], "--batch-lines needs --engine local or --engine ray"),
        (["--engine", "spark"], "unknown engine 'spark'; choose local or ray"),
        (["--engine", "local", "--batch-lines", "0"], "--batch-lines must be at least 1"),
        (["--engine", "local", "--report", "r.jsonl"], "--report works without --engine"),
    ],
)
def test_engine_option_errors(args, message, model, tmp_path, run_cli):
    text = write_lines(tmp_path / "in.txt", ["مرحبا"])
    code, _, err = _mt(run_cli, model, text, *args)
    assert code != 0 and message in err and len(err.strip().splitlines()) == 1


def test_parquet_input_problems_are_one_line(model, tmp_path, run_cli):
    pyarrow.parquet.write_table(pyarrow.table({"id": [1], "text": [7]}), tmp_path / "numbers.parquet")
    code, _, err = _mt(run_cli, model, tmp_path / "numbers.parquet", "-o", tmp_path / "o.parquet")
    assert code == 1 and "column 'text' holds int64, not strings" in err
    code, _, err = _mt(run_cli, model, tmp_path / "numbers.parquet", "--id-column", "key", "-o", tmp_path / "o.parquet")
    assert code == 1 and "no column 'key' (columns: id, text)" in err
    (tmp_path / "fake.parquet").write_text("not parquet", encoding="utf-8")
    code, _, err = _mt(run_cli, model, tmp_path / "fake.parquet", "-o", tmp_path / "o.parquet")
    assert code == 1 and "not a readable Parquet file" in err and len(err.strip().splitlines()) == 1


def test_engine_outputs_are_planned_before_any_work(model, tmp_path, run_cli):
    """The same output checks as a local text run (mt.formats.writing.plan_outputs): two inputs into one file,
    several inputs without a directory, an existing output without --force, Parquet to stdout."""
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        write_lines(tmp_path / folder / "news.txt", ["مرحبا"])
    (tmp_path / "out").mkdir()
    both = [tmp_path / "a" / "news.txt", tmp_path / "b" / "news.txt"]
    code, _, err = _mt(run_cli, model, *both, "--engine", "local", "-o", tmp_path / "out")
    assert code != 0 and "would both be translated into" in err and len(err.strip().splitlines()) == 1
    code, _, err = _mt(run_cli, model, *both, "--engine", "local", "-o", tmp_path / "one.txt")
    assert code != 0 and "not a directory; several inputs need -o DIR" in err
    (tmp_path / "taken.txt").write_text("keep me\n", encoding="utf-8")
    code, _, err = _mt(run_cli, model, both[0], "--engine", "local", "-o", tmp_path / "taken.txt")
    assert code != 0 and "--force" in err and (tmp_path / "taken.txt").read_text(encoding="utf-8") == "keep me\n"
    pyarrow.parquet.write_table(pyarrow.table({"id": [1], "text": ["مرحبا"]}), tmp_path / "rows.parquet")
    code, _, err = _mt(run_cli, model, tmp_path / "rows.parquet", "--engine", "local")
    assert code != 0 and "Parquet output needs -o FILE" in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == []


def test_local_engine_loads_once_and_reports_its_load(model):
    engine = LocalEngine(TranslatorSettings(models={"direct": str(model)}), "en")
    assert engine.start() == 0.0 and engine.translator is None  # nothing loaded before a batch needs it
    done = list(engine.run([Batch(0, ("مرحبا",))]))
    translator = engine.translator
    done += list(engine.run([Batch(1, ("",))]))
    assert engine.translator is translator and [d.index for d in done] == [0, 1] and len(engine.load_seconds) == 1
    engine.close()


def test_engine_ray_with_a_missing_model_path_fails_before_ray_starts(tmp_path, run_cli):
    import ray

    text = write_lines(tmp_path / "in.txt", ["مرحبا"])
    code, _, err = run_cli("translate", text, "--to", "en", "-m", tmp_path / "no-model", "--engine", "ray")
    assert code == 1 and err.strip() == f"mt: error: {tmp_path / 'no-model'}: no such model directory"
    assert not ray.is_initialized()


def _stopped_after(run_cli, model, text, out, stop_at, monkeypatch, *settings):
    """Run an --engine local --resume job that stops (as Ctrl-C would) after ``stop_at`` batches."""
    calls = []

    def stop(translator, batch, to):
        if len(calls) == stop_at:
            raise KeyboardInterrupt
        calls.append(batch.index)
        return translate_batch(translator, batch, to)

    monkeypatch.setattr(mt.engines.local, "translate_batch", stop)
    args = ("--engine", "local", "--batch-lines", "10", "-f", "jsonl", "-o", out, "--resume", *settings)
    assert _mt(run_cli, model, text, *args)[0] == 130
    monkeypatch.undo()


@pytest.mark.parametrize("change", ["same-size edit", "another model", "another glossary", "another beam"])
def test_resume_never_reuses_a_stale_translation(change, model, lines, tmp_path, run_cli, monkeypatch, tiny_ending_ct2):
    """A stopped job resumed after its input (edited to the same size) or its settings changed is a new job (the
    default path's rule: a job is named by its inputs' content and the settings): everything is translated again,
    and the output is what a fresh run of the new input and settings writes."""
    text = write_lines(tmp_path / "in.txt", lines)
    out = tmp_path / "out.jsonl"
    _stopped_after(run_cli, model, text, out, 3, monkeypatch)
    settings: tuple = ()
    new_model = model
    if change == "same-size edit":  # batch 1's first Arabic line: two letters swapped, the size unchanged
        edited = list(lines)
        k = next(i for i in range(10, 20) if len(edited[i]) > 10)
        word = edited[k]
        edited[k] = word[:4] + word[5] + word[4] + word[6:]
        assert edited[k] != word and len(edited[k].encode()) == len(word.encode())
        write_lines(text, edited)
    elif change == "another model":
        new_model = tiny_ending_ct2["ar-en"]
    elif change == "another glossary":
        other = tmp_path / "other.tsv"
        other.write_text("id\tar\ten\tzh\nun\tالأمم المتحدة\tthe UN\t联合国\n", encoding="utf-8")
        settings = ("-g", other)
    else:
        settings = ("--beam", "2")
    again = []
    monkeypatch.setattr(
        mt.engines.local, "translate_batch", lambda t, b, to: again.append(b.index) or translate_batch(t, b, to)
    )
    args = ("--engine", "local", "--batch-lines", "10", "-f", "jsonl", *settings)
    code, _, err = _mt(run_cli, new_model, text, *args, "-o", out, "--resume")
    assert code == 0, err
    monkeypatch.undo()
    code, _, err = _mt(run_cli, new_model, text, *args, "-o", tmp_path / "fresh.jsonl")
    assert code == 0, err
    assert out.read_bytes() == (tmp_path / "fresh.jsonl").read_bytes()
    assert again == list(range(6))


def test_default_resume_translates_a_same_size_edit_again(model, lines, tmp_path, run_cli):
    """The default path's --resume names its job by the input's content (and the TM key): an input edited to
    the same size after a stop is a new job, translated afresh."""
    text = write_lines(tmp_path / "in.txt", lines[:30])
    out = tmp_path / "out.jsonl"
    args = ("-f", "jsonl", "-o", out, "--resume")
    from mt.pipeline import Translator

    with Translator(str(model), glossary=Glossary.load(GLOSSARY), tm=f"{out}.tarjama-job.sqlite") as stopped:
        from mt.cli.translate import _job_identity
        from mt.text.lines import TextInput

        with pytest.raises(KeyboardInterrupt):
            with stopped.job("en", _job_identity(TextInput(str(text)), out), checkpoint_only=True):
                for count, _ in enumerate(stopped.translate_stream(lines[:30], to="en"), 1):
                    if count == 20:
                        raise KeyboardInterrupt
    edited = list(lines[:30])
    k = next(i for i in range(len(edited)) if len(edited[i]) > 10)
    edited[k] = edited[k][:4] + edited[k][5] + edited[k][4] + edited[k][6:]
    write_lines(text, edited)
    code, _, err = _mt(run_cli, model, text, *args)
    assert code == 0, err
    code, _, err = _mt(run_cli, model, text, "-f", "jsonl", "-o", tmp_path / "fresh.jsonl")
    assert code == 0 and out.read_bytes() == (tmp_path / "fresh.jsonl").read_bytes()
