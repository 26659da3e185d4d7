"""How the files under tests/data/realworld were made from their upstream originals (see SOURCES.md): every
English word of the translatable text becomes an Arabic word, everything else stays byte for byte.

    python tests/data/realworld/rewrite_arabic.py {srt|vtt|po|md} UPSTREAM_FILE OUT_FILE [MAX_CUES]

Words come from the Tatoeba Arabic test sentences in eval/data/tatoeba, in order, one Arabic word per distinct
English word (case-folded), so a word written twice (a Markdown reference label and its definition) stays the
same word. Markup, placeholders, escapes, URLs, code, timings, settings, identifiers, comments, msgctxt and
msgstr are not touched. A file is rewritten once, by hand, when it is added; the tests never run this.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parents[3]
TATOEBA = REPO / "eval" / "data" / "tatoeba" / "tatoeba-test-v2021-08-07.ara-eng.araonly.ara"
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")  # letters of any script (Spanish accents included)
PROTECT_COMMON = r"<[^<>\n]*>|\{\\[^{}\n]*\}|&#?\w+;|\w+://[^\s<>()]+|[\w.+-]+@[\w.-]+"
PO_PLACEHOLDER = (
    r"%(?:\(\w+\))?(?:\d+\$)?[-+#0' ]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?:hh|h|ll|l|L|q|j|z|t)?"
    r"[diouxXeEfFgGaAcsrpn%]|\{[^{}\s]*\}|\\."
)
MD_INLINE = r"`+[^`]*`+|\]\([^)]*\)|\]\[[^\]]*\]|\\."


class Words:
    """English word -> Arabic word, the same one each time."""

    def __init__(self) -> None:
        pool = re.findall(r"(?<!\S)[\u0621-\u065F\u0670]{2,}(?!\S)", TATOEBA.read_text(encoding="utf-8"))
        self.pool = list(dict.fromkeys(pool))
        self.chosen: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        key = word.lower()
        if key not in self.chosen:
            self.chosen[key] = self.pool[len(self.chosen)]
        return self.chosen[key]


def rewrite(text: str, words: Words, protect: str) -> str:
    pattern = re.compile(f"(?P<keep>{protect})|(?P<word>{WORD.pattern})")
    return pattern.sub(lambda m: m.group("keep") or words(m.group("word")), text)


def subtitles(text: str, words: Words, max_cues: int | None) -> str:
    lines = text.splitlines(keepends=True)
    out, in_cue, cues = [], False, 0
    for line in lines:
        if "-->" in line:
            cues += 1
            if max_cues is not None and cues > max_cues:
                while out and out[-1].strip("\r\n"):
                    out.pop()  # the cut cue's identifier
                break
            in_cue = True
            out.append(line)
            continue
        if not line.strip("\r\n"):
            in_cue = False
        out.append(rewrite(line, words, PROTECT_COMMON) if in_cue else line)
    return "".join(out)


def po(text: str, words: Words) -> str:
    out, in_msgid = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith(("msgid ", "msgid_plural ")):
            in_msgid = True
        elif not line.lstrip().startswith('"'):
            in_msgid = False
        if in_msgid:
            head, _, rest = line.partition('"')
            line = head + '"' + rewrite(rest, words, f"{PO_PLACEHOLDER}|{PROTECT_COMMON}")
        out.append(line)
    return "".join(out)


def markdown(text: str, words: Words) -> str:
    tokens = MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse(text)
    frozen = set()
    for token in tokens:
        if token.type in ("fence", "code_block", "html_block") and token.map:
            frozen.update(range(*token.map))
    out = []
    definition = re.compile(r"^( {0,3}\[)([^\]]+)(\]:[ \t]*)(\S+)(.*)$", re.S)
    for number, line in enumerate(text.splitlines(keepends=True)):
        match = definition.match(line)
        if number in frozen:
            out.append(line)
        elif match:
            label, title = (rewrite(match.group(k), words, PROTECT_COMMON) for k in (2, 5))
            out.append(match.group(1) + label + match.group(3) + match.group(4) + title)
        else:
            out.append(rewrite(line, words, f"{MD_INLINE}|{PROTECT_COMMON}"))
    return "".join(out)


def main() -> None:
    kind, source, target = sys.argv[1:4]
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else None
    raw = Path(source).read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    words = Words()
    done = {
        "srt": lambda: subtitles(text, words, limit),
        "vtt": lambda: subtitles(text, words, limit),
        "po": lambda: po(text, words),
        "md": lambda: markdown(text, words),
    }[kind]()
    Path(target).write_bytes((b"\xef\xbb\xbf" if bom else b"") + done.encode("utf-8"))


if __name__ == "__main__":
    main()
