"""Read plain-text input: the one line reader lives in :mod:`mt.text.lines`; these names stay for its importers."""

from __future__ import annotations

from mt.text.lines import BLOCK, BOM, LineRules, TextInfo, TextInput, check_path, read_lines, validate

__all__ = ["BLOCK", "BOM", "LineRules", "TextInfo", "TextInput", "check_path", "read_lines", "validate"]
