"""Bad input to `mt evaluate`: a one-line message and a non-zero exit, never a traceback; odd but valid text is
read exactly as sacrebleu reads it."""

from __future__ import annotations

import pytest

from mt.cli import main
from mt.evaluation.inputs import read_lines

EN = ["The cat sat on the mat.", "It was a sunny day in the city.", "Prices rose by three percent."]
AR = ["جلست القطة على الحصيرة.", "كان يوما مشمسا في المدينة.", "ارتفعت الأسعار بنسبة ثلاثة بالمئة."]


def _file(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text("\n".join(content) + "\n", encoding="utf-8")
    return str(path)


def _fails(capsys, args, *needles):
    rc = main(["evaluate", *args])
    err = capsys.readouterr().err
    assert rc != 0
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mt: error: "), err
    for needle in needles:
        assert needle in lines[0]
    return lines[0]


@pytest.fixture
def ref(tmp_path):
    return _file(tmp_path, "ref.en", EN)


def test_line_count_mismatch(tmp_path, capsys, ref):
    short = _file(tmp_path, "short.en", EN[:2])
    _fails(capsys, ["-r", ref, short], "short.en", "2 lines", "3")
    _fails(capsys, ["-r", ref, "-r", short, ref], "reference", "2 lines")
    _fails(capsys, ["-r", ref, ref, "--src", _file(tmp_path, "src.ar", AR[:1])], "source", "1 lines")


def test_empty_files(tmp_path, capsys, ref):
    empty = _file(tmp_path, "empty.en", b"")
    _fails(capsys, ["-r", ref, empty], "empty.en", "is empty")
    _fails(capsys, ["-r", empty, ref], "reference", "is empty")


def test_undecodable_bytes_name_file_and_offset(tmp_path, capsys, ref):
    latin1 = _file(tmp_path, "latin1.en", "The caf\u00e9 is open.\nx\ny\n".encode("latin-1"))
    _fails(capsys, ["-r", ref, latin1], "latin1.en", "invalid UTF-8", "byte 7 (line 1): bytes e9 20 69 73")


def test_binary_file(tmp_path, capsys, ref):
    binary = _file(tmp_path, "model.bin", b"\x00\x01\x02abc\n")
    _fails(capsys, ["-r", ref, binary], "model.bin", "NUL byte", "offset 0")


def test_missing_files_and_directories(tmp_path, capsys, ref):
    _fails(capsys, ["-r", ref, str(tmp_path / "nope.en")], "nope.en", "no such file")
    _fails(capsys, ["-r", str(tmp_path / "noref.en"), ref], "reference", "no such file")
    _fails(capsys, ["-r", ref, str(tmp_path)], "is a directory")
    _fails(capsys, ["-r", ref, ref, "--src", str(tmp_path / "nosrc.ar")], "source", "no such file")
    _fails(capsys, ["-r", ref, ref, "--src", _file(tmp_path, "s.ar", AR), "--glossary", str(tmp_path / "g.tsv")])
    _fails(capsys, ["-r", ref, ref, "-o", str(tmp_path)], "directory")
    _fails(capsys, ["-r", ref, ref, "-o", str(tmp_path / "no" / "such" / "dir.json")], "no such directory")


def test_bad_options(tmp_path, capsys, ref):
    _fails(capsys, ["-r", ref, ref, "-m", "bleu,meteor"], "meteor")
    _fails(capsys, ["-r", ref, ref, "--format", "pdf"], "pdf")
    _fails(capsys, ["-r", ref, ref, "--lang", "fr"], "fr")
    _fails(capsys, ["-r", ref, ref, "--tokenize", "flores200"], "flores200")
    _fails(capsys, ["-r", ref, ref, "--test", "bs"], "two systems")
    _fails(capsys, ["-r", ref, ref, "--test", "t-test"], "t-test")
    _fails(capsys, ["-r", ref, ref, ref], "given twice")


def test_existing_output_needs_force(tmp_path, capsys, ref):
    out = _file(tmp_path, "report.json", ["keep me"])
    _fails(capsys, ["-r", ref, ref, "-o", out, "--format", "json"], "already exists", "--force")
    assert (tmp_path / "report.json").read_text(encoding="utf-8") == "keep me\n"
    assert main(["evaluate", "-r", ref, ref, "-o", out, "--format", "json", "--force", "--confidence-n", "0"]) == 0


def test_undetectable_target_language(tmp_path, capsys):
    arabic_ref = _file(tmp_path, "ref.ar", AR)
    _fails(capsys, ["-r", arabic_ref, arabic_ref], "--lang")


def test_wrong_script_hypothesis_warns_and_continues(tmp_path, capsys, ref):
    arabic = _file(tmp_path, "untranslated.en", AR)
    rc = main(["evaluate", "-r", ref, arabic, "--format", "json", "--confidence-n", "0"])
    captured = capsys.readouterr()
    assert rc == 0
    assert "warning" in captured.err and "untranslated.en" in captured.err and "Arabic" in captured.err
    assert '"BLEU"' in captured.out  # the report is still produced
    chinese = _file(tmp_path, "zh.txt", ["猫坐在垫子上。", "这是城市里阳光明媚的一天。", "价格上涨了百分之三。"])
    assert main(["evaluate", "-r", ref, chinese, "--lang", "en", "-m", "chrf", "--confidence-n", "0"]) == 0
    assert "Chinese" in capsys.readouterr().err


def test_reading_matches_sacrebleu_conventions(tmp_path):
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes("\ufeffa b  \r\nc\u2028d\t\n\n".encode("utf-8"))
    # BOM dropped, \r and trailing blanks stripped, split on \n only (U+2028 stays inside the line), empty kept
    assert read_lines(crlf) == ["a b", "c\u2028d", ""]
    no_newline = tmp_path / "n.txt"
    no_newline.write_text("x\ny", encoding="utf-8")
    assert read_lines(no_newline) == ["x", "y"]


def test_gzip_files_are_read_and_corrupt_ones_rejected(tmp_path, capsys, ref):
    import gzip

    packed = tmp_path / "hyp.en.gz"
    packed.write_bytes(gzip.compress(("\n".join(EN) + "\n").encode("utf-8")))
    assert read_lines(packed) == EN
    broken = tmp_path / "broken.en.gz"
    broken.write_bytes(gzip.compress(b"abc\n")[:-6])
    _fails(capsys, ["-r", ref, str(broken)], "broken.en.gz", "cannot read")
