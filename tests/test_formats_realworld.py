"""Real files from other projects' test suites (tests/data/realworld, SOURCES.md there: repository, path, commit,
licence), their source text rewritten into Arabic with markup kept (arabize.py), translated with the tiny models
and checked with an independent reader (lxml, the OASIS XLIFF schemas): segment marks found and filled at any
depth (Trados SDLXLIFF, matecat), wrappers and untouched parts kept, every paired tag wrapping text with its
nesting, new targets tagged with the target language, and English files left as they are ("no Arabic")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from mt.formats.document import FormatOptions
from mt.pipeline import Translator

HERE = Path(__file__).parent / "data"
REAL = HERE / "realworld"
XLIFF_12 = "urn:oasis:names:tc:xliff:document:1.2"
XLIFF_2 = "urn:oasis:names:tc:xliff:document:2.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ARABIC = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture(scope="module")
def translator(tiny_ar_en, tiny_en_zh):
    """The tiny models with short decoding (random weights run to the limit; structure is what is checked)."""
    with Translator(
        {"ar-en": str(tiny_ar_en), "en-zh": str(tiny_en_zh)}, max_length_ratio=0.5, max_length_extra=4
    ) as found:
        yield found


def translate(translator, path: Path, tmp_path: Path, to: str = "en", **options):
    out = tmp_path / f"{path.stem}.{to}{path.suffix}"
    done = translator.translate_file(path, to=to, out=out, input_format="xliff", options=FormatOptions(**options))
    return done, out.read_bytes()


def local(element) -> str | None:
    return etree.QName(element).localname if isinstance(element.tag, str) else None


def seg_marks(element) -> dict[str, etree._Element]:
    return {m.get("mid"): m for m in element.iter(f"{{{XLIFF_12}}}mrk") if m.get("mtype") == "seg"}


def shape(element) -> list[tuple[str, str | None]]:
    """The element names and ids of a subtree, seg marks' content left out: the layout a target mirrors."""
    out = []
    for node in element.iter():
        if isinstance(node.tag, str) and node is not element:
            parent = node.getparent()
            if not any(local(a) == "mrk" and a.get("mtype") == "seg" for a in [parent, *parent.iterancestors()]):
                out.append((local(node), node.get("id") or node.get("mid")))
    return out


def test_trados_sdlxliff_marks_inside_g_are_filled_with_wrappers_kept(translator, tmp_path):
    path = REAL / "matecat-xliff-parser" / "piazza.sdlxliff"
    done, out = translate(translator, path, tmp_path)
    assert [t.segment.location for t in done.translations] == [
        f"unit aee647b1-0f14-4091-aada-813488be9fb7 segment {mid}" for mid in "12345"
    ]
    root = etree.fromstring(out)
    unit = root.find(f".//{{{XLIFF_12}}}trans-unit")
    source, target = unit.find(f"{{{XLIFF_12}}}seg-source"), unit.find(f"{{{XLIFF_12}}}target")
    assert shape(target) == shape(source)  # g id=2 > marks 1-4, g id=5 > mark 5: the wrappers kept
    for mid, mark in seg_marks(target).items():
        assert "".join(mark.itertext()).strip() and not ARABIC.search("".join(mark.itertext())), mid
    assert target.get("state") == "needs-review-translation"
    # everything outside the target is the input's own
    before = etree.fromstring(path.read_bytes())
    old = before.find(f".//{{{XLIFF_12}}}trans-unit/{{{XLIFF_12}}}target")
    old.getparent().remove(old)
    unit.remove(target)
    assert etree.tostring(root) == etree.tostring(before)


def test_matecat_g_wrapped_marks_are_overwritten_inside_their_g(translator, tmp_path):
    path = REAL / "matecat-xliff-parser" / "file-with-notes-and-no-target-seg-source-with-external-g-tag.xliff"
    _, out = translate(translator, path, tmp_path, overwrite_targets=True)
    root = etree.fromstring(out)
    units = {u.get("id"): u for u in root.iter(f"{{{XLIFF_12}}}trans-unit")}
    first = units["251971551065"]
    target = first.find(f"{{{XLIFF_12}}}target")
    assert shape(target) == shape(first.find(f"{{{XLIFF_12}}}seg-source"))  # the g around the mark kept
    assert not ARABIC.search("".join(target.itertext())) and target.get(XML_LANG) == "en"
    assert target.find(f"{{{XLIFF_12}}}g/{{{XLIFF_12}}}mrk").get("mid") == "0"  # the mark, still inside its g
    marks = seg_marks(units["251971551068"].find(f"{{{XLIFF_12}}}target"))
    assert list(marks) == ["0", "1", "2"] and all("".join(m.itertext()).strip() for m in marks.values())


