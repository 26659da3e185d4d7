"""The Ray engine on a local Ray instance with 2 CPUs (one per test module: Ray's start-up is heavy): a few
thousand real Arabic lines with the seed glossary, byte for byte against --engine local; an actor killed
mid-job (nothing lost or duplicated); a stopped job resumed. Slow: about a minute and a half on 2 cores."""

from __future__ import annotations

import json
import os
import signal

import pytest

ray = pytest.importorskip("ray")  # the `ray` extra (.ci/run installs it)

import mt.engines.job  # noqa: E402
from mt.engines.base import Batch, TranslatorSettings  # noqa: E402
from mt.engines.ray import RayEngine  # noqa: E402
from mt.glossary import Glossary  # noqa: E402
from tests.ray_support import GLOSSARY, arabic_lines, ending_ct2_model, write_lines  # noqa: E402

pytestmark = pytest.mark.slow
LINES = 2000


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return ending_ct2_model(tmp_path_factory.mktemp("ray-models"))


@pytest.fixture(scope="module")
def local_ray():
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)  # never a running cluster
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, model, local_ray):
    """The lines, and their --engine local translation (JSONL, batches of 64), made once."""
    from mt.cli import main

    root = tmp_path_factory.mktemp("ray-corpus")
    source = write_lines(root / "corpus.ar.txt", arabic_lines(LINES))
    assert (
        main(
            [
                "translate",
                str(source),
                "--to",
                "en",
                "-m",
                str(model),
                "-g",
                str(GLOSSARY),
                "-q",
                "--engine",
                "local",
                "--threads",
                "1",
                "-f",
                "jsonl",
                "-o",
                str(root / "local.jsonl"),
            ]
        )
        == 0
    )
    return source, root / "local.jsonl"


def _mt(run_cli, model, *args):
    return run_cli("translate", *args, "--to", "en", "-m", str(model), "-g", str(GLOSSARY))


def test_ray_equals_local_byte_for_byte(model, corpus, tmp_path, run_cli):
    source, local = corpus
    out = tmp_path / "ray.jsonl"
    code, _, err = _mt(run_cli, model, source, "--engine", "ray", "--actors", "2", "-f", "jsonl", "-o", out)
    assert code == 0, err
    assert out.read_bytes() == local.read_bytes()
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == LINES and rows[3]["translation"] == rows[4]["translation"] == ""
    assert sum(t["status"] in ("verified", "enforced") for r in rows for s in r["sentences"] for t in s["terms"]) > 0
    summary = [line for line in err.splitlines() if line.startswith("mt: ray: ")]
    assert summary and f"{LINES:,} rows" in summary[0]
    assert len([line for line in err.splitlines() if " tokens/s" in line and line.startswith("mt:   ")]) == 2


def test_an_actor_killed_mid_job_loses_and_duplicates_nothing(model, corpus, local_ray):
    source, local = corpus
    lines = source.read_text(encoding="utf-8").split("\n")[:320]
    expected = local.read_text(encoding="utf-8").splitlines()[:320]  # batches of 64 there, of 64 here
    batches = [Batch(i, tuple(lines[start : start + 64])) for i, start in enumerate(range(0, 320, 64))]
    settings = TranslatorSettings(models={"direct": str(model)}, glossary=Glossary.load(GLOSSARY))
    engine = RayEngine(settings, "en", actors=2, wave_batches=3)  # two waves: order holds across them
    engine.start()
    done, killed, killed_after = [], None, None
    for result in engine.run(batches):
        done.append(result)
        if killed is None and len(done) < len(batches):
            # the actor that translated this batch dies while the job goes on; on a loaded machine its wave may
            # have ended (and its actors exited) before the driver reads the first result: then the next one's
            pid = int(result.worker.rsplit(":", 1)[1])
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            killed, killed_after = pid, len(done)
    engine.close()
    assert killed is not None, "every actor had exited before its result was read: nothing was killed mid-job"
    assert [d.index for d in done] == list(range(len(batches)))
    assert [t for d in done for t in d.translations] == [json.loads(row)["translation"] for row in expected]
    if killed_after <= 3:  # killed in the first wave (3 batches): the second wave ran in other processes
        assert killed not in {int(d.worker.rsplit(":", 1)[1]) for d in done[3:]}


