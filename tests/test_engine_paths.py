"""One job path: the default `mt translate` and `--engine local` write the same bytes, with and without a
translation memory (--tm), from text and from JSONL, and a run from a warm memory decodes nothing on either path.
The Ray engine's side of the same comparison is in tests/test_ray.py (slow)."""

from __future__ import annotations

import json

import pytest

import mt.engines.local
from mt.engines.base import translate_batch
from mt.memory import Segment, TranslationMemory
from mt.memory_session import MemorySession
from mt.text.sentences import split_sentences
from tests.ray_support import GLOSSARY, arabic_lines, ending_ct2_model, write_lines


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return ending_ct2_model(tmp_path_factory.mktemp("path-models"))


@pytest.fixture(scope="module")
def lines():
    return arabic_lines(48)


def _mt(run_cli, model, *args):
    code, out, err = run_cli("translate", *args, "--to", "en", "-m", str(model), "-g", str(GLOSSARY), "-q")
    assert code == 0, err
    return err


def _counting(monkeypatch) -> list[int]:
    """The batches the local engine decodes (their indices), counted as they are translated."""
    calls: list[int] = []
    monkeypatch.setattr(
        mt.engines.local, "translate_batch", lambda t, b, to: calls.append(b.index) or translate_batch(t, b, to)
    )
    return calls


def _counting_lookups(monkeypatch) -> list[int]:
    """The memory look-ups of a run (the number of sources of each)."""
    calls: list[int] = []
    lookup = MemorySession.lookup
    monkeypatch.setattr(
        MemorySession, "lookup", lambda self, sources, *a: calls.append(len(sources)) or lookup(self, sources, *a)
    )
    return calls


def _jsonl(path, lines):
    with path.open("w", encoding="utf-8") as handle:
        for number, line in enumerate(lines):
            handle.write(json.dumps({"id": f"r{number}", "text": line}, ensure_ascii=False) + "\n")
    return path


def test_default_and_engine_local_write_the_same_bytes_with_and_without_a_memory(
    model, lines, tmp_path, run_cli, monkeypatch
):
    """Text in, JSONL out (scores, terms and, with --tm, each sentence's origin): the default path and --engine
    local agree byte for byte without a memory, on a first --tm run (a cold memory each) and on a second one (a warm
    memory: every sentence "tm-mt", and the engine decodes no batch)."""
    text = write_lines(tmp_path / "in.txt", lines)
    engine = ("--engine", "local", "--batch-lines", "8")
    _mt(run_cli, model, text, "-f", "jsonl", "-o", tmp_path / "default.jsonl")
    _mt(run_cli, model, text, *engine, "-f", "jsonl", "-o", tmp_path / "local.jsonl")
    assert (tmp_path / "local.jsonl").read_bytes() == (tmp_path / "default.jsonl").read_bytes()

    for run in ("cold", "warm"):
        _mt(run_cli, model, text, "-f", "jsonl", "--tm", tmp_path / "default.tm", "-o", tmp_path / f"d-{run}.jsonl")
        calls = _counting(monkeypatch)
        lookups = _counting_lookups(monkeypatch)
        _mt(
            run_cli,
            model,
            text,
            *engine,
            "-f",
            "jsonl",
            "--tm",
            tmp_path / "local.tm",
            "-o",
            tmp_path / f"l-{run}.jsonl",
        )
        monkeypatch.undo()
        assert (tmp_path / f"l-{run}.jsonl").read_bytes() == (tmp_path / f"d-{run}.jsonl").read_bytes(), run
        assert calls == ([] if run == "warm" else list(range(6)))
        # a batch is looked up before it is sent, and again when composed (earlier batches may have stored since);
        # a batch the memory answers whole is composed from its one look-up
        assert len(lookups) == (6 if run == "warm" else 12), run
    origins = {s["origin"] for row in _rows(tmp_path / "l-warm.jsonl") for s in row["sentences"]}
    assert origins == {"tm-mt"}
    translations = [row["translation"] for row in _rows(tmp_path / "default.jsonl")]
    assert [row["translation"] for row in _rows(tmp_path / "l-warm.jsonl")] == translations


