"""Errors and options as a new user meets them: MT_DEBUG tracebacks with causes, --version, sacrebleu's
`-m bleu chrf ter`, report formats from the extension, options checked before any work, and the lesser
defects of the review (issue #10, items 6, 7 and 11)."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from tests.conftest import DATA, REPO, SEEDS

FLORES_EN = DATA / "flores200" / "flores200.dev.eng_Latn"
SEED_AR = SEEDS / "article.ar.txt"
SEED_EN = SEEDS / "article.en.txt"
ECOMMERCE = REPO / "glossaries" / "ecommerce.tsv"


def _lines(path, n):
    return "".join(line + "\n" for line in path.read_text(encoding="utf-8").splitlines()[:n])


def _one_line_error(code, err, *needles):
    assert code != 0 and code != 3, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("mt: error: "), err
    for needle in needles:
        assert needle in lines[0], err
    return lines[0]


@pytest.fixture
def texts(tmp_path):
    ref = tmp_path / "ref.en"
    ref.write_text(_lines(FLORES_EN, 30), encoding="utf-8")
    hyp = tmp_path / "hyp.en"
    hyp.write_text(
        "".join(" ".join(line.split()[:-1]) + "\n" for line in _lines(FLORES_EN, 30).splitlines()), encoding="utf-8"
    )
    return ref, hyp


# -- item 6: MT_DEBUG ----------------------------------------------------------------------------------------


def test_debug_shows_the_traceback_and_its_cause_for_user_errors(run_cli, tmp_path, monkeypatch):
    missing = tmp_path / "missing.tsv"
    code, _, err = run_cli("glossary", "list", missing)
    _one_line_error(code, err, "no such glossary file")
    monkeypatch.setenv("MT_DEBUG", "1")
    code, _, err = run_cli("glossary", "list", missing)
    assert code == 1
    assert "Traceback" in err and "FileNotFoundError" in err
    assert "direct cause of the following exception" in err  # the cause is chained, not hidden by `from None`
    assert err.rstrip().splitlines()[-1] == f"mt: error: {missing}: no such glossary file"


def _evaluate_raises(monkeypatch, error: BaseException) -> None:
    """`mt evaluate` fails inside the library with ``error``."""
    import mt.evaluation

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(mt.evaluation, "evaluate_files", broken)


def test_debug_shows_the_traceback_of_internal_errors_and_keeps_the_exit_status(run_cli, texts, monkeypatch):
    _evaluate_raises(monkeypatch, RuntimeError("a bug"))
    ref, hyp = texts
    code, _, err = run_cli("evaluate", "-r", ref, hyp)
    assert code == 3 and err.strip() == ("mt: internal error: RuntimeError: a bug (set MT_DEBUG=1 for a traceback)")
    monkeypatch.setenv("MT_DEBUG", "1")
    code, _, err = run_cli("evaluate", "-r", ref, hyp)
    assert code == 3
    assert "Traceback" in err and "in broken" in err
    assert err.rstrip().splitlines()[-1] == "mt: internal error: RuntimeError: a bug"


def test_a_library_exiting_with_a_message_keeps_it_on_one_line(run_cli, texts, monkeypatch):
    """sys.exit("...") deep in a library ends mt with that message on one line: before, exit status 1 and nothing."""
    _evaluate_raises(monkeypatch, SystemExit("the raylet died"))
    ref, hyp = texts
    code, _, err = run_cli("evaluate", "-r", ref, hyp)
    assert code == 1 and err.strip() == "mt: error: the raylet died"


def test_no_user_error_is_raised_from_none_in_the_cli_layers():
    """Causes are chained (`from error`), so MT_DEBUG shows why something failed."""
    owned = [
        *(REPO / "mt" / "cli").glob("*.py"),
        REPO / "mt" / "glossary" / "glossary.py",
        REPO / "mt" / "glossary" / "lint.py",
        REPO / "mt" / "formats" / "writing.py",
        *(p for p in (REPO / "mt" / "alignment").rglob("*.py") if p.name not in ("attention.py", "io.py")),
        *(p for p in (REPO / "mt" / "evaluation").rglob("*.py") if p.name not in ("inputs.py", "language.py")),
    ]
    offenders = []
    for path in owned:
        text = path.read_text(encoding="utf-8")
        if path == REPO / "mt" / "cli" / "glossary.py":  # its line reader belongs to the readers' change
            text = text.split("def _read_lines")[0]
        offenders += [
            f"{path.relative_to(REPO)}:{n}" for n, line in enumerate(text.splitlines(), start=1) if "from None" in line
        ]
    assert offenders == []


# -- item 11: --version, models list ---------------------------------------------------------------------------


def test_version(run_cli):
    code, out, _ = run_cli("--version")
    assert code == 0 and out.strip() == f"mt (tarjama) {version('tarjama')}"


def test_models_list_prints_whole_ids_when_piped(run_cli):
    from mt.models.registry import REGISTRY

    code, out, _ = run_cli("models", "list")
    assert code == 0
    rows = [line.split("\t") for line in out.splitlines()]
    assert rows[0] == ["pair", "model", "default", "cached", "about"]
    assert [(r[0], r[1], r[4]) for r in rows[1:]] == [(i.pair, i.id, i.description) for i in REGISTRY]


# -- item 7: sacrebleu's habits ----------------------------------------------------------------------------------


def test_metrics_after_m_as_sacrebleu_types_them(run_cli, texts):
    ref, hyp = texts
    code, spaced, err = run_cli(
        "evaluate", "-r", ref, hyp, "-m", "bleu", "chrf", "ter", "--format", "json", "--confidence-n", "0"
    )
    assert code == 0, err
    code, commas, err = run_cli(
        "evaluate", "-r", ref, hyp, "-m", "bleu,chrf,ter", "--format", "json", "--confidence-n", "0"
    )
    assert code == 0, err
    assert spaced == commas
    import json

    report = json.loads(spaced)
    assert report["metrics"] == ["BLEU", "chrF2", "TER"]
    assert [s["name"] for s in report["systems"]] == [str(hyp)]


def test_a_file_named_like_a_metric_stays_a_hypothesis(run_cli, texts, tmp_path, monkeypatch):
    import json

    ref, hyp = texts
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chrf").write_text(hyp.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = run_cli(
        "evaluate", "-r", ref, hyp, "-m", "bleu", "chrf", "--format", "json", "--confidence-n", "0", "--test", "none"
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["metrics"] == ["BLEU"]
    assert [s["name"] for s in report["systems"]] == [str(hyp), "chrf"]
    assert "chrf: names a metric but is an existing file" in err
    # without -m, a missing positional is a missing file, never a metric
    code, _, err = run_cli("evaluate", "-r", ref, hyp, "ter")
    _one_line_error(code, err, "hypothesis 'ter': no such file")


# -- item 11: the report format follows the extension ------------------------------------------------------------


@pytest.mark.parametrize(
    "name,start",
    [
        ("report.html", "<!DOCTYPE html>"),
        ("report.md", "# Evaluation report"),
        ("report.json", "{"),
        ("report.txt", ""),
    ],
)
def test_report_format_from_the_output_extension(run_cli, texts, tmp_path, name, start):
    ref, hyp = texts
    out = tmp_path / name
    code, _, err = run_cli("evaluate", "-r", ref, hyp, "-o", out, "--confidence-n", "0")
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert text.lstrip().startswith(start)
    if name.endswith(".txt"):
        assert "<html" not in text and not text.lstrip().startswith(("{", "#")) and "BLEU" in text


def test_explicit_report_format_wins_over_the_extension(run_cli, texts, tmp_path):
    ref, hyp = texts
    out = tmp_path / "report.html"
    code, _, err = run_cli("evaluate", "-r", ref, hyp, "-o", out, "--format", "json", "--confidence-n", "0")
    assert code == 0, err
    assert out.read_text(encoding="utf-8").startswith("{")


# -- item 11: align ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["fastalign", "eflomal"])
def test_align_words_on_empty_files_gives_empty_output(run_cli, tmp_path, backend):
    if backend == "eflomal":
        pytest.importorskip("eflomal")
    src, tgt = tmp_path / "e.ar", tmp_path / "e.en"
    src.write_bytes(b"")
    tgt.write_bytes(b"")
    code, out, err = run_cli("align", "words", src, tgt, "--backend", backend)
    assert code == 0, err
    assert out == ""
    code, _, err = run_cli("align", "words", src, tgt, "--backend", backend, "-o", tmp_path / "links.txt")
    assert code == 0, err
    assert (tmp_path / "links.txt").read_bytes() == b""


def test_align_options_are_checked_before_any_work(run_cli, tmp_path, monkeypatch):
    from mt.alignment import statistical

    def must_not_run(*args, **kwargs):
        raise AssertionError("aligned before checking the options")

    monkeypatch.setattr(statistical.StatisticalAligner, "directional", must_not_run)
    src, tgt = tmp_path / "s.ar", tmp_path / "s.en"
    src.write_text(_lines(SEED_AR, 3), encoding="utf-8")
    tgt.write_text(_lines(SEED_EN, 3), encoding="utf-8")
    cases = [
        (["--sym", "foo"], "unknown symmetrisation 'foo'"),
        (["--backend", "giza"], "unknown statistical backend 'giza'"),
        (["--zh-seg", "words"], "unknown Chinese tokenisation 'words'"),
        (["--src-lang", "fr"], "unknown source language 'fr'"),
        (["-o", tmp_path / "nodir" / "links.txt"], "no such directory"),
    ]
    for options, needle in cases:
        code, out, err = run_cli("align", "words", src, tgt, "--backend", "fastalign", *options)
        _one_line_error(code, err, needle)
        assert out == ""


def test_align_score_on_empty_files_is_refused(run_cli, tmp_path):
    gold, pred = tmp_path / "gold.txt", tmp_path / "pred.txt"
    gold.write_bytes(b"")
    pred.write_bytes(b"")
    code, out, err = run_cli("align", "score", gold, pred)
    _one_line_error(code, err, "nothing to score")
    assert "AER" not in out


def test_align_sentences_band_must_be_positive(run_cli, tmp_path):
    code, _, err = run_cli("align", "sentences", SEED_AR, SEED_EN, "--band", "-3")
    _one_line_error(code, err, "--band")


def test_align_words_help_shows_the_install_extra(run_cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")
    code, out, _ = run_cli("align", "words", "--help")
    assert code == 0
    assert "pip install 'tarjama[align]'" in " ".join(out.split())


# -- item 11: glossary ---------------------------------------------------------------------------------------------


def test_glossary_add_to_a_csv_says_what_to_do(run_cli, tmp_path):
    csv = tmp_path / "x.csv"
    csv.write_text("ar,en\nمرحبا,hello\n", encoding="utf-8")
    before = csv.read_bytes()
    code, _, err = run_cli("glossary", "add", csv, "--ar", "كتاب", "--en", "book")
    _one_line_error(code, err, "cannot be edited in place", f"mt glossary import {csv} -o {tmp_path / 'x.tsv'}")
    assert "--target-lang" not in err
    code, _, err = run_cli("glossary", "remove", csv, "hello")
    _one_line_error(code, err, "cannot be edited in place")
    assert csv.read_bytes() == before


def test_glossary_import_refuses_what_check_rejects(run_cli, tmp_path):
    csv = tmp_path / "dup.csv"
    csv.write_text("مرحبا,hello\nمرحبا,hi\n", encoding="utf-8")
    out = tmp_path / "dup.tsv"
    code, _, err = run_cli("glossary", "import", csv, "-o", out)
    _one_line_error(code, err, "conflicting source variant 'مرحبا'", "nothing imported")
    assert not out.exists()
    good = tmp_path / "good.csv"
    good.write_text("مرحبا,hello\nكتاب,book\n", encoding="utf-8")
    code, _, err = run_cli("glossary", "import", good, "-o", out)
    assert code == 0, err
    code, _, err = run_cli("glossary", "check", out)
    assert code == 0, err


def test_glossary_list_checks_the_type(run_cli):
    code, _, err = run_cli("glossary", "list", ECOMMERCE, "--type", "company")
    _one_line_error(code, err, "unknown concept type 'company'", "organisation")
    code, out, err = run_cli("glossary", "list", ECOMMERCE, "--type", "organisation")
    assert code == 0 and "Alibaba" in out


def test_glossary_lookups_use_the_index(tmp_path):
    """get, `in` and match() no longer walk the concept list; add and remove keep the index and matchers right."""
    from mt.errors import GlossaryError
    from mt.glossary import Glossary
    from mt.glossary.model import make_concept

    glossary = Glossary.load(ECOMMERCE)
    glossary.match("مجموعة علي بابا")

    class Counting(list):
        walks = 0

        def __iter__(self):
            Counting.walks += 1
            return super().__iter__()

    glossary.concepts = Counting(glossary.concepts)
    for _ in range(50):
        assert glossary.get("alibaba").id == "alibaba"
        assert "alibaba" in glossary and "nope" not in glossary and 3 not in glossary
        assert [m.concept.id for m in glossary.match("مجموعة علي بابا")] == ["alibaba"]
    assert Counting.walks == 0
    glossary.add(make_concept(id="kitab", ar=["كتاب"], en=["book"]))
    assert glossary.get("kitab").en == ("book",) or list(glossary.get("kitab").en) == ["book"]
    assert [m.concept.id for m in glossary.match("كتاب علي بابا")] == ["kitab", "alibaba"]
    glossary.remove("alibaba")
    assert "alibaba" not in glossary
    with pytest.raises(GlossaryError, match="no concept with id 'alibaba'"):
        glossary.get("alibaba")
    assert [m.concept.id for m in glossary.match("كتاب علي بابا")] == ["kitab"]