def test_a_stopped_ray_job_resumes_to_the_same_bytes(model, corpus, tmp_path, run_cli, monkeypatch):
    source, local = corpus
    lines = source.read_text(encoding="utf-8").split("\n")[:448]
    part = write_lines(tmp_path / "part.txt", lines)
    whole = tmp_path / "whole.jsonl"
    whole.write_text(
        "".join(row + "\n" for row in local.read_text(encoding="utf-8").splitlines()[:448]), encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    args = ("--engine", "ray", "--actors", "2", "-f", "jsonl", "-o", out, "--resume")
    write = mt.engines.job._JobRun.write

    def stop_at_200(self, item, lines):  # Ctrl-C in the driver once 200 rows are written
        write(self, item, lines)
        if self.summary.rows >= 200:
            raise KeyboardInterrupt

    monkeypatch.setattr(mt.engines.job._JobRun, "write", stop_at_200)
    assert _mt(run_cli, model, part, *args)[0] == 130
    checkpoint = tmp_path / "out.jsonl.tarjama-job.sqlite"
    assert not out.exists() and checkpoint.exists()
    monkeypatch.undo()
    code, _, err = _mt(run_cli, model, part, *args)
    assert code == 0, err
    assert "batches answered by the translation memory or checkpoint" in err and not checkpoint.exists()
    assert out.read_bytes() == whole.read_bytes()


@pytest.mark.parametrize("kind", ["text", "jsonl"])
def test_ray_with_a_memory_writes_what_local_and_the_default_path_write(kind, model, corpus, tmp_path, run_cli):
    """--tm on Ray: the look-ups and stores are the driver's, so a cold and a warm run write what --engine local
    writes (and, from text, what the default path writes), and the warm run decodes no batch; from a memory warm
    for every other line, the three write the same bytes too."""
    source, _ = corpus
    lines = source.read_text(encoding="utf-8").split("\n")[:192]
    if kind == "text":
        part = write_lines(tmp_path / "part.txt", lines)
    else:
        part = tmp_path / "part.jsonl"
        part.write_text(
            "".join(json.dumps({"id": k, "text": line}, ensure_ascii=False) + "\n" for k, line in enumerate(lines)),
            encoding="utf-8",
        )
    paths = {"local": ("--engine", "local"), "ray": ("--engine", "ray", "--actors", "2")}
    if kind == "text":
        paths["default"] = ()
    for name, engine in paths.items():
        for run in ("cold", "warm"):
            args = (*engine, "-f", "jsonl", "--tm", tmp_path / f"{name}.tm", "-o", tmp_path / f"{name}-{run}.jsonl")
            code, _, err = _mt(run_cli, model, part, *args)
            assert code == 0, err
            if run == "warm" and name != "default":
                assert "3 batches answered by the translation memory" in err  # none decoded: no worker line
                assert not [line for line in err.splitlines() if line.startswith("mt:   ")]
    for run in ("cold", "warm"):
        expected = (tmp_path / f"local-{run}.jsonl").read_bytes()
        assert all((tmp_path / f"{name}-{run}.jsonl").read_bytes() == expected for name in paths), run
    if kind == "text":  # a memory warm for every other line: the workers get only the lines it does not answer
        half = write_lines(tmp_path / "half.txt", lines[::2])
        for name, engine in paths.items():
            code, _, err = _mt(run_cli, model, half, "--tm", tmp_path / f"{name}-half.tm", "-o", tmp_path / f"{name}.h")
            assert code == 0, err
            args = (*engine, "-f", "jsonl", "--tm", tmp_path / f"{name}-half.tm", "-o", tmp_path / f"{name}-part.jsonl")
            code, _, err = _mt(run_cli, model, part, *args)
            assert code == 0, err
        expected = (tmp_path / "default-part.jsonl").read_bytes()
        assert all((tmp_path / f"{name}-part.jsonl").read_bytes() == expected for name in paths)
        origins = [s["origin"] for row in expected.decode().splitlines() for s in json.loads(row)["sentences"]]
        assert "tm-mt" in origins and "mt" in origins
