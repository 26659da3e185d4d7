"""Files from other projects' test suites (tests/data/realworld, SOURCES.md), their text rewritten into Arabic with
the markup kept, translated with the tiny models and read back with an independent reader: srt, webvtt-py,
polib with msgfmt, markdown-it-py. What must hold for any model: the same cues, ids, timings and settings; the
same entries with the same msgctxt/msgid bytes and the placeholders kept; the same Markdown structure, inline
markup, code and URLs; every untouched part byte for byte.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import polib
import pytest
import srt
import webvtt
from markdown_it import MarkdownIt

from mt.formats.document import FormatOptions
from mt.formats.po import PLACEHOLDER
from mt.pipeline import Translator

pytestmark = pytest.mark.slow  # about 40 files through the tiny models: minutes on a shared machine

REALWORLD = Path(__file__).parent / "data" / "realworld"
FAST = {"max_length_ratio": 0.5, "max_length_extra": 4}
CUE_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
TIMING = re.compile(r"^.*-->.*$", re.M)


def _files(*patterns: str) -> list[Path]:
    return sorted(path for pattern in patterns for path in REALWORLD.glob(pattern))


@pytest.fixture(scope="module")
def translator(tiny_ar_en, tiny_en_zh):
    return Translator({"ar-en": str(tiny_ar_en), "en-zh": str(tiny_en_zh)}, **FAST)


def _translate(translator, path: Path, tmp_path: Path, to: str = "en", **options) -> tuple[str, str]:
    out = tmp_path / f"out{path.suffix}"
    translator.translate_file(path, to=to, out=out, options=FormatOptions(**options))
    return path.read_bytes().decode("utf-8-sig"), out.read_bytes().decode("utf-8-sig")


def _non_cue_lines(text: str) -> list[str]:
    """A subtitle file's lines that are not cue text: headers, notes, styles, ids, timings, blank lines."""
    kept, in_cue = [], False
    for line in text.splitlines():
        if "-->" in line:
            in_cue = True
            kept.append(line)
        elif not line:
            in_cue = False
            kept.append(line)
        elif not in_cue:
            kept.append(line)
    return kept


@pytest.mark.parametrize("path", _files("*/*.srt"), ids=lambda p: p.name)
def test_srt_files(translator, path, tmp_path):
    source, out = _translate(translator, path, tmp_path)
    before, after = list(srt.parse(source)), list(srt.parse(out))
    assert [(c.index, c.start, c.end, c.proprietary) for c in after] == [
        (c.index, c.start, c.end, c.proprietary) for c in before
    ]
    for old, new in zip(before, after):
        assert bool(old.content.strip()) == bool(new.content.strip())
        assert Counter(CUE_TAG.findall(new.content)) == Counter(CUE_TAG.findall(old.content))
    assert _non_cue_lines(out) == _non_cue_lines(source)


@pytest.mark.parametrize("path", _files("*/*.vtt"), ids=lambda p: p.name)
def test_vtt_files(translator, path, tmp_path):
    """webvtt-py reads every one of these inputs; the outputs must read the same (and keep each cue's own tags,
    timestamps in order); timing lines with their settings are compared as bytes."""
    source, out = _translate(translator, path, tmp_path)
    before, after = webvtt.from_string(source).captions, webvtt.from_string(out).captions
    assert [(c.identifier, c.start, c.end) for c in after] == [(c.identifier, c.start, c.end) for c in before]
    for old, new in zip(before, after):
        assert bool(old.raw_text.strip()) == bool(new.raw_text.strip())
        assert Counter(CUE_TAG.findall(new.raw_text)) == Counter(CUE_TAG.findall(old.raw_text))
        stamps = re.findall(r"<\d[\d:.]*>", new.raw_text)
        assert stamps == re.findall(r"<\d[\d:.]*>", old.raw_text)  # in their cue, in their order
    assert TIMING.findall(out) == TIMING.findall(source)
    assert _non_cue_lines(out) == _non_cue_lines(source)


