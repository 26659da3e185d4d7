"""Language tags as files write them, reduced to Tarjama's languages: one rule for every reader and writer
(TMX, XLIFF, HTML, PO, the translation memory's imports, the term base's files).

A tag may be BCP 47 (``ar-SA``, ``zh-Hans-CN``), a POSIX locale (``AR_sa``, ``zh_CN``), ISO 639-2/3
(``ara``, ``arb``, ``eng``, ``zho``, ``chi``, ``cmn``) or FLORES-style (``arb_Arab``); case does not matter.
Its primary subtag decides the language; for Chinese, a Traditional script or region (``Hant``, ``TW``, ``HK``,
``MO``) makes it ``zh-Hant``, a language Tarjama does not produce, so that it never passes for Simplified.
"""

from __future__ import annotations

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

ALIASES = {"ara": "ar", "arb": "ar", "eng": "en", "zho": "zh", "chi": "zh", "cmn": "zh"}
TRADITIONAL_CHINESE = "zh-Hant"
_TRADITIONAL_SUBTAGS = frozenset({"hant", "tw", "hk", "mo"})


def language_of(tag: str | None) -> str:
    """Tarjama's code for a language tag: 'ar', 'ara', 'ar-SA', 'AR_sa' -> 'ar'; 'en', 'eng', 'en-US' -> 'en';
    'zh', 'zh-Hans', 'zh-CN', 'cmn', 'zho', 'chi' -> 'zh'; 'zh-TW', 'zh-Hant' -> 'zh-Hant'; any other tag its
    primary subtag, lower-cased; None or '' -> ''."""
    parts = (tag or "").strip().lower().replace("_", "-").split("-")
    primary = ALIASES.get(parts[0], parts[0])
    if primary == "zh" and _TRADITIONAL_SUBTAGS & set(parts[1:]):
        return TRADITIONAL_CHINESE
    return primary


def same_language(first: str | None, second: str | None) -> bool:
    """Whether two tags name the same language (``ar-SA`` and ``ara`` do; ``zh-TW`` and ``zh-CN`` do not)."""
    return language_of(first) == language_of(second)


def is_arabic(tag: str | None) -> bool:
    """Whether a tag names Arabic (the only source language Tarjama translates from)."""
    return language_of(tag) == "ar"
