"""Build a real Arabic Word document for the DOCX format tests: python-docx for what it can make (runs, table,
header, footer, image, comment), lxml for what it cannot (hyperlink, bookmark, fields, text box, footnote,
endnote, right-to-left settings). The text is the seed article's (seeds/article.ar.txt), cut at clause ends.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.shared import Pt, RGBColor
from lxml import etree

from tests.conftest import SEEDS

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
DECLARATIONS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NS.items())

ARTICLE = (SEEDS / "article.ar.txt").read_text(encoding="utf-8").splitlines()
# pieces of the seed's first paragraph, each formatted differently mid-sentence
BOLD = "التجارة الالكترونية"
ITALIC = "علي بابا"
UNDERLINED = "وجينغدونغ"
COLOURED = "وسونينغ"
LINKED = "علي اكسبريس"
FIELD_RESULT = "مهرجان الشراء"
BOOKMARKED = "هانغتشو"
TEXT_BOX = "قال وانغ جيان، البروفسور في جامعة الأعمال والاقتصاد الدوليين ببكين"
FOOTNOTE = "منتدى بوآو الآسيوي انعقد في مارس الماضي."
ENDNOTE = "دعا ما يون لإنشاء منصة تجارة الكترونية عالمية."
COMMENT = "الاسم الرسمي هو علي بابا."
HEADER = "التجارة الالكترونية في الصين"
FOOTER = "صفحة"
CELLS = [["علي بابا", "هانغتشو"], ["جينغدونغ", "بكين"]]


def png(width: int = 4, height: int = 3) -> bytes:
    """A small valid PNG (red pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _xml(fragment: str) -> etree._Element:
    """One element from a fragment written with the w:, mc:, wp:, a:, wps:, v:, r: prefixes."""
    wrapped = etree.fromstring(f"<root {DECLARATIONS}>{fragment}</root>")
    return wrapped[0]


def _rtl_paragraph(paragraph) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.append(_xml("<w:bidi/>"))


def _rtl_run(run) -> None:
    rpr = run._r.get_or_add_rPr()
    for fragment in ("<w:rtl/>", '<w:lang w:bidi="ar-SA"/>'):
        rpr.append(_xml(fragment))


def _run(text: str, rpr: str = "") -> str:
    return f'<w:r><w:rPr>{rpr}<w:rtl/></w:rPr><w:t xml:space="preserve">{text}</w:t></w:r>'


def _text_box(text: str) -> etree._Element:
    paragraph = f"<w:p><w:pPr><w:bidi/></w:pPr>{_run(text)}</w:p>"
    return _xml(f"""<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>
<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="251659264" behindDoc="0"
 locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>
<wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>
<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>
<wp:extent cx="2360930" cy="1404620"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapSquare wrapText="bothSides"/>
<wp:docPr id="20" name="Text Box 20"/><wp:cNvGraphicFramePr/>
<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2360930" cy="1404620"/></a:xfrm>
<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr>
<wps:txbx><w:txbxContent>{paragraph}</w:txbxContent></wps:txbx><wps:bodyPr/></wps:wsp>
</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>
<mc:Fallback><w:pict><v:shape id="Text Box 20" type="#_x0000_t202" style="width:185.9pt;height:110.6pt">
<v:textbox><w:txbxContent>{paragraph}</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>
</mc:AlternateContent></w:r>""")


def _notes(kind: str, text: str) -> bytes:
    """word/footnotes.xml or endnotes.xml: Word's two separators and note 1."""
    tag = kind[:-1]
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<w:{kind} {DECLARATIONS}>'
        f'<w:{tag} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{tag}>'
        f'<w:{tag} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p>'
        f'</w:{tag}><w:{tag} w:id="1"><w:p><w:pPr><w:bidi/></w:pPr><w:r><w:rPr><w:vertAlign w:val="superscript"/>'
        f"</w:rPr><w:{tag}Ref/></w:r>{_run(' ' + text)}</w:p></w:{tag}></w:{kind}>"
    ).encode()


def _add_notes(document, kind: str, text: str) -> None:
    content_type = f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml"
    part = Part(PackURI(f"/word/{kind}.xml"), content_type, _notes(kind, text), document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES if kind == "footnotes" else RT.ENDNOTES)


def _rtl_styles(document) -> None:
    """The Normal style and the defaults say Arabic, right to left, as an Arabic Word install writes them."""
    styles = document.styles.element
    normal = document.styles["Normal"].element
    normal.append(_xml("<w:pPr><w:bidi/></w:pPr>"))
    normal.append(_xml('<w:rPr><w:rtl/><w:lang w:val="ar-SA" w:bidi="ar-SA"/></w:rPr>'))
    defaults = styles.find(f"{{{W}}}docDefaults/{{{W}}}rPrDefault/{{{W}}}rPr")
    lang = defaults.find(f"{{{W}}}lang")
    lang.set(f"{{{W}}}val", "ar-SA")
    lang.set(f"{{{W}}}bidi", "ar-SA")


