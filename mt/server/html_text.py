"""``format: html`` until a real HTML document format is registered (mt.formats.registry.format_for(..., "html")).

The minimal, documented fallback (docs/serve.md): the markup is kept exactly as sent and every run of text
between two tags is translated on its own, as one line (entities decoded before, the translation escaped
after); the content of <script>, <style> and comments, and runs without letters, stay as they are. Inline
markup therefore splits a sentence: "<p>a <b>b</b> c</p>" is translated as "a ", "b" and " c". The document
format, once registered, translates whole paragraphs with their inline tags placed by alignment instead.
"""

from __future__ import annotations

import html
import unicodedata
from html.parser import HTMLParser


class _Runs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.parts: list[tuple[bool, str]] = []  # (is text to translate, raw)
        self._raw_until: str | None = None

    def _keep(self, raw: str) -> None:
        self.parts.append((False, raw))

    def handle_starttag(self, tag, attrs) -> None:
        self._keep(self.get_starttag_text() or "")
        if tag in ("script", "style"):
            self._raw_until = tag

    def handle_startendtag(self, tag, attrs) -> None:
        self._keep(self.get_starttag_text() or "")

    def handle_endtag(self, tag) -> None:
        self._keep(f"</{tag}>")
        if tag == self._raw_until:
            self._raw_until = None

    def handle_data(self, data) -> None:
        self.parts.append((self._raw_until is None, data))

    def handle_entityref(self, name) -> None:
        self.parts.append((self._raw_until is None, f"&{name};"))

    def handle_charref(self, name) -> None:
        self.parts.append((self._raw_until is None, f"&#{name};"))

    def handle_comment(self, data) -> None:
        self._keep(f"<!--{data}-->")

    def handle_decl(self, decl) -> None:
        self._keep(f"<!{decl}>")

    def handle_pi(self, data) -> None:
        self._keep(f"<?{data}>")

    def unknown_decl(self, data) -> None:
        self._keep(f"<![{data}]>")


def _has_letters(text: str) -> bool:
    return any(unicodedata.category(c).startswith("L") for c in text)


def split_html(markup: str) -> tuple[list, list[str]]:
    """(pieces, runs): the markup cut into pieces (strings kept as they are; a (leading, trailing whitespace)
    pair where a run goes), and the text runs to translate (decoded, on one line, outer whitespace removed)."""
    parser = _Runs()
    parser.feed(markup)
    parser.close()
    merged: list[tuple[bool, str]] = []  # adjacent text parts (data and entities) make one run
    for is_text, raw in parser.parts:
        if is_text and merged and merged[-1][0]:
            merged[-1] = (True, merged[-1][1] + raw)
        else:
            merged.append((is_text, raw))
    pieces, runs = [], []
    for is_text, raw in merged:
        text = html.unescape(raw) if is_text else ""
        if is_text and _has_letters(text):
            runs.append(" ".join(text.split()))
            pieces.append((raw[: len(raw) - len(raw.lstrip())], raw[len(raw.rstrip()):]))  # a run's place
        else:
            pieces.append(raw)
    return pieces, runs


def join_html(pieces: list, translations: list[str]) -> str:
    """The markup with each run replaced by its translation (escaped), its outer whitespace kept."""
    out, at = [], 0
    for piece in pieces:
        if isinstance(piece, tuple):
            lead, trail = piece
            out.append(lead + html.escape(translations[at], quote=False) + trail)
            at += 1
        else:
            out.append(piece)
    return "".join(out)
