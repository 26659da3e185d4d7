"""`mt glossary ...` in-process: every subcommand, and bad input (one-line error, exit 1, file untouched)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mt.cli import main
from tests.conftest import DATA, REPO, SEEDS

ECOMMERCE = REPO / "glossaries" / "ecommerce.tsv"


@pytest.fixture()
def gfile(tmp_path):
    path = tmp_path / "g.tsv"
    shutil.copy(ECOMMERCE, path)
    return path


def run(capsys, *args):
    rc = main(["glossary", *map(str, args)])
    out, err = capsys.readouterr()
    return rc, out, err


def assert_one_line_error(rc, err, needle):
    assert rc == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mt: error: ") and needle in lines[0], err
    assert "Traceback" not in err


def test_list_and_show(capsys, gfile, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")  # the table's width, whatever runs the tests (a terminal, a pytest worker)
    rc, out, _ = run(capsys, "list", gfile)
    assert rc == 0 and "aliexpress" in out and "54 of 54 concepts" in out
    rc, out, _ = run(capsys, "list", gfile, "--type", "person")
    assert rc == 0 and "jack-ma" in out and "aliexpress" not in out
    rc, out, _ = run(capsys, "show", gfile, "jack-ma")
    assert rc == 0 and "马云" in out and "person" in out
    rc, _, err = run(capsys, "show", gfile, "no-such-id")
    assert_one_line_error(rc, err, "no concept with id 'no-such-id'")


def test_add_keeps_file_sorted_and_valid(capsys, gfile):
    rc, out, _ = run(
        capsys,
        "add",
        gfile,
        "--ar",
        "صندوق النقد الدولي",
        "--en",
        "International Monetary Fund|IMF",
        "--zh",
        "国际货币基金组织",
        "--type",
        "organisation",
        "--id",
        "imf",
    )
    assert rc == 0 and "added imf" in out
    lines = gfile.read_text(encoding="utf-8").splitlines()
    ids = [line.split("\t")[0] for line in lines[1:]]
    assert ids == sorted(ids) and "imf" in ids
    rc, out, _ = run(capsys, "check", gfile)
    assert rc == 0


@pytest.mark.parametrize(
    "args,needle",
    [
        (["--ar", "علي إكسبريس", "--en", "Ali Express Store"], "conflicting source variant 'علي إكسبريس'"),
        (["--ar", "عَلي بابا", "--en", "Alibaba", "--zh", "阿里巴巴", "--id", "alibaba-2"], "duplicate source variant"),
        (["--ar", "", "--en", "Nothing"], "no Arabic source variant"),
        (["--ar", "شيء"], "no --id given"),
        (["--ar", "شيء", "--en", "Thing", "--type", "animal"], "unknown type 'animal'"),
        (["--ar", "علي بابا", "--en", "Alibaba", "--id", "alibaba"], "already exists"),
    ],
)
def test_add_rejects_bad_concepts(capsys, gfile, args, needle):
    before = gfile.read_bytes()
    rc, _, err = run(capsys, "add", gfile, *args)
    assert_one_line_error(rc, err, needle)
    assert gfile.read_bytes() == before


@pytest.fixture(scope="module")
def english_model(tmp_path_factory):
    """A sentencepiece target model + vocab.json trained on TICO-19 English (no Chinese pieces)."""
    import sentencepiece as spm

    out = tmp_path_factory.mktemp("model")
    spm.SentencePieceTrainer.train(
        input=str(DATA / "tico19" / "tico19.dev.en"),
        model_prefix=str(out / "target"),
        vocab_size=400,
        character_coverage=1.0,
        num_threads=1,
        minloglevel=2,
    )
    (out / "target.model").rename(out / "target.spm")
    pieces = [line.split("\t")[0] for line in (out / "target.vocab").read_text(encoding="utf-8").splitlines()]
    (out / "vocab.json").write_text(json.dumps({p: i for i, p in enumerate(pieces)}), encoding="utf-8")
    return out


def test_add_reports_unspellable_targets(capsys, gfile, english_model):
    rc, out, err = run(
        capsys,
        "add",
        gfile,
        "--ar",
        "شاومي",
        "--en",
        "Xiaomi",
        "--zh",
        "小米",
        "--model",
        english_model,
        "--model-lang",
        "en",
    )
    assert rc == 0 and "added xiaomi" in out
    rc, out, err = run(
        capsys,
        "add",
        gfile,
        "--ar",
        "ميتوان",
        "--en",
        "Meituan",
        "--zh",
        "美团",
        "--model",
        english_model,
        "--model-lang",
        "zh",
    )
    assert rc == 0 and "cannot spell" in err and "美团" in err
    rc, out, _ = run(capsys, "check", gfile, "--model", english_model)
    # the vocabulary's language is guessed (English); a capital X never occurs in its training text
    assert rc == 0 and "en target 'Xinhua'" in out and "cannot spell 'X'" in out and "zh target" not in out
    rc, _, err = run(capsys, "check", gfile, "--model", gfile.parent)
    assert_one_line_error(rc, err, "no target.spm")


def test_remove(capsys, gfile):
    rc, out, _ = run(capsys, "remove", gfile, "xinhua")
    assert rc == 0 and "removed xinhua" in out and "\nxinhua\t" not in gfile.read_text(encoding="utf-8")
    before = gfile.read_bytes()
    rc, _, err = run(capsys, "remove", gfile, "xinhua")
    assert_one_line_error(rc, err, "no concept with id 'xinhua'")
    assert gfile.read_bytes() == before


def test_check_reports_errors_with_exit_status(capsys, tmp_path, gfile):
    rc, out, _ = run(capsys, "check", gfile)
    assert rc == 0 and "ok, 54 concepts" in out
    bad = tmp_path / "conflict.tsv"
    text = gfile.read_text(encoding="utf-8") + "alibaba-copy\tعلي بابا\tAli Baba Inc\t\t\t\tother\t\n"
    bad.write_text(text, encoding="utf-8")
    rc, out, err = run(capsys, "check", bad)
    assert rc == 1 and "conflicting source variant 'علي بابا'" in out and f"{bad}:56:" in out
    assert "1 error(s)" in err
    broken = tmp_path / "broken.tsv"
    broken.write_text("id\tar\ten\tzh\nx\tعلي\n", encoding="utf-8")
    rc, _, err = run(capsys, "check", broken)
    assert_one_line_error(rc, err, f"{broken}:2: expected 4 tab-separated columns")
    rc, _, err = run(capsys, "check", tmp_path / "missing.tsv")
    assert_one_line_error(rc, err, "no such glossary file")


def test_export_import_round_trip(capsys, gfile, tmp_path):
    tbx = tmp_path / "g.tbx"
    rc, out, _ = run(capsys, "export", gfile, "-o", tbx)
    assert rc == 0 and tbx.read_text(encoding="utf-8").count("<conceptEntry") == 54
    back = tmp_path / "back.tsv"
    rc, _, _ = run(capsys, "import", tbx, "-o", back)
    assert rc == 0 and back.read_bytes() == gfile.read_bytes()
    rc, _, err = run(capsys, "import", tbx, "-o", back)
    assert_one_line_error(rc, err, "already exists")
    rc, _, _ = run(capsys, "import", tbx, "-o", back, "--force")
    assert rc == 0
    js = tmp_path / "g.json"
    rc, _, _ = run(capsys, "export", gfile, "-o", js)
    assert rc == 0 and len(json.loads(js.read_text(encoding="utf-8"))["concepts"]) == 54


def test_csv_export_needs_target_language(capsys, gfile, tmp_path):
    out_csv = tmp_path / "g.csv"
    rc, _, err = run(capsys, "export", gfile, "-o", out_csv)
    assert_one_line_error(rc, err, "needs a target language")
    assert not out_csv.exists()
    rc, _, _ = run(capsys, "export", gfile, "-o", out_csv, "--target-lang", "en", "--header")
    assert rc == 0 and out_csv.read_text(encoding="utf-8").startswith("ar,en\n")
    imported = tmp_path / "from_csv.tsv"
    rc, _, _ = run(capsys, "import", out_csv, "-o", imported)
    assert rc == 0
    rc, out, _ = run(capsys, "list", imported)
    assert rc == 0 and "AliExpress" in out


def test_import_rejects_malformed_input(capsys, tmp_path):
    bad = tmp_path / "bad.tbx"
    bad.write_text(
        "<tbx><text><body><conceptEntry id='a'><langSec xml:lang='ar'><termSec><term></term>"
        "</termSec></langSec></conceptEntry></body></text></tbx>",
        encoding="utf-8",
    )
    out_path = tmp_path / "out.tsv"
    rc, _, err = run(capsys, "import", bad, "-o", out_path)
    assert_one_line_error(rc, err, f"{bad}:1: empty <term>")
    assert not out_path.exists()


def test_suggest(capsys, tmp_path):
    small = tmp_path / "small.tsv"
    small.write_text("id\tar\ten\tzh\nalibaba\tعلي بابا\tAlibaba\t阿里巴巴\n", encoding="utf-8")
    before = small.read_bytes()
    src, tgt = SEEDS / "article.ar.txt", SEEDS / "article.en.txt"
    rc, out, _ = run(capsys, "suggest", small, src, tgt, "--dry-run")
    assert rc == 0 and "Wang Jian" in out and "Taobao" in out and "Alibaba " not in out
    assert small.read_bytes() == before
    rc, out, _ = run(capsys, "suggest", small, src, tgt)  # not a terminal: print only
    assert rc == 0 and "nothing added" in out and small.read_bytes() == before
    rc, out, _ = run(capsys, "suggest", small, src, tgt, "--yes")
    assert rc == 0 and "added" in out
    rc, out, _ = run(capsys, "show", small, "wang-jian")
    assert rc == 0 and "وانغ جيان" in out
    rc, _, err = run(capsys, "suggest", small, src, tmp_path / "missing.en")
    assert_one_line_error(rc, err, "no such file")
    short = tmp_path / "short.en"
    short.write_text("one line\n", encoding="utf-8")
    rc, _, err = run(capsys, "suggest", small, src, short)
    assert_one_line_error(rc, err, "not line-aligned")


def test_format_option_overrides_the_extension(capsys, gfile, tmp_path):
    odd = tmp_path / "terms.glossary"
    odd.write_bytes(gfile.read_bytes())
    rc, _, err = run(capsys, "list", odd)
    assert_one_line_error(rc, err, "cannot tell the glossary format")
    rc, out, _ = run(capsys, "list", odd, "--format", "tsv")
    assert rc == 0 and "jack-ma" in out
    as_json = tmp_path / "terms.data"
    rc, _, _ = run(capsys, "export", odd, "--format", "tsv", "-o", as_json, "--to", "json")
    assert rc == 0 and as_json.read_text(encoding="utf-8").lstrip().startswith("{")
    rc, out, _ = run(capsys, "show", as_json, "aiib", "--format", "json")
    assert rc == 0 and "亚投行" in out


class _Terminal:
    """A stdin that says it is a terminal and answers prompts from a script."""

    def __init__(self, answers: str) -> None:
        import io

        self._buffer = io.StringIO(answers)

    def isatty(self) -> bool:
        return True

    def readline(self, *args):
        return self._buffer.readline(*args)

    def read(self, *args):
        return self._buffer.read(*args)


def test_suggest_asks_on_a_terminal(capsys, tmp_path, monkeypatch):
    small = tmp_path / "small.tsv"
    small.write_text("id\tar\ten\tzh\nalibaba\tعلي بابا\tAlibaba\t阿里巴巴\n", encoding="utf-8")
    monkeypatch.setattr("sys.stdin", _Terminal("y\nn\nq\n"))
    rc, out, _ = run(capsys, "suggest", small, SEEDS / "article.ar.txt", SEEDS / "article.en.txt")
    assert rc == 0 and "added 1 concept(s)" in out
    lines = small.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and "suggested from article.ar.txt/article.en.txt" in lines[2]


def test_suggest_reads_its_texts_like_every_other_command(capsys, tmp_path):
    """glossary suggest used its own reader: no NUL check, CR kept, a directory gave an internal error."""
    small = tmp_path / "small.tsv"
    small.write_text("id\tar\ten\tzh\n", encoding="utf-8")
    src, tgt = SEEDS / "article.ar.txt", SEEDS / "article.en.txt"
    binary = tmp_path / "model.bin"
    binary.write_bytes(b"\x7fELF\x00\x01\x02\n")
    for bad, needle in ((binary, "binary file"), (tmp_path, "is a directory")):
        rc, _, err = run(capsys, "suggest", small, src, bad, "--dry-run")
        assert_one_line_error(rc, err, needle)
    lf = run(capsys, "suggest", small, src, tgt, "--dry-run")
    crlf_src, cr_tgt = tmp_path / "crlf.ar", tmp_path / "cr.en"
    crlf_src.write_bytes(src.read_bytes().replace(b"\n", b"\r\n"))
    cr_tgt.write_bytes(b"\xef\xbb\xbf" + tgt.read_bytes().replace(b"\n", b"\r"))
    windows = run(capsys, "suggest", small, crlf_src, cr_tgt, "--dry-run")
    assert lf[0] == windows[0] == 0
    assert "suggestion" in lf[1]
    assert lf[1].replace(str(src), "SRC") == windows[1].replace(str(crlf_src), "SRC")  # the same suggestions


def test_file_names_and_terms_are_printed_as_written(capsys, tmp_path, monkeypatch):
    """rich reads markup ("[bold]", "[/x]") and emoji codes (":smile:") in what it prints: a glossary term or a
    file name holding them was eaten, turned into an emoji, or stopped `glossary list` with a MarkupError."""
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    path = Path("terms[bold] :smile:.tsv")
    shutil.copy(ECOMMERCE, path)
    rc, out, _ = run(capsys, "add", path, "--ar", "شركة تجربة", "--en", "Test [/x] :smile: Co", "--zh", "测试",
                     "--id", "test-co")  # fmt: skip
    assert rc == 0 and f"added test-co to {path} (55 concepts)" in out
    for command in (("list", path), ("show", path, "test-co")):
        rc, out, err = run(capsys, *command)
        assert rc == 0, err
        assert "[/x]" in out and ":smile: Co" in out and "terms[bold] :smile:.tsv" in out and "😄" not in out
    rc, _, err = run(capsys, "list", "missing [red]:thumbs_up:.tsv")
    assert_one_line_error(rc, err, "missing [red]:thumbs_up:.tsv")