def build(path: Path) -> Path:
    """The test document; returns ``path``."""
    document = docx.Document()
    _rtl_styles(document)

    # 1. runs formatted mid-sentence, a hyperlink, a bookmark, a complex field, footnote and endnote references
    first = document.add_paragraph()
    _rtl_paragraph(first)
    p = first._p
    p.append(_xml('<w:bookmarkStart w:id="0" w:name="dateline"/>'))
    p.append(_xml(_run(BOOKMARKED)))
    p.append(_xml('<w:bookmarkEnd w:id="0"/>'))
    p.append(_xml(_run(" 17 نوفمبر 2016 / في ")))
    p.append(_xml('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'))
    p.append(_xml('<w:r><w:instrText xml:space="preserve"> REF dateline \\h </w:instrText></w:r>'))
    p.append(_xml('<w:r><w:fldChar w:fldCharType="separate"/></w:r>'))
    p.append(_xml(_run(FIELD_RESULT)))
    p.append(_xml('<w:r><w:fldChar w:fldCharType="end"/></w:r>'))
    p.append(_xml(_run(" على الانترنت، شهد عمالقة ")))
    for fragment in (
        "<w:r><w:rPr><w:b/><w:bCs/><w:rtl/></w:rPr><w:t>" + BOLD.split()[0] + " </w:t></w:r>",
        # Word splits runs for spell-check: same formatting, different rsid and language
        '<w:r w:rsidR="00AB12CD"><w:rPr><w:b/><w:bCs/><w:rtl/><w:lang w:bidi="ar-EG"/></w:rPr>'
        "<w:t>" + BOLD.split()[1] + "</w:t></w:r>",
    ):
        p.append(_xml(fragment))
    p.append(_xml(_run(" مثل ")))
    p.append(_xml(_run(ITALIC, "<w:i/><w:iCs/>")))
    p.append(_xml(_run(" ")))
    p.append(_xml(_run(UNDERLINED, '<w:u w:val="single"/>')))
    p.append(_xml(_run(" ")))
    p.append(_xml(_run(COLOURED, '<w:color w:val="C00000"/>')))
    p.append(_xml(_run("، بينما سجلت شبكة ")))
    link = document.part.relate_to("https://www.aliexpress.com/", RT.HYPERLINK, is_external=True)
    linked = _run(LINKED, '<w:rStyle w:val="Hyperlink"/>')
    p.append(_xml(f'<w:hyperlink r:id="{link}" w:history="1">{linked}</w:hyperlink>'))
    p.append(_xml(_run(" رقما قياسيا")))
    p.append(_xml('<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteReference w:id="1"/></w:r>'))
    p.append(_xml(_run(" في نفس اليوم.")))
    p.append(_xml('<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:endnoteReference w:id="1"/></w:r>'))

    # 2. a line break inside a paragraph, and a text box (DrawingML with its VML fallback)
    second = document.add_paragraph()
    _rtl_paragraph(second)
    run = second.add_run(ARTICLE[1].split("؛")[0])
    _rtl_run(run)
    run.add_break()
    run = second.add_run("وبهذا الخصوص")
    _rtl_run(run)
    second._p.append(_text_box(TEXT_BOX))

    # 3. a table
    table = document.add_table(rows=2, cols=2)
    table._tbl.tblPr.insert(1, _xml("<w:bidiVisual/>"))  # after w:tblStyle, in schema order
    for row, texts in zip(table.rows, CELLS):
        for cell, text in zip(row.cells, texts):
            cell.paragraphs[0].text = text
            _rtl_paragraph(cell.paragraphs[0])

    # 4. an image, then a commented paragraph in the seed's third paragraph's words
    document.add_picture(io.BytesIO(png()))
    commented = document.add_paragraph()
    _rtl_paragraph(commented)
    run = commented.add_run(ARTICLE[2].split("،")[0])
    run.font.size = Pt(14)
    _rtl_run(run)
    document.add_comment(run, text=COMMENT, author="Reviewer", initials="R")

    # 5. header and footer (with a page number field)
    section = document.sections[0]
    section._sectPr.find(f"{{{W}}}docGrid").addprevious(_xml("<w:bidi/>"))
    header = section.header.paragraphs[0]
    header.text = HEADER
    _rtl_paragraph(header)
    footer = section.footer.paragraphs[0]
    footer_run = footer.add_run(FOOTER + " ")
    footer_run.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
    footer._p.append(_xml('<w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    _rtl_paragraph(footer)

    _add_notes(document, "footnotes", FOOTNOTE)
    _add_notes(document, "endnotes", ENDNOTE)
    document.save(str(path))
    return path
