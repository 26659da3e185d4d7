"""Right-to-left Arabic settings made left-to-right, and the language set, for an English or Chinese translation.

In a translated part (document, headers, footers, notes, comments):
- paragraphs: ``w:bidi`` removed from ``w:pPr`` (``w:jc`` is kept: Word reads it relative to the direction, so
  "start" stays "start"); tables: ``w:bidiVisual`` removed; sections: ``w:bidi`` and ``w:rtlGutter`` removed;
- runs: ``w:rtl`` and ``w:cs`` removed; complex-script formatting moved to what Latin and Chinese text uses
  (``w:bCs`` -> ``w:b``, ``w:iCs`` -> ``w:i``, ``w:szCs`` -> ``w:sz`` where those are not set, then removed);
  ``w:rFonts w:hint="cs"`` dropped; ``w:lang w:val`` set to en-US or zh-CN on every run with text, and
  ``w:lang w:bidi`` (the language of complex-script text, of which none is left) removed; for Chinese also
  ``w:lang w:eastAsia="zh-CN"``, ``w:rFonts w:eastAsia`` (the font the styles' defaults or the theme name for
  Simplified Chinese, else SimSun; not where the run takes it from the theme) and ``w:hint="eastAsia"``.
In styles.xml (defaults and every style): the same paragraph, table and run changes, except that ``w:lang`` is
changed only where its ``w:val`` is Arabic, and the default run properties get the Chinese font and language.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from mt.formats.docx.ooxml import A_NS, ensure_rpr, rpr_child, w

LANGUAGE_TAGS = {"en": "en-US", "zh": "zh-CN"}
DEFAULT_EAST_ASIAN_FONT = "SimSun"
_COMPLEX_SCRIPT = (("bCs", "b"), ("iCs", "i"), ("szCs", "sz"))


def east_asian_font(styles: etree._Element | None, theme: etree._Element | None) -> str:
    """The document's own font for Chinese: the default run fonts' eastAsia, else the theme's minor East Asian
    or Simplified Chinese (script Hans) font, else SimSun."""
    if styles is not None:
        fonts = styles.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}/{w('rFonts')}")
        if fonts is not None and (east_asia := fonts.get(w("eastAsia"))):
            return east_asia
    if theme is not None:
        minor = theme.find(f".//{{{A_NS}}}minorFont")
        if minor is not None:
            ea = minor.find(f"{{{A_NS}}}ea")
            if ea is not None and (typeface := ea.get("typeface")):
                return typeface
            for font in minor.iter(f"{{{A_NS}}}font"):
                if font.get("script") == "Hans" and (typeface := font.get("typeface")):
                    return typeface
    return DEFAULT_EAST_ASIAN_FONT


def _remove(parent: etree._Element | None, *names: str) -> None:
    if parent is None:
        return
    for name in names:
        for child in parent.findall(w(name)):
            parent.remove(child)


@dataclass(frozen=True)
class Localiser:
    target: str  # "en" or "zh"
    font: str = DEFAULT_EAST_ASIAN_FONT

    @property
    def chinese(self) -> bool:
        return self.target == "zh"

    def rpr(self, rpr: etree._Element, *, text: bool, only_arabic: bool = False) -> None:
        """Fix run properties; ``text``: the run has text in the target language (its language is set)."""
        for complex_name, plain_name in _COMPLEX_SCRIPT:
            complex_element = rpr.find(w(complex_name))
            if complex_element is None:
                continue
            if rpr.find(w(plain_name)) is None:
                plain = rpr_child(rpr, plain_name)
                for name, value in complex_element.attrib.items():
                    plain.set(name, value)
            rpr.remove(complex_element)
        _remove(rpr, "rtl", "cs")
        fonts = rpr.find(w("rFonts"))
        if fonts is not None and fonts.get(w("hint")) == "cs":
            del fonts.attrib[w("hint")]
        lang = rpr.find(w("lang"))
        if lang is not None and not only_arabic:
            lang.attrib.pop(w("bidi"), None)  # the language of complex-script text: there is none left
        if only_arabic:
            if lang is not None and (lang.get(w("val")) or "").lower().startswith("ar"):
                lang.set(w("val"), LANGUAGE_TAGS[self.target])
        elif text:
            lang = rpr_child(rpr, "lang")
            lang.set(w("val"), LANGUAGE_TAGS[self.target])
        if self.chinese and text:
            lang = rpr_child(rpr, "lang")
            lang.set(w("eastAsia"), "zh-CN")
            fonts = rpr_child(rpr, "rFonts")
            if fonts.get(w("eastAsia")) is None and fonts.get(w("eastAsiaTheme")) is None:
                fonts.set(w("eastAsia"), self.font)
            fonts.set(w("hint"), "eastAsia")

    def layout(self, root: etree._Element) -> None:
        """Paragraph, table and section direction in a part or in styles.xml."""
        for ppr in root.iter(w("pPr")):
            _remove(ppr, "bidi")
        for tblpr in root.iter(w("tblPr")):
            _remove(tblpr, "bidiVisual")
        for sectpr in root.iter(w("sectPr")):
            _remove(sectpr, "bidi", "rtlGutter")

    def part(self, root: etree._Element) -> None:
        """A translated part: layout, and every run (with text: its language too)."""
        self.layout(root)
        for run in root.iter(w("r")):
            has_text = run.find(w("t")) is not None
            rpr = run.find(w("rPr"))
            if has_text or rpr is not None:
                self.rpr(ensure_rpr(run), text=has_text)
        for ppr in root.iter(w("pPr")):
            mark = ppr.find(w("rPr"))
            if mark is not None:
                self.rpr(mark, text=False)

    def styles(self, root: etree._Element) -> None:
        """styles.xml: layout, every style's run properties, and the default language and Chinese font."""
        self.layout(root)
        for rpr in root.iter(w("rPr")):
            self.rpr(rpr, text=False, only_arabic=True)
        if self.chinese:
            defaults = root.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}")
            if defaults is not None:
                self.rpr(defaults, text=True, only_arabic=True)
