"""Clean training pairs before fine-tuning, and say what was removed and why.

In this order, each pair counted once under the first reason that removes it:

1. empty: a side with no letters or digits;
2. wrong script: a side whose letters are mostly not in its language's script (an untranslated target, a
   swapped pair), judged per pair with :mod:`mt.text.script` (sides with fewer than ``MIN_LETTERS`` letters are
   not judged);
3. too long: a side longer than the model's input limit in its pieces (it would be cut, not learnt);
4. length ratio: target pieces / source pieces outside [1 / ratio, ratio] (misaligned pairs);
5. held out: the source (as the translation memory normalises it) or the target is in a validation or test set,
   so that the scores measure translation, not recall;
6. duplicate: the same normalised source with the same target as an earlier pair.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from mt.memory import Segment, normalise_source
from mt.text.script import LANGUAGE_SCRIPT, profile

MIN_LETTERS = 4
SCRIPT_SHARE = 0.3  # as mt.text.script judges a whole text: at least 30% of the letters in the expected script
REASONS = ("empty", "wrong script", "too long", "length ratio", "in a validation or test set", "duplicate")


@dataclass
class Preparation:
    """The kept pairs and the counts of what was removed (``removed[reason]``), for the summary."""

    pairs: list[Segment]
    read: int
    removed: Counter = field(default_factory=Counter)

    def summary(self) -> str:
        parts = [f"{self.removed[r]} {r}" for r in REASONS if self.removed[r]]
        return f"{self.read} pairs read, {len(self.pairs)} kept" + (f"; removed: {', '.join(parts)}" if parts else "")


def _has_content(text: str) -> bool:
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def wrong_script(text: str, lang: str) -> bool:
    """Whether ``text`` has at least MIN_LETTERS letters and under 30% of them in ``lang``'s script."""
    expected = LANGUAGE_SCRIPT.get(lang)
    prof = profile([text])
    return expected is not None and prof.letters >= MIN_LETTERS and prof.share(expected) < SCRIPT_SHARE


def _target_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def prepare(
    pairs: Iterable[Segment],
    count_source: Callable[[str], int],
    count_target: Callable[[str], int],
    *,
    max_tokens: int,
    max_ratio: float = 3.0,
    held_out: Iterable[Segment] = (),
) -> Preparation:
    """Filter ``pairs`` (see the module docstring). ``count_source`` / ``count_target`` count a side's pieces
    in the model's vocabulary; ``held_out`` are the validation and test pairs that training must not see."""
    held = list(held_out)
    held_sources = {normalise_source(p.source, p.source_lang) for p in held}
    held_targets = {_target_key(p.target) for p in held if p.target}
    seen: set[tuple[str, str]] = set()
    kept: list[Segment] = []
    removed: Counter = Counter()
    read = 0
    for pair in pairs:
        read += 1
        reason = None
        if not _has_content(pair.source) or not _has_content(pair.target):
            reason = "empty"
        elif wrong_script(pair.source, pair.source_lang) or wrong_script(pair.target, pair.target_lang):
            reason = "wrong script"
        else:
            source_tokens, target_tokens = count_source(pair.source), count_target(pair.target)
            key = (normalise_source(pair.source, pair.source_lang), _target_key(pair.target))
            if source_tokens > max_tokens or target_tokens > max_tokens:
                reason = "too long"
            elif not (1 / max_ratio <= target_tokens / max(1, source_tokens) <= max_ratio):
                reason = "length ratio"
            elif key[0] in held_sources or key[1] in held_targets:
                reason = "in a validation or test set"
            elif key in seen:
                reason = "duplicate"
            seen.add(key)
        if reason:
            removed[reason] += 1
        else:
            kept.append(pair)
    return Preparation(kept, read, removed)


def hold_out(pairs: Sequence[Segment], size: int, seed: int) -> tuple[list[Segment], list[Segment]]:
    """(training, held-out): ``size`` pairs drawn with ``seed`` (at most a tenth of the pairs, at least one when
    there are ten or more), the rest in their original order."""
    size = min(size, len(pairs) // 10)
    if size <= 0:
        return list(pairs), []
    chosen = set(random.Random(seed).sample(range(len(pairs)), size))
    return ([p for i, p in enumerate(pairs) if i not in chosen], [p for i, p in enumerate(pairs) if i in chosen])


def drop_overlap(preparation: Preparation, held: Sequence[Segment]) -> Preparation:
    """``preparation`` without the pairs whose source or target is in ``held`` (a held-out slice taken from the
    same data: a pair with the same source and another target must not stay in training)."""
    sources = {normalise_source(p.source, p.source_lang) for p in held}
    targets = {_target_key(p.target) for p in held if p.target}
    kept = [
        p
        for p in preparation.pairs
        if normalise_source(p.source, p.source_lang) not in sources and _target_key(p.target) not in targets
    ]
    removed = Counter(preparation.removed)
    removed["in a validation or test set"] += len(preparation.pairs) - len(kept)
    return Preparation(kept, preparation.read, removed)


def data_fingerprint(pairs: Iterable[Segment]) -> str:
    """A hash (16 hex digits) of the pairs, in order: two runs on the same prepared data share it."""
    digest = hashlib.sha256()
    for pair in pairs:
        digest.update(f"{pair.source_lang}\t{pair.target_lang}\t{pair.source}\t{pair.target}\n".encode("utf-8"))
    return digest.hexdigest()[:16]
