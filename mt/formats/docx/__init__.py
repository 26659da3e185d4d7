"""Word documents (.docx): every paragraph with text is one segment, across its runs; the rest of the package
is written back as it was read.

Read with zipfile and lxml (python-docx cannot reach footnotes, comments and text boxes): the main document
(body, tables, text boxes), headers, footers, footnotes, endnotes and comments, each paragraph with its
location ("document p 12": the 12th ``w:p`` of word/document.xml, counting every paragraph, nested ones too).
A text box that Word stores twice (``mc:AlternateContent``: a DrawingML choice and a VML fallback with the same
paragraphs) is translated once, and the fallback's paragraphs are written as copies of the choice's.

Writing changes only the paragraphs translated (mt.formats.docx.paragraph) and, for a target language, the
direction and language settings (mt.formats.docx.language); a part with no change keeps its bytes, every other
zip entry keeps its bytes, name, order, date and compression. With ``FormatOptions.review_comments`` each
paragraph of the main document that quality estimation flagged gets a Word comment naming the reason
(mt.formats.docx.comments), added to the comments part (created, with its relationship and content type, when
the document has none).
"""

from __future__ import annotations

import copy
import posixpath
from typing import Iterator, Sequence

from lxml import etree

from mt.formats.document import Document, DocumentFormat, FormatOptions, Segment, TranslatedSegment
from mt.formats.docx.comments import ReviewComments
from mt.formats.docx.language import LANGUAGE_TAGS, Localiser, east_asian_font
from mt.formats.docx.ooxml import mc, w
from mt.formats.docx.package import Package, read_package, serialise
from mt.formats.docx.paragraph import ParagraphModel, paragraph_text, read_paragraph, write_paragraph
from mt.results import review_note


def part_label(part: str) -> str:
    """A part's name in locations: "word/footnotes.xml" -> "footnotes"."""
    return posixpath.splitext(posixpath.basename(part))[0]


def _mirrored_text_boxes(root: etree._Element) -> list[tuple[etree._Element, etree._Element]]:
    """(choice, fallback) text box contents of every mc:AlternateContent whose fallback reads as its choice."""
    pairs: list[tuple[etree._Element, etree._Element]] = []
    for alternate in root.iter(mc("AlternateContent")):
        choice = alternate.find(mc("Choice"))
        if choice is None:
            continue
        chosen = list(choice.iter(w("txbxContent")))
        for fallback in alternate.findall(mc("Fallback")):
            others = list(fallback.iter(w("txbxContent")))
            if (
                chosen
                and len(others) == len(chosen)
                and all(
                    [paragraph_text(p) for p in a.iter(w("p"))] == [paragraph_text(p) for p in b.iter(w("p"))]
                    for a, b in zip(chosen, others)
                )
            ):
                pairs += zip(chosen, others)
    return pairs


def read_part(root: etree._Element, label: str) -> tuple[list[ParagraphModel], list]:
    """The paragraphs of a part with text to translate, and its mirrored text boxes."""
    mirrors = _mirrored_text_boxes(root)
    # the set holds the elements themselves: lxml keeps one proxy per node only while it is referenced
    mirrored = {p for _, fallback in mirrors for p in fallback.iter(w("p"))}
    models = []
    for number, paragraph in enumerate(root.iter(w("p")), 1):
        if paragraph in mirrored:
            continue
        model = read_paragraph(paragraph, f"{label} p {number}")
        if model is not None:
            models.append(model)
    return models, mirrors


class DocxDocument(Document):
    def __init__(self, package: Package) -> None:
        self.package = package
        self.segments: list[Segment] = []
        for part in package.text_parts:
            models, _ = read_part(package.xml(part), part_label(part))
            self.segments += [model.segment for model in models]

    def render(self, translations: Sequence[TranslatedSegment], options: FormatOptions) -> bytes:
        if len(translations) != len(self.segments):
            raise ValueError(f"{len(translations)} translations for {len(self.segments)} segments")
        package = self.package
        if translations and all(t.kept is not None for t in translations):
            return package.write({})  # nothing translated (no Arabic anywhere): every part as it was
        localiser = self._localiser(options.target)
        comments = ReviewComments(package) if options.review_comments else None
        replaced: dict[str, bytes] = {}
        remaining = iter(translations)
        for part in package.text_parts:
            data = self._render_part(part, remaining, localiser, comments if part == package.main else None)
            if data is not None:
                replaced[part] = data
        if localiser is not None and package.styles:
            root = package.xml(package.styles)
            before = etree.tostring(root)
            localiser.styles(root)
            if etree.tostring(root) != before:
                replaced[package.styles] = serialise(root, package.parts[package.styles])
        added: dict[str, bytes] = {}
        if comments is not None:
            changed, added = comments.parts(replaced)
            replaced.update(changed)
        return package.write(replaced, added)

    def _localiser(self, target: str | None) -> Localiser | None:
        """The language and direction settings of the target (None: no target, the settings stay)."""
        if target is None:
            return None
        if target not in LANGUAGE_TAGS:
            raise ValueError(f"no language settings for target {target!r}")
        package = self.package
        styles = package.xml(package.styles) if package.styles else None
        theme = package.xml(package.theme) if package.theme else None
        return Localiser(target, east_asian_font(styles, theme))

    def _render_part(
        self,
        part: str,
        remaining: Iterator[TranslatedSegment],
        localiser: Localiser | None,
        comments: ReviewComments | None,
    ) -> bytes | None:
        """One text part with its paragraphs' translations (taken from ``remaining`` in order) and, with
        ``comments``, a review comment on each flagged paragraph; None when the part does not change."""
        package = self.package
        root = package.xml(part)
        models, mirrors = read_part(root, part_label(part))
        changed = False
        kept_all = bool(models)
        for model in models:
            translation = next(remaining)
            if translation.segment.location != model.segment.location:
                raise ValueError(f"translation of {translation.segment.location} given for {model.segment.location}")
            kept_all = kept_all and translation.kept is not None
            if translation.kept is not None or (
                localiser is None
                and translation.text == model.segment.text
                and tuple(translation.tags) == model.segment.tags
            ):
                continue  # kept as it is (no Arabic), or unchanged
            write_paragraph(model, translation)
            changed = True
            if comments is not None:
                comments.add(model.element, review_note(translation.sentences))
        if changed:
            for choice, fallback in mirrors:
                for child in list(fallback):
                    fallback.remove(child)
                fallback.extend(copy.deepcopy(child) for child in choice)
        if localiser is not None and not kept_all:  # a part whose text all stays (no Arabic) stays as it was
            localiser.part(root)
            changed = True
        return serialise(root, package.parts[part]) if changed else None


class DocxFormat(DocumentFormat):
    """Word .docx (not .docm: macro-enabled documents are refused)."""

    name = "docx"
    extensions = (".docx",)

    def parse(self, data: bytes, name: str, options: FormatOptions) -> Document:
        package = read_package(data, name)
        for part in package.parts:  # every XML part is checked (no entities, well-formed) before any is used
            if part.endswith((".xml", ".rels")) and part not in package.text_parts:
                package.xml(part)
        return DocxDocument(package)