def test_a_human_memory_entry_reads_the_same_on_both_paths(model, lines, tmp_path, run_cli, monkeypatch):
    """A batch the memory answers in part (one human translation among decoded sentences): the hit and the
    decoded sentences around it come back as the default path writes them, in text and in JSONL."""
    text = write_lines(tmp_path / "in.txt", lines[:20])
    sentence = next(lines[k][span.start : span.end] for k in (9, 10, 11) for span in split_sentences(lines[k]))
    for name in ("default.tm", "local.tm"):
        with TranslationMemory.open(tmp_path / name) as memory:
            memory.add_human([Segment(sentence, "A human translation.", "en")])
    _mt(run_cli, model, text, "-f", "jsonl", "--tm", tmp_path / "default.tm", "-o", tmp_path / "default.jsonl")
    _mt(run_cli, model, text, "--engine", "local", "--batch-lines", "8", "-f", "jsonl", "--tm", tmp_path / "local.tm",
        "-o", tmp_path / "local.jsonl")  # fmt: skip
    assert (tmp_path / "local.jsonl").read_bytes() == (tmp_path / "default.jsonl").read_bytes()
    assert "A human translation." in (tmp_path / "local.jsonl").read_text(encoding="utf-8")
    origins = [s["origin"] for row in _rows(tmp_path / "local.jsonl") for s in row["sentences"]]
    assert origins.count("tm-human") >= 1 and "mt" in origins


def test_an_engine_is_sent_only_the_lines_the_memory_does_not_answer(model, lines, tmp_path, run_cli, monkeypatch):
    """A memory warm for the first 20 lines: of the batch of lines 16-23 the engine gets lines 20-23 only, of the
    later batches every line, of the first two none; the output is the default path's, byte for byte."""
    warm = write_lines(tmp_path / "first.txt", lines[:20])
    text = write_lines(tmp_path / "in.txt", lines[:40])
    for name in ("default.tm", "local.tm"):
        _mt(run_cli, model, warm, "--tm", tmp_path / name, "-o", tmp_path / f"{name}.txt")
    _mt(run_cli, model, text, "-f", "jsonl", "--tm", tmp_path / "default.tm", "-o", tmp_path / "default.jsonl")
    sent: list[tuple[int, tuple[str, ...]]] = []
    monkeypatch.setattr(
        mt.engines.local,
        "translate_batch",
        lambda t, b, to: sent.append((b.index, b.texts)) or translate_batch(t, b, to),
    )
    _mt(run_cli, model, text, "--engine", "local", "--batch-lines", "8", "-f", "jsonl", "--tm", tmp_path / "local.tm",
        "-o", tmp_path / "local.jsonl")  # fmt: skip
    monkeypatch.undo()
    assert (tmp_path / "local.jsonl").read_bytes() == (tmp_path / "default.jsonl").read_bytes()
    assert [(index, len(texts)) for index, texts in sent] == [(2, 4), (3, 8), (4, 8)]
    assert sent[0][1] == tuple(lines[20:24])
    origins = [{s["origin"] for s in row["sentences"]} for row in _rows(tmp_path / "local.jsonl")]
    assert set().union(*origins[:20]) == {"tm-mt"} and "mt" in set().union(*origins[20:24])


def test_a_memory_pruned_while_its_batch_is_out_stops_the_job_with_one_line(
    model, lines, tmp_path, run_cli, monkeypatch
):
    """A sentence the memory answered when its batch was sent (so the engine did not decode it) and does not when
    the batch comes back (another process pruned the memory): the job stops, never writing a line without it."""
    tm = tmp_path / "work.tm"
    _mt(run_cli, model, write_lines(tmp_path / "first.txt", lines[:20]), "--tm", tm, "-o", tmp_path / "first.en")

    def prune_then_translate(translator, batch, to):
        with TranslationMemory.open(tm) as other:
            other.prune("mt")
        return translate_batch(translator, batch, to)

    monkeypatch.setattr(mt.engines.local, "translate_batch", prune_then_translate)
    text = write_lines(tmp_path / "in.txt", lines[:24])
    code, _, err = run_cli("translate", text, "--to", "en", "-m", str(model), "-g", str(GLOSSARY), "--engine", "local",
                           "--batch-lines", "8", "--tm", tm, "-o", tmp_path / "out.txt")  # fmt: skip
    assert code == 1 and err.strip().count("\n") == 0 and "pruned or changed by another process" in err, err
    assert not (tmp_path / "out.txt").exists()


