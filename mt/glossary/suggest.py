"""Propose glossary entries from a line-aligned Arabic / English parallel text.

English candidates are names: capitalised word sequences (``Boao Forum for Asia``, ``Jack Ma``) and Latin tokens
with inner capitals or digits (``AliExpress``, ``eWTP``); a lone capitalised word at the start of a sentence counts
only if it also appears capitalised mid-sentence. For each one the Arabic n-gram (1..4 tokens, proclitics
stripped from the first) that best co-occurs with it across lines is chosen by the Dice coefficient, with a
transliteration score as tie-breaker and as evidence where counts are low: the Wikidata name-token table
(English token -> Arabic and Chinese renderings) when it knows every token, otherwise a consonant-skeleton
similarity. Nothing is added to a glossary here: the CLI asks first.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from mt.errors import InputError
from mt.data import NAMES_TABLE
from mt.glossary.matcher import _tokens
from mt.glossary.verify import _t2s
from mt.text.arabic import PROCLITICS, normalize_map, normalize_token

DEFAULT_NAMES_TABLE = NAMES_TABLE

_CAP_TOKEN = r"(?:[A-Z][\w'’.&-]*|[a-z]+[A-Z][\w.-]*)"
_EN_NAME = re.compile(rf"(?<![\w.]){_CAP_TOKEN}(?:\s+(?:(?:of|and|for|the|de|al|bin|el)\s+)*{_CAP_TOKEN})*")
_EN_STOP = {"the", "a", "an", "in", "on", "at", "of", "for", "and", "to", "by", "with", "from"}
_AR_STOP = {
    normalize_token(w)
    for w in (
        "في",
        "من",
        "على",
        "إلى",
        "الى",
        "عن",
        "مع",
        "أن",
        "إن",
        "ان",
        "التي",
        "الذي",
        "الذين",
        "هذا",
        "هذه",
        "ذلك",
        "كما",
        "قد",
        "لقد",
        "قال",
        "بين",
        "عبر",
        "أو",
        "او",
        "ثم",
        "كل",
        "غير",
        "بعد",
        "قبل",
        "حول",
        "خلال",
        "منذ",
        "و",
        "ف",
        "ب",
        "ل",
        "ك",
        "ما",
        "لا",
        "لم",
        "لن",
        "هو",
        "هي",
        "هم",
        "كان",
        "كانت",
        "يوم",
        "عام",
        "أيضا",
        "ايضا",
    )
}
_TRANSLIT = str.maketrans(
    {
        "ا": "a",
        "ب": "b",
        "ت": "t",
        "ث": "th",
        "ج": "j",
        "ح": "h",
        "خ": "kh",
        "د": "d",
        "ذ": "dh",
        "ر": "r",
        "ز": "z",
        "س": "s",
        "ش": "sh",
        "ص": "s",
        "ض": "d",
        "ط": "t",
        "ظ": "z",
        "ع": "",
        "غ": "g",
        "ف": "f",
        "ق": "g",
        "ك": "k",
        "ل": "l",
        "م": "m",
        "ن": "n",
        "ه": "h",
        "و": "w",
        "ي": "y",
        "ى": "a",
        "ء": "",
        "ئ": "y",
        "ؤ": "w",
    }
)


@dataclass(frozen=True)
class Suggestion:
    """A proposed concept: the Arabic as written, the English name and, from the name table, an *unchecked* hint
    of a Chinese form (token by token, so often wrong for Chinese names: it is shown, never written as a target)."""

    ar: str
    en: str
    zh_hint: str
    dice: float
    count: int
    translit: float
    evidence: str


@dataclass
class NameTable:
    """English name token -> normalised Arabic renderings and a Chinese rendering (Wikidata pivot table)."""

    ar: dict[str, set[str]]
    zh: dict[str, str]

    @classmethod
    def load(cls, path: str | Path) -> "NameTable":
        path = Path(path)
        ar: dict[str, set[str]] = {}
        zh: dict[str, str] = {}
        try:
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                    token = row["en_token"].lower()
                    forms = [row["ar_top"]] + [f for f in re.split(r"[|,;]", row.get("ar_alternatives") or "") if f]
                    ar[token] = {normalize_token(f.strip()) for f in forms if f.strip()}
                    if row.get("zh_top") and int(row.get("zh_count") or 0) >= 3:
                        zh[token] = row["zh_top"]
        except (OSError, KeyError) as error:
            raise InputError(f"{path}: cannot read the name table ({error})") from error
        return cls(ar, zh)

    def chinese(self, english: str) -> str:
        """Chinese rendering of a multi-token name when every token is known (t2s), else ''."""
        tokens = english.lower().split()
        if not tokens or any(t not in self.zh for t in tokens):
            return ""
        return _t2s().convert("".join(self.zh[t] for t in tokens))


def english_names(line: str, mid_sentence: set[str] | None = None) -> list[str]:
    """Name-like spans of an English line (see the module docstring)."""
    out = []
    for m in _EN_NAME.finditer(line):
        words = m.group().split()
        while words and words[0].lower() in _EN_STOP:
            words = words[1:]
        while words and words[-1].lower() in _EN_STOP:
            words = words[:-1]
        words = [w.rstrip(".,;:'’") if not re.search(r"\.\w", w) else w for w in words]
        if words:
            words[-1] = re.sub(r"['’]s?$", "", words[-1])
        if not words:
            continue
        name = " ".join(words)
        sentence_start = m.start() == 0 or re.search(r"[.!?:\-\"“]\s*$", line[: m.start()]) is not None
        special = re.search(r"[a-z][A-Z]|\d|^[A-Z]{2,}$", name) is not None
        if len(words) == 1 and sentence_start and not special and (mid_sentence is None or name not in mid_sentence):
            continue
        out.append(name)
    return out


def _ar_ngrams(line: str, max_n: int, covered: bytearray | None = None) -> dict[tuple[str, ...], str]:
    """Normalised Arabic n-grams of a line -> their surface text (first token without proclitics).

    Tokens inside ``covered`` character positions (terms the glossary already knows) are left out.
    """
    toks = _tokens(line, "ar")
    grams: dict[tuple[str, ...], str] = {}
    for i, tok in enumerate(toks):
        if covered is not None and 1 in covered[tok.start : tok.end]:
            continue
        readings = [(tok.key, 0)]
        for p in PROCLITICS:
            if tok.key.startswith(p) and len(tok.key) - len(p) >= 3:
                readings.append((("ال" + tok.key[len(p) :]) if p.endswith("لل") else tok.key[len(p) :], len(p)))
        for first, cut in readings:
            if first in _AR_STOP or first.isdigit():
                continue
            keys = [first]
            start = tok.start + _surface_cut(line[tok.start : tok.end], cut)
            for n in range(1, max_n + 1):
                j = i + n - 1
                if j >= len(toks) or (n > 1 and toks[j].gap):
                    break
                if covered is not None and 1 in covered[toks[j].start : toks[j].end]:
                    break
                if n > 1:
                    keys.append(toks[j].key)
                if keys[-1] in _AR_STOP:
                    continue
                grams.setdefault(tuple(keys), line[start : toks[j].end])
    return grams


def _surface_cut(raw: str, cut: int) -> int:
    if cut == 0:
        return 0
    norm, idx = normalize_map(raw)
    pairs = [i for c, i in zip(norm, idx) if not c.isspace()]
    return pairs[cut] if cut < len(pairs) else 0


@lru_cache(maxsize=65536)
def _skeleton(text: str) -> str:
    text = text.lower().translate(_TRANSLIT)
    text = re.sub(r"[^a-z]", "", text)
    text = text.replace("ch", "j").replace("zh", "j").replace("x", "sh").replace("q", "j").replace("c", "k")
    return re.sub(r"[aeiouyw]", "", text)


def translit_score(ar_keys: Sequence[str], english: str, names: NameTable | None) -> float:
    """How much the Arabic looks like a transliteration of the English (1.0: the name table says so)."""
    en_tokens = english.lower().split()
    if (
        names is not None
        and len(en_tokens) == len(ar_keys)
        and all(t in names.ar and k in names.ar[t] for t, k in zip(en_tokens, ar_keys))
    ):
        return 1.0
    a, e = _skeleton("".join(ar_keys)), _skeleton(english)
    if not a or not e:
        return 0.0
    return difflib.SequenceMatcher(None, a, e).ratio()


def suggest(
    src_lines: Sequence[str],
    tgt_lines: Sequence[str],
    known: Iterable[str] = (),
    names: NameTable | None = None,
    min_count: int = 2,
    min_dice: float = 0.5,
    min_translit: float = 0.75,
    max_ngram: int = 4,
    glossary=None,
) -> list[Suggestion]:
    """Candidate concepts from a parallel text, best first; ``glossary`` terms already known are skipped."""
    if len(src_lines) != len(tgt_lines):
        raise InputError(
            f"parallel text is not line-aligned: {len(src_lines)} source lines, {len(tgt_lines)} target lines"
        )
    counts = _count_pairs(src_lines, tgt_lines, {k.lower() for k in known}, max_ngram, glossary)
    by_en: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
    for (g, e), c in counts.pairs.items():
        by_en[e].append((g, c))
    best: dict[str, Suggestion] = {}
    for e, options in by_en.items():
        found = _best_arabic(e, options, counts, names, min_count, min_dice, min_translit)
        if found is not None:
            best[e] = found
    # one suggestion per Arabic span: the English name it fits best
    by_ar: dict[str, Suggestion] = {}
    for s in best.values():
        old = by_ar.get(s.ar)
        if old is None or (s.dice * (1 + s.translit), len(s.en)) > (old.dice * (1 + old.translit), len(old.en)):
            by_ar[s.ar] = s
    return sorted(by_ar.values(), key=lambda s: (-(s.dice * (0.5 + 0.5 * s.translit)), -s.count, s.en))


@dataclass
class _PairCounts:
    """What :func:`suggest` counts over a parallel text: lines with each English name, with each Arabic n-gram
    and with both; each n-gram's surface forms; the names the Arabic copies as they are (Latin-script names)."""

    en: Counter[str] = field(default_factory=Counter)
    ar: Counter[tuple[str, ...]] = field(default_factory=Counter)
    pairs: Counter[tuple[tuple[str, ...], str]] = field(default_factory=Counter)
    surfaces: dict[tuple[str, ...], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    copies: dict[str, str] = field(default_factory=dict)


def _mid_sentence_words(tgt_lines: Sequence[str]) -> set[str]:
    """The first words of capitalised runs that stand inside a sentence (not after . ! ? :) somewhere."""
    mid: set[str] = set()
    for line in tgt_lines:
        for m in _EN_NAME.finditer(line):
            if m.start() > 0 and not re.search(r"[.!?:]\s*$", line[: m.start()]):
                mid.add(m.group().split()[0])
    return mid


def _count_pairs(
    src_lines: Sequence[str], tgt_lines: Sequence[str], known_en: set[str], max_ngram: int, glossary
) -> _PairCounts:
    """Count the English names and Arabic n-grams of each line pair, leaving out what the glossary (or
    ``known_en``) already has."""
    mid = _mid_sentence_words(tgt_lines)
    counts = _PairCounts()
    for src, tgt in zip(src_lines, tgt_lines):
        en_names = set(english_names(tgt, mid))
        if glossary is not None:
            known_spans = [tgt[m.start : m.end].lower() for m in glossary.match(tgt, lang="en")]
            en_names = {e for e in en_names if not any(e.lower() in k for k in known_spans)}
            marks = bytearray(len(src))
            for m in glossary.match(src, lang="ar"):
                marks[m.start - len(m.clitic) : m.end] = b"\x01" * (m.end - m.start + len(m.clitic))
            covered: bytearray | None = marks
        else:
            covered = None
        en_names = {e for e in en_names if e.lower() not in known_en}
        grams = _ar_ngrams(src, max_ngram, covered)
        for e in en_names:
            if re.fullmatch(r"[A-Za-z][\w.-]*", e) and re.search(rf"(?<!\w){re.escape(e)}(?!\w)", src):
                counts.copies[e] = e
        counts.en.update(en_names)
        counts.ar.update(grams.keys())
        for g, surface in grams.items():
            counts.surfaces[g][surface] += 1
        for e in en_names:
            for g in grams:
                counts.pairs[(g, e)] += 1
    return counts


def _best_arabic(
    e: str,
    options: list[tuple[tuple[str, ...], int]],
    counts: _PairCounts,
    names: NameTable | None,
    min_count: int,
    min_dice: float,
    min_translit: float,
) -> Suggestion | None:
    """The Arabic n-gram that best translates the English name ``e`` among ``options`` (n-gram, lines with
    both), by Dice and transliteration evidence; None when none passes the thresholds."""
    if e in counts.copies:
        return Suggestion(counts.copies[e], e, names.chinese(e) if names else "", 1.0, counts.en[e], 1.0, "copy")
    scored = []
    for g, c in options:
        dice = 2 * c / (counts.ar[g] + counts.en[e])
        if dice < min_dice:
            continue
        tl = translit_score(g, e, names)
        if c < min_count and tl < min_translit:
            continue
        # equal Dice: transliteration evidence first; without it, the longer n-gram (the whole name)
        rank = (round(dice, 2), tl >= min_translit, tl if tl >= min_translit else len(g), c, sum(map(len, g)))
        scored.append((rank, tl, c, dice, g))
    if not scored:
        return None
    _, tl, c, dice, g = max(scored)
    evidence = "names-table" if tl == 1.0 else ("transliteration" if tl >= min_translit else "co-occurrence")
    surface = counts.surfaces[g].most_common(1)[0][0]
    return Suggestion(surface, e, names.chinese(e) if names else "", round(dice, 3), c, round(tl, 3), evidence)
