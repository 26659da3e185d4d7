"""What the translation exchange formats (TMX, XLIFF) are made of, in one place: their namespaces and their
inline codes. The document formats (mt.formats.tmx, mt.formats.xliff) and the translation memory's imports
(mt.memory.formats) read the same files, so they share these sets.

An inline code stands for native markup (a bold run, a placeholder) inside a segment: its content, if any, is
the native code, not text to translate.
"""

from __future__ import annotations

XLIFF_12 = "urn:oasis:names:tc:xliff:document:1.2"
XLIFF_2 = "urn:oasis:names:tc:xliff:document:2.0"

#: TMX 1.4 inline codes whose content is native code (``hi`` wraps text and is not one)
TMX_CODES = frozenset({"bpt", "ept", "it", "ph", "ut"})
#: XLIFF 1.2 inline codes that are a point or carry native code (``g`` and ``mrk`` wrap text)
XLIFF_12_CODES = frozenset({"x", "bx", "ex", "ph", "it", "bpt", "ept"})
#: XLIFF 2.x inline codes that carry native code or stand for it (``pc`` and ``mrk`` wrap text; ``cp`` is a
#: character; ``sm``/``em`` mark annotations)
XLIFF_2_CODES = frozenset({"ph", "sc", "ec"})
#: elements inside a segment that hold text of another segment or the original data, never the segment's own
SUB_FLOWS = frozenset({"sub", "originalData"})