def test_jsonl_input_from_a_warm_memory_decodes_nothing_and_keeps_its_bytes(
    model, lines, tmp_path, run_cli, monkeypatch
):
    """JSONL rows (id + text, an engine input): a second --tm run decodes no batch and writes each row's
    translation as the first run did; the translations are those of the same lines as a text file."""
    rows = _jsonl(tmp_path / "rows.jsonl", lines)
    text = write_lines(tmp_path / "in.txt", lines)
    _mt(run_cli, model, text, "-o", tmp_path / "plain.txt")
    args = ("--batch-lines", "8", "--tm", tmp_path / "rows.tm")
    _mt(run_cli, model, rows, *args, "-o", tmp_path / "first.jsonl")
    calls = _counting(monkeypatch)
    _mt(run_cli, model, rows, *args, "-o", tmp_path / "second.jsonl")
    assert calls == []
    first, second = _rows(tmp_path / "first.jsonl"), _rows(tmp_path / "second.jsonl")
    assert [r["translation"] for r in second] == [r["translation"] for r in first]
    assert [r["id"] for r in second] == [f"r{k}" for k in range(len(lines))]
    assert [r["translation"] for r in first] == (tmp_path / "plain.txt").read_text(encoding="utf-8").split("\n")[:-1]


def test_engine_refusals_say_why(model, tmp_path, run_cli):
    """Standard input stays with the default path (which streams it), --ref with text inputs; the refusal says
    so in one line."""
    rows = _jsonl(tmp_path / "rows.jsonl", ["مرحبا"])
    code, _, err = run_cli("translate", "-", "--to", "en", "-m", str(model), "--engine", "local")
    assert code == 1 and "translate standard input ('-') without --engine" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_cli("translate", rows, "--to", "en", "-m", str(model), "--ref", rows, "-o", tmp_path / "o.jsonl")
    assert code == 1 and "--ref needs text inputs" in err and len(err.strip().splitlines()) == 1


def test_ref_scores_an_engine_run_as_the_default_path_does(model, lines, tmp_path, run_cli):
    """--ref with --engine: the same score line as the default path (the reference's lines against the
    translations, in order)."""
    text = write_lines(tmp_path / "in.txt", lines[:24])
    reference = write_lines(tmp_path / "ref.txt", [f"line {k} of the reference" for k in range(24)])
    scores = []
    for engine in ((), ("--engine", "local", "--batch-lines", "8")):
        err = _mt(run_cli, model, text, *engine, "--ref", reference, "-o", tmp_path / f"out{len(engine)}.txt")
        scores.append([line for line in err.splitlines() if line.startswith("BLEU")])
    assert scores[0] and scores[1] == scores[0]


