"""Rebuild the Arabic copies of this corpus from the projects' own files (see SOURCES.md).

    python tests/data/realworld/arabize.py MIRROR_ROOT

MIRROR_ROOT holds a git clone of each project as OWNER+NAME/repo at the commit SOURCES.md names. Every run of
Latin letters in the source side (XLIFF source and seg-source; the w:t text of a DOCX's word/document.xml,
URLs kept) becomes one Arabic word, the
same word for the same run (a hash picks it from the FLORES-200 dev Arabic sentences, CC BY-SA 4.0), so a
seg-source reads like its source; markup, attributes, targets and everything else stay the input's own bytes,
the declared source language becomes "ar" and the target language "en" (the targets keep their own xml:lang). Files listed as KEPT are copied as they are (English: the
"no Arabic" rule).
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).parent
FLORES = Path("/work/shared/data/flores200/flores200.dev.arb_Arab")
LATIN_RUN = re.compile(r"[A-Za-z\u00C0-\u024F]+")

# (project folder here, mirror folder, commit, path in the project, how: "arabize" or "keep")
FILES = [
    (
        "matecat-xliff-parser",
        "matecat+xliff-parser",
        "e5c479fc2abc45a7fcd598ec54cb191bd21b33c5",
        "tests/files/sdlxliff/piazza.sdlxliff",
        "arabize",
    ),
    (
        "matecat-xliff-parser",
        "matecat+xliff-parser",
        "e5c479fc2abc45a7fcd598ec54cb191bd21b33c5",
        "tests/files/file-with-notes-and-no-target-seg-source-with-external-g-tag.xliff",
        "arabize",
    ),
    (
        "matecat-xliff-parser",
        "matecat+xliff-parser",
        "e5c479fc2abc45a7fcd598ec54cb191bd21b33c5",
        "tests/files/empty-mrk.xliff",
        "arabize",
    ),
    (
        "matecat-xliff-parser",
        "matecat+xliff-parser",
        "e5c479fc2abc45a7fcd598ec54cb191bd21b33c5",
        "tests/files/file-with-notes-nobase64.po.sdlxliff",
        "arabize",
    ),
    (
        "matecat-xliff-parser",
        "matecat+xliff-parser",
        "e5c479fc2abc45a7fcd598ec54cb191bd21b33c5",
        "tests/files/sample-20-segmented.xlf",
        "arabize",
    ),
    (
        "matecat-xliff-parser",
        "matecat+xliff-parser",
        "e5c479fc2abc45a7fcd598ec54cb191bd21b33c5",
        "tests/files/no-target.xliff",
        "keep",
    ),
    (
        "locize-xliff",
        "locize+xliff",
        "3cd78f3c22055765fa14909ad8e904a3e2a31d9a",
        "test/fixtures/inline-elements/example_generic-span12.xliff",
        "arabize",
    ),
    (
        "locize-xliff",
        "locize+xliff",
        "3cd78f3c22055765fa14909ad8e904a3e2a31d9a",
        "test/fixtures/inline-elements/example_generic-span.xliff",
        "arabize",
    ),
    (
        "locize-xliff",
        "locize+xliff",
        "3cd78f3c22055765fa14909ad8e904a3e2a31d9a",
        "test/fixtures/inline-elements/example_native-span-start-end12.xliff",
        "arabize",
    ),
    (
        "locize-xliff",
        "locize+xliff",
        "3cd78f3c22055765fa14909ad8e904a3e2a31d9a",
        "test/fixtures/example12.xliff",
        "keep",
    ),
    (
        "python-docx",
        "python-openxml+python-docx",
        "e45454602b53e8e572b179ccf1c91093ec9f4ed7",
        "features/steps/test_files/par-hyperlinks.docx",
        "arabize",
    ),
    (
        "python-docx",
        "python-openxml+python-docx",
        "e45454602b53e8e572b179ccf1c91093ec9f4ed7",
        "features/steps/test_files/par-hlink-frags.docx",
        "arabize",
    ),
    (
        "python-docx",
        "python-openxml+python-docx",
        "e45454602b53e8e572b179ccf1c91093ec9f4ed7",
        "features/steps/test_files/comments-rich-para.docx",
        "keep",
    ),
]


def arabic_words() -> list[str]:
    words = []
    for line in FLORES.read_text(encoding="utf-8").splitlines()[:200]:
        words += [w for w in re.findall(r"[\u0621-\u064A]+", line) if len(w) > 2]
    return sorted(set(words))


def arabize_text(text: str, words: list[str]) -> str:
    def one(match: re.Match) -> str:
        digest = hashlib.sha256(match.group(0).lower().encode()).digest()
        return words[int.from_bytes(digest[:4], "big") % len(words)]

    return LATIN_RUN.sub(one, text)


SOURCE_SIDE = re.compile(rb"(<(source|seg-source)\b[^>]*>)(.*?)(</\2>)", re.S)
NATIVE = re.compile(rb"(<(ph|bpt|ept|it)\b[^>]*>.*?</\2>|<[^>]+>)", re.S)
LANGUAGE = re.compile(rb'(source-language|srcLang|target-language|trgLang)="[^"]*"')


def arabize_xliff(data: bytes, words: list[str]) -> bytes:
    """Text between tags on the source side becomes Arabic (native code content and tags untouched)."""

    def side(match: re.Match) -> bytes:
        pieces = NATIVE.split(match.group(3))
        out = []
        for piece in pieces:
            if piece is None or piece in (b"ph", b"bpt", b"ept", b"it"):
                continue
            out.append(piece if piece.startswith(b"<") else arabize_text(piece.decode(), words).encode())
        return match.group(1) + b"".join(out) + match.group(4)

    data = SOURCE_SIDE.sub(side, data)

    def language(match: re.Match) -> bytes:
        return match.group(1) + (b'="ar"' if match.group(1) in (b"source-language", b"srcLang") else b'="en"')

    data = LANGUAGE.sub(language, data)
    return re.sub(rb'(<(?:source|seg-source)\b[^>]*)xml:lang="[^"]*"', rb'\1xml:lang="ar"', data)


W_TEXT = re.compile(rb"(<w:t(?:\s[^>]*)?>)([^<]*)(</w:t>)")


def arabize_docx(data: bytes, words: list[str]) -> bytes:
    """The text of every w:t in word/document.xml becomes Arabic (a URL stays as it is); every other entry and
    the zip's order, names and dates are kept."""

    def text(match: re.Match) -> bytes:
        value = match.group(2)
        keep = b"://" in value
        return match.group(1) + (value if keep else arabize_text(value.decode(), words).encode()) + match.group(3)

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as before, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as after:
        for info in before.infolist():
            content = before.read(info)
            if info.filename == "word/document.xml":
                content = W_TEXT.sub(text, content)
            after.writestr(info, content)
    return out.getvalue()


def main(mirrors: Path) -> None:
    words = arabic_words()
    for folder, mirror, commit, path, how in FILES:
        data = subprocess.run(
            ["git", "-C", str(mirrors / mirror / "repo"), "show", f"{commit}:{path}"], check=True, capture_output=True
        ).stdout
        out = HERE / folder / Path(path).name
        out.parent.mkdir(parents=True, exist_ok=True)
        if how == "keep":
            out.write_bytes(data)
        else:
            out.write_bytes(arabize_docx(data, words) if path.endswith(".docx") else arabize_xliff(data, words))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
