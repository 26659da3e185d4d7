"""Pay for what you use: a command imports torch, transformers, CTranslate2, Ray or the web server only when it
runs them (mt.plugins, mt.cli.commands). Each command runs in a fresh interpreter, which then reports the heavy
packages it imported; a torch-needing path without torch names the extra to install."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from mt.cli.commands import COMMANDS
from mt.formats.registry import ENTRIES
from tests.conftest import REPO, SEEDS

HEAVY = ("torch", "transformers", "ctranslate2", "ray", "fastapi", "uvicorn", "starlette", "pyarrow")
PARSERS = ("lxml", "markdown_it", "srt", "webvtt", "polib")  # document formats' libraries
# runs `mt ARGS...` in this interpreter (optionally with some packages made unimportable, as if not installed),
# then prints the exit status and the heavy packages that were imported
PROBE = """
import json, sys
blocked, heavy, args = json.loads(sys.argv[1])
for name in blocked:
    sys.modules[name] = None  # `import name` now fails with ModuleNotFoundError, as without the package
from mt.cli import main
code = main(args)
loaded = sorted(name for name in heavy if sys.modules.get(name) is not None)  # a package or a module
print(json.dumps({"code": code, "loaded": loaded}))
"""


def run_mt(*args: str, blocked: tuple[str, ...] = (), watched: tuple[str, ...] = HEAVY) -> tuple[int, list[str], str]:
    """Run `mt ARGS` in a new process: (exit status, the `watched` packages it imported, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "MT_PROGRESS": "0"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps([list(blocked), watched, list(args)])],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return report["code"], report["loaded"], done.stderr


@pytest.fixture(scope="module")
def small_tm(tmp_path_factory):
    """A translation memory holding the seed article's human translations (ar -> en)."""
    tm = tmp_path_factory.mktemp("tm") / "seed.tm"
    code, _, stderr = run_mt(
        "tm", "import", "--tm", str(tm), "--tgt", "en", str(SEEDS / "article.ar.txt"), str(SEEDS / "article.en.txt")
    )
    assert code == 0, stderr
    return tm


READING_COMMANDS = {
    "help": ["--help"],
    "version": ["--version"],
    "glossary list": ["glossary", "list", "glossaries/ecommerce.tsv"],
    "evaluate": ["evaluate", "-r", "seeds/article.en.txt", "seeds/article.en.txt"],
    "align sentences": ["align", "sentences", "--tgt-lang", "en", "seeds/article.ar.txt", "seeds/article.en.txt"],
}


@pytest.mark.parametrize("name", sorted(READING_COMMANDS))
def test_reading_commands_import_no_model_runtime_or_server(name):
    code, loaded, stderr = run_mt(*READING_COMMANDS[name])
    assert code == 0, stderr
    assert loaded == [], loaded


# what the reading commands paid for at start and did not use: typer >= 0.29's pydantic adapters, the glossary
# matcher and the HTML and Markdown reports of evaluate printing text, the version lookup (importlib.metadata)
# of --help and --version, translate's progress bar and decoding options (rich.progress, mt.settings), and the
# glossary (its matcher, target check and OpenCC) of `align sentences` without -g: only its term anchors use it;
# rich, which only the commands that print rich tables, a progress bar or typer's help use (not evaluate's report,
# nor the plain lines on stderr: mt.cli.common.say)
UNUSED = {
    "help": ("importlib.metadata", "mt.glossary"),
    "version": ("importlib.metadata", "mt.glossary", "rich"),
    "evaluate": ("mt.glossary", "opencc", "mt.evaluation.report.html", "mt.evaluation.report.markdown", "rich"),
    "glossary list": (),
    "align sentences": ("mt.glossary", "opencc", "mt.alignment.sentence.term_anchors", "rich"),
}


@pytest.mark.parametrize("name", sorted(READING_COMMANDS))
def test_reading_commands_import_only_what_they_use(name):
    code, loaded, stderr = run_mt(
        *READING_COMMANDS[name], watched=("pydantic", "rich.progress", "mt.settings", *UNUSED[name])
    )
    assert code == 0, stderr
    assert loaded == [], loaded


def test_tm_stats_imports_no_model_runtime_or_server(small_tm):
    code, loaded, stderr = run_mt("tm", "stats", "--tm", str(small_tm))
    assert code == 0, stderr
    assert loaded == [], loaded
    code, loaded, stderr = run_mt("tm", "stats", "--tm", str(small_tm), watched=("rich", "mt.settings"))
    assert code == 0 and loaded == [], (loaded, stderr)


def test_ctranslate2_translation_never_imports_torch(tiny_ending_ct2, tmp_path):
    source = tmp_path / "one.ar"
    source.write_text((SEEDS / "article.ar.txt").read_text(encoding="utf-8").splitlines()[1] + "\n", encoding="utf-8")
    out = tmp_path / "one.en"
    code, loaded, stderr = run_mt(
        "translate",
        "--model",
        f"ar-en={tiny_ending_ct2['ar-en']}",
        "--to",
        "en",
        str(source),
        "-o",
        str(out),
        watched=HEAVY + PARSERS,
    )
    assert code == 0, stderr
    assert out.read_text(encoding="utf-8").strip()
    assert loaded == ["ctranslate2"], loaded  # plain text: no document parser either


def test_ctranslate2_translation_runs_without_torch_installed(tiny_ending_ct2, tmp_path):
    source = tmp_path / "one.ar"
    source.write_text("مرحبا بكم في هانغتشو.\n", encoding="utf-8")
    code, _, stderr = run_mt(
        "translate",
        "--model",
        f"ar-en={tiny_ending_ct2['ar-en']}",
        "--to",
        "en",
        str(source),
        "-o",
        str(tmp_path / "one.en"),
        blocked=("torch", "transformers"),
    )
    assert code == 0, stderr
    assert (tmp_path / "one.en").read_text(encoding="utf-8").strip()


def test_transformers_backend_without_torch_names_the_extra(tiny_ar_en, tmp_path):
    source = tmp_path / "one.ar"
    source.write_text("مرحبا.\n", encoding="utf-8")
    code, _, stderr = run_mt(
        "translate", "--model", f"ar-en={tiny_ar_en}", "--to", "en", str(source), blocked=("torch",)
    )
    assert code == 1
    assert stderr.strip().splitlines() == [
        (
            "mt: error: the transformers backend (Hugging Face model directories) "
            'needs torch, which is not installed: pip install "tarjama[hf]"'
        )
    ]


def test_convert_without_transformers_names_the_extra(tiny_ar_en, tmp_path):
    code, _, stderr = run_mt("models", "convert", str(tiny_ar_en), str(tmp_path / "out"), blocked=("transformers",))
    assert code == 1
    assert stderr.strip().splitlines() == [
        'mt: error: mt models convert needs transformers, which is not installed: pip install "tarjama[hf]"',
    ]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_registered_command_loads_with_its_help(name, run_cli):
    command = COMMANDS[name].load(name)
    assert command.name == name and command.help
    code, out, _ = run_cli(name, "--help")
    assert code == 0 and f"mt {name}" in out


@pytest.mark.parametrize("name", list(ENTRIES))
def test_format_table_matches_each_format(name):
    fmt = ENTRIES[name].plugin.load()()
    assert (fmt.name, tuple(fmt.extensions)) == (name, ENTRIES[name].extensions)


def test_serve_keys_need_no_web_server(tmp_path):
    code, loaded, stderr = run_mt("serve", "keys", "add", str(tmp_path / "keys.db"), "alice")
    assert code == 0, stderr
    assert loaded == [], loaded
