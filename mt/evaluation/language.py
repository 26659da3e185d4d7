"""Which language a text is in, for evaluation: enough to pick the BLEU tokenizer and catch a wrong-language file.

The detector itself is :mod:`mt.text.script` (one for the whole project); this module names what evaluation
supports.
"""

from __future__ import annotations

from mt.text.script import ScriptProfile, char_script, detect_lang, language_name, profile, wrong_script

SUPPORTED = ("en", "zh")

__all__ = ["SUPPORTED", "ScriptProfile", "char_script", "detect_lang", "language_name", "profile", "wrong_script"]
