"""Which language a request's text is in, by writing system (Arabic, Latin, Chinese letters).

Only the words count: links, @mentions and #hashtags are left out (a Mastodon toot in Arabic with a link is
Arabic), and for ``format: html`` so are the tags, their attributes, and what is not translated anyway
(``<script>``, ``<style>``, ``<code>``, ``<pre>``, ``translate="no"``: Mastodon marks its links so).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Iterable

from mt.text.script import profile

ARABIC_SHARE = 0.3  # a text with at least this share of Arabic letters is taken as Arabic
_NOT_WORDS = re.compile(r"(?:https?://|www\.)\S+|[@#]\w[\w.@-]*", re.UNICODE)
_SKIPPED = {"script", "style", "code", "pre"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _VisibleText(HTMLParser):
    """The text of an HTML fragment or page that a reader sees and the server translates."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[bool] = []  # per open element: whether its content is skipped

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _VOID:
            return
        skip = tag in _SKIPPED or any(name == "translate" and (value or "").lower() == "no" for name, value in attrs)
        self._skipping.append(skip or (bool(self._skipping) and self._skipping[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self._skipping:
            self._skipping.pop()

    def handle_data(self, data: str) -> None:
        if not (self._skipping and self._skipping[-1]):
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(parser.parts)


def words(text: str, html: bool = False) -> str:
    """The text whose letters tell its language: the visible text for HTML, without links, mentions, tags."""
    return _NOT_WORDS.sub(" ", visible_text(text) if html else text)


def detect(texts: Iterable[str], html: bool = False) -> list[dict]:
    """Languages of texts (all together) by script, most likely first: [{"confidence": 0-100, "language"}]."""
    prof = profile([words(text, html) for text in texts])
    found = [
        {"confidence": round(100 * prof.share(script), 1), "language": lang}
        for script, lang in (("arabic", "ar"), ("latin", "en"), ("cjk", "zh"))
        if prof.share(script) > 0
    ]
    return sorted(found, key=lambda d: -d["confidence"]) or [{"confidence": 0.0, "language": "ar"}]


def is_arabic(text: str, html: bool = False) -> bool:
    """Whether a text can be taken as Arabic: no letters at all, or at least 30% Arabic letters."""
    prof = profile([words(text, html)])
    return not prof.letters or prof.share("arabic") >= ARABIC_SHARE