def _rows(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_engine_progress_is_the_rich_bar_of_the_default_path(model, lines, tmp_path, run_cli, monkeypatch):
    """--engine reports through mt.cli.progress (the bar of the default path, on stderr): the rows done of the
    rows known, once the job ends."""
    monkeypatch.setenv("MT_PROGRESS", "1")  # the bar shows on a terminal; forced here
    text = write_lines(tmp_path / "in.txt", lines)
    code, _, err = run_cli(
        "translate", text, "--to", "en", "-m", str(model), "--engine", "local", "-o", tmp_path / "out.txt"
    )
    assert code == 0, err
    assert "translating (local)" in err and f"{len(lines)}/{len(lines)}" in err


def test_the_progress_bar_names_the_file_as_written(model, lines, tmp_path, run_cli, monkeypatch):
    """The bar's description is the file's name as it is: rich would read "[bold]" in it as markup (and eat it)
    and ":smile:" as an emoji code."""
    monkeypatch.setenv("MT_PROGRESS", "1")
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.chdir(tmp_path)
    write_lines(tmp_path / "in[bold] :smile:.txt", lines)
    code, _, err = run_cli("translate", "in[bold] :smile:.txt", "--to", "en", "-m", str(model), "-o", "out.txt")
    assert code == 0, err
    assert "translating in[bold] :smile:.txt" in err and f"{len(lines)}/{len(lines)}" in err


def test_a_stopped_engine_job_resumes_from_its_memory_to_the_same_bytes(model, lines, tmp_path, run_cli, monkeypatch):
    """With --tm (mode both) the memory is the engine job's checkpoint, as on the default path: a job stopped after
    two batches and started again decodes only the rest and writes what an uninterrupted --tm run writes (the
    resumed batches' sentences reported "mt", as decoded)."""
    text = write_lines(tmp_path / "in.txt", lines)
    args = ("--engine", "local", "--batch-lines", "8", "-f", "jsonl")
    _mt(run_cli, model, text, *args, "--tm", tmp_path / "whole.tm", "-o", tmp_path / "whole.jsonl")
    calls: list[int] = []

    def stop_after_two(translator, batch, to):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(batch.index)
        return translate_batch(translator, batch, to)

    monkeypatch.setattr(mt.engines.local, "translate_batch", stop_after_two)
    code, _, _ = run_cli(
        "translate", text, *args, "--tm", tmp_path / "run.tm", "-o", tmp_path / "out.jsonl", "--to", "en", "-m", str(model),
        "-g", str(GLOSSARY), "-q",
    )  # fmt: skip
    assert code == 130 and not (tmp_path / "out.jsonl").exists()
    monkeypatch.undo()
    again = _counting(monkeypatch)
    _mt(run_cli, model, text, *args, "--tm", tmp_path / "run.tm", "-o", tmp_path / "out.jsonl")
    assert again == [2, 3, 4, 5]
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "whole.jsonl").read_bytes()


def test_a_read_only_memory_is_read_not_written_on_the_engine(model, lines, tmp_path, run_cli):
    """--tm-mode read: the engine path reuses the memory's answers and stores nothing, as the default path."""
    text = write_lines(tmp_path / "in.txt", lines[:20])
    _mt(run_cli, model, text, "--tm", tmp_path / "seed.tm", "-o", tmp_path / "seed.txt")  # fills the memory
    more = write_lines(tmp_path / "more.txt", lines[:30])  # 10 lines the memory has not seen
    before = (tmp_path / "seed.tm").read_bytes()
    for name, engine in (("default", ()), ("local", ("--engine", "local"))):
        _mt(run_cli, model, more, *engine, "-f", "jsonl", "--tm", tmp_path / "seed.tm", "--tm-mode", "read",
            "-o", tmp_path / f"{name}.jsonl")  # fmt: skip
    assert (tmp_path / "local.jsonl").read_bytes() == (tmp_path / "default.jsonl").read_bytes()
    assert (tmp_path / "seed.tm").read_bytes() == before
    origins = [s["origin"] for row in _rows(tmp_path / "local.jsonl") for s in row["sentences"]]
    assert "tm-mt" in origins and "mt" in origins


def test_a_memory_that_answers_everything_starts_no_ray(model, lines, tmp_path, run_cli, monkeypatch):
    """A run the memory answers whole (filled here by the default path) sends no batch, so --engine ray starts
    no Ray (its start fails the test) and writes the default path's bytes."""
    import mt.engines.ray

    text = write_lines(tmp_path / "in.txt", lines[:20])
    _mt(run_cli, model, text, "-f", "jsonl", "--tm", tmp_path / "run.tm", "-o", tmp_path / "default.jsonl")
    _mt(run_cli, model, text, "-f", "jsonl", "--tm", tmp_path / "run.tm", "-o", tmp_path / "default-warm.jsonl")

    def no_start(self):
        pytest.fail("Ray was started for a job without a batch to decode")

    monkeypatch.setattr(mt.engines.ray.RayEngine, "start", no_start)
    args = ("--engine", "ray", "-f", "jsonl", "--tm", tmp_path / "run.tm", "-o", tmp_path / "ray.jsonl")
    _mt(run_cli, model, text, *args)
    assert (tmp_path / "ray.jsonl").read_bytes() == (tmp_path / "default-warm.jsonl").read_bytes()


def test_a_document_with_an_engine_is_refused_with_the_reason(model, tmp_path, run_cli):
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>مرحبا بكم في هانغتشو.</p></body></html>", encoding="utf-8")
    code, _, err = run_cli("translate", page, "--to", "en", "-m", str(model), "--engine", "local")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "a document is rebuilt whole from its segments: translate documents without --engine" in err