def _keys(catalogue: polib.POFile) -> list[tuple[str | None, str, str]]:
    return [(e.msgctxt, e.msgid, e.msgid_plural) for e in catalogue]


def _msgid_lines(text: str) -> list[str]:
    """The msgctxt, msgid and msgid_plural lines with their continuation lines, as written."""
    kept, keep = [], False
    for line in text.splitlines():
        if line.startswith(("msgctxt", "msgid")):
            keep = True
        elif not line.startswith('"'):
            keep = False
        if keep:
            kept.append(line)
    return kept


def _msgfmt_ok(path: Path) -> bool:
    return subprocess.run(["msgfmt", "-c", "-o", "/dev/null", str(path)], capture_output=True).returncode == 0


@pytest.mark.parametrize(
    "path,to",
    [(path, "en") for path in _files("*/*.po", "*/*.pot")]
    + [(REALWORLD / "polib" / name, "zh") for name in ("test_merge.pot", "test_weird_occurrences.po")],
    ids=lambda value: value.name if isinstance(value, Path) else value,
)
def test_po_files(translator, path, tmp_path, to):
    source, out = _translate(translator, path, tmp_path, to=to, mark_fuzzy=False)
    before, after = polib.pofile(source), polib.pofile(out)
    assert _keys(after) == _keys(before)
    assert _msgid_lines(out) == _msgid_lines(source)  # msgids are keys: byte for byte
    for old, new in zip(before, after):
        started = old.msgstr or any(old.msgstr_plural.values())  # partly translated: left for a person
        if old.obsolete or started or not re.search(r"[\u0600-\u06FF]", old.msgid):
            assert (new.msgstr, new.msgstr_plural) == (old.msgstr, old.msgstr_plural)
            continue
        if old.msgid_plural:
            sources = [old.msgid, old.msgid_plural] if to == "en" else [old.msgid_plural]
            targets = [new.msgstr_plural[k] for k in range(len(sources))]
            assert len(new.msgstr_plural) == len(sources)
        else:
            sources, targets = [old.msgid], [new.msgstr]
        for message, translation in zip(sources, targets):
            assert translation.strip()
            assert Counter(PLACEHOLDER.findall(translation)) == Counter(PLACEHOLDER.findall(message))
    assert shutil.which("msgfmt"), "msgfmt (gettext) is needed: apt-get install gettext"
    if _msgfmt_ok(path):
        written = tmp_path / "checked.po"
        written.write_text(out, encoding="utf-8")
        assert _msgfmt_ok(written)


def _structure(text: str) -> list[object]:
    """markdown-it-py's reading: the block tokens in order (code and HTML blocks as written); per inline run, the
    inline elements as a multiset of (type, link target, code or HTML as written, the elements holding it): a
    model may reorder words, so siblings may swap, but none may be lost, merged, or leave its parent."""
    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    shape: list[object] = []
    for token in parser.parse(text):
        if token.type != "inline":
            kept = token.content if token.type in ("fence", "code_block", "html_block") else ""
            shape.append((token.type, token.tag, kept))
            continue
        elements: Counter = Counter()
        holders: list[str] = []
        for child in token.children or []:
            if child.type in ("text", "softbreak"):
                continue
            if child.nesting == -1:
                holders.pop()
                continue
            kept = child.content if child.type in ("code_inline", "html_inline") else ""
            target = str(child.attrs.get("href") or child.attrs.get("src") or "")
            elements[(child.type, target, kept, tuple(holders))] += 1
            if child.nesting == 1:
                holders.append(child.type)
        shape.append(elements)
    return shape


@pytest.mark.parametrize("path", _files("*/*.md"), ids=lambda p: p.name)
def test_markdown_files(translator, path, tmp_path):
    source, out = _translate(translator, path, tmp_path)
    assert _structure(out) == _structure(source)