def test_overwritten_targets_take_the_target_language(translator, tmp_path):
    path = REAL / "matecat-xliff-parser" / "empty-mrk.xliff"
    _, out = translate(translator, path, tmp_path, to="zh", overwrite_targets=True)
    root = etree.fromstring(out)
    assert root.find(f"{{{XLIFF_12}}}file").get("target-language") == "zh"
    targets = list(root.iter(f"{{{XLIFF_12}}}target"))
    assert targets and all(t.get(XML_LANG) == "zh" for t in targets)
    v2 = REAL / "locize-xliff" / "example_generic-span.xliff"
    _, out = translate(translator, v2, tmp_path, overwrite_targets=True)
    root = etree.fromstring(out)
    assert root.get("trgLang") == "en"  # (the input is not schema-valid: locize writes ctype on pc)
    for target in root.iter(f"{{{XLIFF_2}}}target"):
        assert not ARABIC.search("".join(target.itertext()))
        for pc in target.iter(f"{{{XLIFF_2}}}pc"):
            assert "".join(pc.itertext()).strip()  # a paired code wraps text


def test_locize_12_inline_codes_wrap_text_and_the_output_is_valid(translator, tmp_path):
    schema = etree.XMLSchema(etree.parse(str(HERE / "xliff" / "xliff-core-1.2-strict.xsd")))
    for name in ("example_generic-span12.xliff", "example_native-span-start-end12.xliff"):
        _, out = translate(translator, REAL / "locize-xliff" / name, tmp_path, overwrite_targets=True)
        root = etree.fromstring(out)
        assert schema.validate(root.getroottree()), schema.error_log
        _check_12_targets(root)


def _check_12_targets(root) -> None:
    for target in root.iter(f"{{{XLIFF_12}}}target"):
        assert not ARABIC.search("".join(target.itertext()))
        for g in target.iter(f"{{{XLIFF_12}}}g"):
            assert "".join(g.itertext()).strip()
        children = [local(c) for c in target]
        if "bpt" in children:  # a bpt/ept pair holds words between them
            start, end = children.index("bpt"), children.index("ept")
            between = (target[start].tail or "") + "".join(
                "".join(c.itertext()) + (c.tail or "") for c in target[start + 1 : end]
            )
            assert between.strip()


@pytest.mark.parametrize(
    "path",
    [REAL / "matecat-xliff-parser" / "no-target.xliff", REAL / "locize-xliff" / "example12.xliff"],
    ids=["matecat", "locize"],
)
def test_an_english_xliff_is_read_and_left_as_it_is(translator, tmp_path, path):
    done, out = translate(translator, path, tmp_path, overwrite_targets=True)
    assert done.translations and all(t.kept == "no Arabic" for t in done.translations)
    assert out == path.read_bytes()


# -- DOCX (python-docx's own test files), read back with python-docx ------------------------------------------------


def _docx(translator, path: Path, tmp_path: Path, to: str = "en"):
    out = tmp_path / f"{path.stem}.{to}.docx"
    done = translator.translate_file(path, to=to, out=out)
    return done, out


@pytest.mark.parametrize("to", ["en", "zh"])
def test_docx_hyperlinks_keep_their_runs_and_text(translator, tmp_path, to):
    for name in ("par-hyperlinks.docx", "par-hlink-frags.docx"):
        path = REAL / "python-docx" / name
        _, out = _docx(translator, path, tmp_path, to)
        _check_links(path, out)


def _check_links(path: Path, out: Path) -> None:
    import docx

    before, after = docx.Document(str(path)), docx.Document(str(out))
    assert len(after.paragraphs) == len(before.paragraphs)
    for old, new in zip(before.paragraphs, after.paragraphs):
        assert len(new.hyperlinks) == len(old.hyperlinks)
        # the same links (a translation may reorder them: they follow their words)
        assert sorted((h.address, h.fragment) for h in new.hyperlinks) == sorted(
            (h.address, h.fragment) for h in old.hyperlinks
        )
        for link in new.hyperlinks:  # a link keeps a run with text: it never comes back empty
            assert link.runs and link.text.strip(), new.text
        assert not ARABIC.search(new.text)


def test_an_english_docx_comes_back_part_for_part(translator, tmp_path):
    import zipfile

    path = REAL / "python-docx" / "comments-rich-para.docx"
    done, out = _docx(translator, path, tmp_path)
    assert done.translations and all(t.kept == "no Arabic" for t in done.translations)
    with zipfile.ZipFile(path) as before, zipfile.ZipFile(out) as after:
        assert before.namelist() == after.namelist()
        assert all(before.read(name) == after.read(name) for name in before.namelist())
