"""The document core (#11): tag placement as a pure function, Translator.translate_segments with the tiny models
(both backends, the pivot), glossary terms across inline tags, translate_file, the CLI's document path and
--report."""

from __future__ import annotations

import re

import pytest

from mt.decoding.markup import nested_properly, place_tags
from mt.formats.document import FormatOptions, Segment, Tag
from mt.glossary import Glossary
from mt.pipeline import Translator
from tests.conftest import DATA, REPO

FAST = {"max_length_ratio": 0.5, "max_length_extra": 4}
GLOSSARY = REPO / "glossaries" / "ecommerce.tsv"
FLORES = (DATA / "flores200" / "flores200.dev.arb_Arab").read_text(encoding="utf-8").splitlines()
ARABIC = re.compile("[\u0600-\u06ff]")


def words(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]


# -- placement on given links -----------------------------------------------------------------------------------
SRC = "aa bb cc dd"  # words 0..3
TGT = "WW XX YY ZZ"  # words 0..3


def place(tags, links, source=SRC, target=TGT):
    return place_tags(tags, len(source), len(target), words(source), words(target), links)


def test_paired_tag_follows_its_words_and_monotone_links():
    result = place([Tag("b", 3, 5)], {(0, 0), (1, 1), (2, 2), (3, 3)})
    assert result.tags == (Tag("b", 3, 5),) and result.displaced == ()
    assert TGT[3:5] == "XX"


def test_crossing_links_move_the_tag_and_keep_siblings_apart():
    # aa->ZZ, bb->YY, cc->XX, dd->WW (reversed order); <b>aa bb</b> <i>cc dd</i>
    links = {(0, 3), (1, 2), (2, 1), (3, 0)}
    result = place([Tag("b", 0, 5), Tag("i", 6, 11)], links)
    b, i = result.tags
    assert TGT[b.start : b.end] == "YY ZZ" and TGT[i.start : i.end] == "WW XX"
    assert nested_properly(result.tags) and result.displaced == ()


def test_child_stays_inside_its_parent_when_its_words_went_elsewhere():
    # <a>aa <b>bb</b></a> cc dd; a's words go to WW XX, b's word (bb) to ZZ: b is clipped into a
    links = {(0, 0), (1, 3), (1, 1), (2, 2), (3, 3)}
    result = place([Tag("a", 0, 5), Tag("b", 3, 5)], links)
    a, b = result.tags
    assert (a.start, a.end) == (0, 11)  # aa bb -> WW..ZZ (min..max of the linked words)
    assert a.start <= b.start <= b.end <= a.end and nested_properly(result.tags)
    crossing = place([Tag("a", 0, 5), Tag("b", 3, 5)], {(0, 0), (1, 3), (2, 1), (3, 2)})
    a, b = crossing.tags
    assert a.start <= b.start < b.end <= a.end and nested_properly(crossing.tags)


def test_overlapping_siblings_are_trimmed_not_crossed():
    # <b>aa</b> <i>bb</i>: both aligned to XX YY (overlapping); the second keeps what the first left
    links = {(0, 1), (0, 2), (1, 2), (1, 3)}
    result = place([Tag("b", 0, 2), Tag("i", 3, 5)], links)
    b, i = result.tags
    assert TGT[b.start : b.end] == "XX YY" and TGT[i.start : i.end] == "ZZ"
    assert nested_properly(result.tags) and result.displaced == ()


def test_unaligned_tag_still_wraps_words_near_its_place_and_is_displaced():
    result = place([Tag("b", 6, 8), Tag("x", 9, 9, paired=False)], {(0, 0), (1, 1)})
    b, x = result.tags
    assert TGT[b.start : b.end] == "YY"  # as many words as it had (cc), where cc stood in proportion
    assert x.start in (0, 2, 3, 5, 6, 8, 9, 11)  # a point: at a word boundary
    assert set(result.displaced) == {"b", "x"}
    two = place([Tag("b", 3, 8)], set())  # <b>bb cc</b>, nothing linked: two words
    assert TGT[two.tags[0].start : two.tags[0].end] == "XX YY" and two.displaced == ("b",)


def test_a_paired_tag_whose_words_went_to_a_sibling_wraps_the_free_words_or_its_parent():
    # <a><b>aa</b> <i>bb</i></a> cc dd: aa and bb both linked to WW only; i gets the free word beside b
    result = place([Tag("a", 0, 5), Tag("b", 0, 2), Tag("i", 3, 5)], {(0, 0), (1, 0), (2, 2), (3, 3)})
    a, b, i = result.tags
    assert (a.start, a.end) == (0, 2) and (b.start, b.end) == (0, 2)  # a: WW (linked), b: WW
    assert i.end > i.start and a.start <= i.start and i.end <= a.end  # i wraps WW too: a's whole content
    assert nested_properly(result.tags) and result.displaced == ("i",)
    # <b><i>aa</i></b> with nothing linked: both wrap words, i inside b (nesting kept, no empty pair)
    nested = place([Tag("b", 0, 2), Tag("i", 0, 2)], set())
    b, i = nested.tags
    assert b.end > b.start and b.start <= i.start < i.end <= b.end


def test_a_displaced_tag_takes_a_word_from_a_sibling_instead_of_wrapping_its_siblings():
    # <a>aa</a> <b>bb cc</b> <c>dd</c>: a -> WW, b -> XX..ZZ (every word taken), c unlinked: c gets b's last word
    # (nearest to where dd stood), b shrinks; the three stay disjoint as in the source (a DOCX hyperlink or an
    # XLIFF <g> cannot take its siblings inside it)
    result = place([Tag("a", 0, 2), Tag("b", 3, 8), Tag("c", 9, 11)], {(0, 0), (1, 1), (2, 3)})
    a, b, c = result.tags
    assert TGT[a.start : a.end] == "WW" and TGT[b.start : b.end] == "XX YY" and TGT[c.start : c.end] == "ZZ"
    assert result.displaced == ("c",)
    # a sibling's own tag keeps its word: <b>aa <i>bb</i></b> <c>cc</c>, b -> all words, i -> ZZ: c takes WW
    kept = place([Tag("b", 0, 5), Tag("i", 3, 5), Tag("c", 6, 8)], {(0, 0), (1, 3), (0, 3)})
    b, i, c = kept.tags
    assert TGT[i.start : i.end] == "ZZ" and TGT[c.start : c.end] == "WW" and TGT[b.start : b.end] == "XX YY ZZ"
    assert nested_properly(kept.tags) and kept.displaced == ("c",)


def test_points_at_segment_start_and_end_need_no_alignment():
    result = place([Tag("s", 0, 0, paired=False), Tag("e", len(SRC), len(SRC), paired=False)], set())
    assert result.tags == (Tag("s", 0, 0, False), Tag("e", len(TGT), len(TGT), False))
    assert result.displaced == ()


def test_point_goes_before_the_word_that_followed_it():
    result = place([Tag("x", 6, 6, paired=False)], {(0, 0), (1, 1), (2, 3), (3, 2)})
    assert result.tags[0].start == 9  # before ZZ, the translation of cc
    before = place([Tag("x", 6, 6, paired=False)], {(1, 1)})  # cc not linked: after bb's word
    assert before.tags[0].start == 5 and before.displaced == ()


def test_a_point_between_words_stays_between_words_of_its_parent():
    # aa | bb cc dd: bb unlinked, aa linked to the last word: the point is not left at the end
    result = place([Tag("x", 2, 2, paired=False)], {(0, 3), (2, 1), (3, 2)})
    assert 0 < result.tags[0].start < len(TGT) and result.tags[0].start in (2, 3, 5, 6, 8, 9)
    # <a>bb | cc</a>: cc linked to a's first target word: the point stays between a's two words
    result = place([Tag("a", 3, 8), Tag("x", 5, 5, paired=False)], {(0, 0), (1, 2), (2, 1), (3, 3)})
    a, x = result.tags
    assert (a.start, a.end) == (3, 8) and a.start < x.start < a.end


def test_empty_paired_tag_is_placed_like_a_point_and_whole_text_tag_covers_all():
    result = place([Tag("all", 0, len(SRC)), Tag("empty", 3, 3)], set())
    whole, empty = result.tags
    assert (whole.start, whole.end) == (0, len(TGT))
    assert empty.start == empty.end and 0 <= empty.start <= len(TGT)
    assert result.displaced == ("empty",)  # its neighbours have no links


def test_tag_over_part_of_a_word_takes_the_whole_aligned_word():
    result = place([Tag("b", 4, 5)], {(1, 2)})  # <b>b</b> inside "bb"
    assert TGT[result.tags[0].start : result.tags[0].end] == "YY"


def test_deep_nesting_with_random_links_always_nests():
    import random

    rng = random.Random(7)
    source = " ".join(f"w{k}" for k in range(12))
    target = " ".join(f"T{k}" for k in range(15))
    tags = [
        Tag("p", 0, 20),
        Tag("q", 3, 14),
        Tag("r", 6, 8),
        Tag("s", 9, 14),
        Tag("x", 12, 12, False),
        Tag("t", 21, len(source)),
    ]
    for _ in range(200):
        links = {(rng.randrange(12), rng.randrange(15)) for _ in range(rng.randrange(0, 20))}
        result = place(tags, links, source, target)
        assert nested_properly(result.tags)
        by_id = {t.id: t for t in result.tags}
        for parent, child in (("p", "q"), ("q", "r"), ("q", "s"), ("s", "x")):
            assert by_id[parent].start <= by_id[child].start <= by_id[child].end <= by_id[parent].end
        assert all(0 <= t.start <= t.end <= len(target) for t in result.tags)


# -- translate_segments with the tiny models ---------------------------------------------------------------------
def _segments(lines: tuple[int, int, int] = (0, 1, 2)) -> list[Segment]:
    first, second, third = (FLORES[k] for k in lines)
    bold_end = first.index(" ", 10)
    return [
        Segment("p 1", first, (Tag("b", 0, bold_end), Tag("x", bold_end, bold_end, paired=False))),
        Segment("p 2", second),  # no tags
        Segment("cue 3-4", f"{second}\n{third}", (Tag("i", len(second) + 1, len(second) + 1 + 20),)),
        Segment("p 5", "٢٠٢٣ - ١٥"),  # no letters: copied
    ]


@pytest.fixture(scope="module")
def hf_translator(tiny_ar_en, tiny_en_zh):
    return Translator({"ar-en": str(tiny_ar_en), "en-zh": str(tiny_en_zh)}, **FAST)


@pytest.fixture(scope="module")
def ct2_translator(tiny_ar_en, tiny_en_zh, tmp_path_factory):
    from mt.models.convert import convert

    root = tmp_path_factory.mktemp("ct2-docs")
    return Translator(
        {
            "ar-en": str(convert(str(tiny_ar_en), root / "ar-en", quantization="float32")),
            "en-zh": str(convert(str(tiny_en_zh), root / "en-zh", quantization="float32")),
        },
        **FAST,
    )


@pytest.mark.parametrize("backend", ["hf", "ct2"])
@pytest.mark.parametrize("to", ["en", "zh"])
def test_translate_segments_keeps_lines_tags_and_plain_path(backend, to, request):
    translator = request.getfixturevalue(f"{backend}_translator")
    segments = _segments()
    seen = []
    out = translator.translate_segments(segments, to=to, progress=seen.append)
    assert [t.segment for t in out] == segments and sum(seen) == len(segments)
    lines = [line for s in segments for line in s.text.split("\n")]
    plain = [r.translation for r in translator.translate(lines, to=to)]
    assert [t.text for t in out] == [plain[0], plain[1], f"{plain[2]}\n{plain[3]}", plain[4]]
    assert out[2].text.count("\n") == 1
    assert out[3].text == "٢٠٢٣ - ١٥" and out[3].sentences == []  # no letters: passed through
    for translated in out:
        assert [t.id for t in translated.tags] == [t.id for t in translated.segment.tags]
        assert nested_properly(translated.tags)
        assert all(0 <= t.start <= t.end <= len(translated.text) for t in translated.tags)
        assert set(translated.displaced) <= {t.id for t in translated.tags}
    assert out[1].tags == () and out[1].displaced == ()
    assert len(out[0].sentences) >= 1 and all(s.score is not None for s in out[0].sentences)
    cue = out[2]
    i = cue.tag("i")
    assert i.end <= len(plain[2]) + 1 + len(plain[3])
    if "i" not in cue.displaced:  # aligned: inside the second line's translation
        assert i.start >= len(plain[2]) + 1 and i.end > i.start


@pytest.mark.parametrize("to", ["en", "zh"])
def test_both_backends_place_tags_alike(hf_translator, ct2_translator, to):
    # FLORES dev 1 meets a near-tie of the random weights late in its beam, which the two backends break
    # differently (seen with the tiny ar-en model of seed 1); lines 3-5 do not
    hf = hf_translator.translate_segments(_segments((3, 4, 5)), to=to)
    ct2 = ct2_translator.translate_segments(_segments((3, 4, 5)), to=to)
    assert [t.text for t in hf] == [t.text for t in ct2]
    assert [(t.tags, t.displaced) for t in hf] == [(t.tags, t.displaced) for t in ct2]


def _expected(translated, links) -> tuple[int, int] | None:
    from mt.alignment.tokenize import tokenize_with_offsets

    target_words = tokenize_with_offsets(translated.text, "en")
    linked = sorted({t for s, t in links if 1 <= s <= 3})
    return (target_words[linked[0]].start, target_words[linked[-1]].end) if linked else None


def _bold_segments(sentences: list[str]) -> list[Segment]:
    from mt.alignment.tokenize import tokenize_with_offsets

    segments = []
    for k, sentence in enumerate(sentences):
        words_ = tokenize_with_offsets(sentence, "ar")
        segments.append(Segment(f"p {k}", sentence, (Tag("b", words_[1].start, words_[3].end),)))
    return segments


def _check_bold(translated, expected) -> None:
    placed = translated.tag("b")
    if expected is not None:
        assert (placed.start, placed.end) == expected and translated.displaced == ()
    else:
        assert translated.displaced == ("b",) and placed.end > placed.start  # displaced, still around words


def test_tag_goes_where_the_alignment_head_links_its_words(hf_translator, monkeypatch):
    """End to end: the bold tag wraps exactly the target words that the alignment head, read as mt align reads it
    (argmax per target piece, pieces merged into words), links to its source words, over the decoded pieces."""
    import numpy as np

    from mt.alignment.attention import SubwordAttention, merge_to_words, piece_to_word
    from mt.alignment.tokenize import tokenize_with_offsets

    import mt.documents

    decoded = []  # what the decoder kept for each sentence, seen as the tags are placed (then it is let go)

    def spy(assembled, legs):
        decoded.extend(item.sentences[0].decoded[0] for item in assembled)
        return place_markup(assembled, legs)

    place_markup = mt.documents.place_markup
    monkeypatch.setattr(mt.documents, "place_markup", spy)
    sentences = FLORES[10:14]
    translations = hf_translator.translate_segments(_bold_segments(sentences), to="en")
    assert all(s.decoded is None for t in translations for s in t.sentences)
    backend = hf_translator.legs("en")[0].backend
    placed_somewhere = 0
    for sentence, translated, (source_pieces, pieces, _) in zip(sentences, translations, decoded):
        assert hf_translator.legs("en")[0].detokenize(pieces) == translated.text
        matrix = np.array(backend.attention(source_pieces, pieces))
        links = merge_to_words(
            SubwordAttention(source_pieces, pieces, matrix).subword_links(),
            piece_to_word(source_pieces, sentence, tokenize_with_offsets(sentence, "ar")),
            piece_to_word(pieces, translated.text, tokenize_with_offsets(translated.text, "en")),
        )
        expected = _expected(translated, links)
        _check_bold(translated, expected)
        placed_somewhere += expected is not None
    assert placed_somewhere


def test_memory_sentences_are_aligned_from_their_text(tiny_ar_en, tmp_path):
    """A sentence reused from a translation memory was not decoded: its translation is forced through the head
    from its text, which gives mt align's AttentionAligner links."""
    from mt.alignment.attention import AttentionAligner

    sentences = FLORES[10:14]
    with Translator({"ar-en": str(tiny_ar_en)}, tm=tmp_path / "tm.sqlite", **FAST) as translator:
        first = translator.translate_segments(_bold_segments(sentences), to="en")
        again = translator.translate_segments(_bold_segments(sentences), to="en")
    assert [t.text for t in again] == [t.text for t in first]
    assert all(s.origin == "tm-mt" and s.decoded is None for t in again for s in t.sentences)
    all_links = AttentionAligner(str(tiny_ar_en)).align(sentences, [t.text for t in again])
    for translated, links in zip(again, all_links):
        _check_bold(translated, _expected(translated, links))


def test_model_links_equal_the_attention_aligner(hf_translator, tiny_ar_en):
    from mt.alignment.attention import AttentionAligner
    from mt.alignment.model_links import sentence_links

    sources = FLORES[:4]
    targets = [r.translation for r in hf_translator.translate(sources, to="en")]
    leg = hf_translator.legs("en")[0]
    mine = sentence_links(leg.backend, list(zip(sources, targets)), "ar", "en", leg.prefix, batch_size=4)
    assert [m.links for m in mine] == AttentionAligner(str(tiny_ar_en)).align(sources, targets)
    assert all(m.links for m in mine)


def test_tags_placed_a_group_at_a_time_are_placed_alike(hf_translator, monkeypatch):
    import mt.documents

    whole = hf_translator.translate_segments(_segments(), to="en")
    monkeypatch.setattr(mt.documents, "PLACE_GROUP", 1)
    grouped = hf_translator.translate_segments(_segments(), to="en")
    assert [(t.text, t.tags, t.displaced) for t in grouped] == [(t.text, t.tags, t.displaced) for t in whole]


# -- glossary terms across inline tags ---------------------------------------------------------------------------
@pytest.mark.parametrize("to", ["en", "zh"])
def test_glossary_term_split_by_a_tag_is_enforced(hf_translator, to):
    glossary = Glossary.load(GLOSSARY)
    text = "أعلنت شركة علي بابا عن أرباح كبيرة في مهرجان التسوق."
    term = text.index("علي بابا")
    split = term + len("علي")  # <b>...علي</b> بابا: the tag ends inside the term
    segment = Segment("p 1", text, (Tag("b", 0, split), Tag("i", split + 1, len(text) - 1)))
    translator = Translator(hf_translator.models, glossary=glossary, **FAST)
    translated = translator.translate_segments([segment], to=to)[0]
    terms = [t for s in translated.sentences for t in s.terms]
    assert [t.concept_id for t in terms] == ["alibaba"]
    assert terms[0].status in ("verified", "enforced") and terms[0].target in translated.text
    assert any(form in translated.text for form in glossary.get("alibaba").targets(to))
    assert nested_properly(translated.tags)


# -- translate_file and the CLI ----------------------------------------------------------------------------------
def tmx(*arabic: str, extra: str = "") -> str:
    units = "".join(
        f'<tu tuid="{k}"><tuv xml:lang="ar"><seg>{text}</seg></tuv>{extra}</tu>\n'
        for k, text in enumerate(arabic, start=1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="ar" segtype="sentence" '
        f'o-tmf="x" adminlang="en" datatype="plaintext" creationtool="t" creationtoolversion="1"/>\n'
        f"<body>\n{units}</body></tmx>\n"
    )


TMX_TEXT = tmx(FLORES[3], f'{FLORES[4][:30]}<ph x="1">&lt;br/&gt;</ph>{FLORES[4][30:]}', FLORES[5])


def test_translate_file_api(hf_translator, tmp_path):
    from mt.errors import InputError
    from mt.formats.tmx import TmxFormat

    source = tmp_path / "memory.tmx"
    source.write_text(TMX_TEXT, encoding="utf-8")
    done = hf_translator.translate_file(source, to="en", out=tmp_path / "memory.en.tmx")
    assert done.format == "tmx" and done.segments == 3 and done.output == tmp_path / "memory.en.tmx"
    written = TmxFormat().parse((tmp_path / "memory.en.tmx").read_bytes(), "out", FormatOptions(target="en"))
    assert written.segments == []  # every tu has its English tuv now
    assert (tmp_path / "memory.en.tmx").read_text(encoding="utf-8").count('<tuv xml:lang="en">') == 3
    with pytest.raises(InputError, match="already exists"):
        hf_translator.translate_file(source, to="en", out=tmp_path / "memory.en.tmx")
    with pytest.raises(InputError, match="replace the input"):
        hf_translator.translate_file(source, to="en", out=source, force=True)
    assert source.read_text(encoding="utf-8") == TMX_TEXT


def test_cli_document_and_text_into_a_directory_with_report(run_cli, fast_tiny, tmp_path):
    import json

    (tmp_path / "in").mkdir()
    (tmp_path / "out").mkdir()
    doc = tmp_path / "in" / "memory.tmx"
    doc.write_text(TMX_TEXT, encoding="utf-8")
    text = tmp_path / "in" / "notes.txt"
    text.write_text(f"{FLORES[6]}\n\n{FLORES[7]}\n", encoding="utf-8")
    report = tmp_path / "review.jsonl"
    code, out, err = run_cli(
        "translate", doc, text, "--to", "zh", "-o", tmp_path / "out", "--report", report, "-q", *fast_tiny
    )
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["memory.zh.tmx", "notes.zh.txt"]
    assert (tmp_path / "out" / "memory.zh.tmx").read_text(encoding="utf-8").count('<tuv xml:lang="zh-CN">') == 3
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert [(r["input"], r["location"]) for r in rows] == [
        (str(doc), "tu 1 (tuid 1)"),
        (str(doc), "tu 2 (tuid 2)"),
        (str(doc), "tu 3 (tuid 3)"),
        (str(text), "line 1"),
        (str(text), "line 3"),
    ]
    assert rows[1]["source"] == FLORES[4] and rows[3]["source"] == FLORES[6]
    for r in rows:
        assert r["translation"] and isinstance(r["score"], float) and r["terms"] == []
        assert set(r["displaced"]) <= {"ph1"} and "origin" not in r and "fuzzy" not in r
    assert ("ph1" in rows[1]["displaced"]) == ("ph1 could not be put" in err)
    # everything planned again: outputs and the report exist now
    code, _, err = run_cli("translate", doc, "--to", "zh", "-o", tmp_path / "out" / "memory.zh.tmx", *fast_tiny)
    assert code == 1 and "already exists" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args,message",
    [
        (["--format", "jsonl"], "--format applies to text inputs only"),
        (["--resume"], "--resume works for text inputs only"),
        (["--input-format", "nonesuch"], "unknown --input-format"),
    ],
)
def test_cli_document_option_errors(run_cli, fast_tiny, tmp_path, args, message):
    doc = tmp_path / "a.tmx"
    doc.write_text(TMX_TEXT, encoding="utf-8")
    code, _, err = run_cli("translate", doc, "--to", "en", "-o", tmp_path / "a.en.tmx", *args, *fast_tiny)
    assert code != 0 and message in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "a.en.tmx").exists()


def test_cli_bad_document_writes_nothing(run_cli, fast_tiny, tmp_path):
    good = tmp_path / "good.tmx"
    good.write_text(TMX_TEXT, encoding="utf-8")
    bad = tmp_path / "bad.tmx"
    bad.write_text(
        '<?xml version="1.0"?><!DOCTYPE tmx [<!ENTITY e SYSTEM "file:///etc/passwd">]><tmx/>', encoding="utf-8"
    )
    (tmp_path / "out").mkdir()
    code, out, err = run_cli(
        "translate", good, bad, "--to", "en", "-o", tmp_path / "out", "--report", tmp_path / "r.jsonl", *fast_tiny
    )
    assert code == 1 and "bad.tmx: declares XML entities" in err and "root:" not in err + out
    assert list((tmp_path / "out").iterdir()) == [] and not (tmp_path / "r.jsonl").exists()
    code, _, err = run_cli("translate", good, "--to", "en", "-o", tmp_path / "x.tmx", "--report", good, *fast_tiny)
    assert code == 1 and "replace the input" in err and not (tmp_path / "x.tmx").exists()


def test_cli_input_format_overrides_extension_and_text_report(run_cli, fast_tiny, tmp_path):
    import json

    doc = tmp_path / "memory.xml"
    doc.write_text(TMX_TEXT, encoding="utf-8")
    out = tmp_path / "out.xml"
    code, _, err = run_cli("translate", doc, "--input-format", "tmx", "--to", "en", "-o", out, *fast_tiny)
    assert code == 0, err
    assert out.read_text(encoding="utf-8").count('<tuv xml:lang="en">') == 3
    text = tmp_path / "a.txt"
    text.write_text(f"{FLORES[8]}\n", encoding="utf-8")
    code, stdout, err = run_cli("translate", text, "--to", "en", "--report", tmp_path / "r.jsonl", *fast_tiny)
    rows = [json.loads(line) for line in (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()]
    assert code == 0 and [r["location"] for r in rows] == ["line 1"] and rows[0]["translation"] == stdout.rstrip("\n")


def test_cli_document_with_tm_reports_origin_and_fuzzy(run_cli, fast_tiny, tmp_path):
    import json

    from mt.memory import Segment as TmSegment
    from mt.memory import TranslationMemory

    memory = tmp_path / "tm.sqlite"
    with TranslationMemory.open(memory) as tm_handle:
        tm_handle.add_human([TmSegment(FLORES[3][:-1] + " اليوم.", "A human translation.", "en")])
    doc = tmp_path / "memory.tmx"
    doc.write_text(TMX_TEXT, encoding="utf-8")
    report = tmp_path / "r.jsonl"
    code, _, err = run_cli(
        "translate", doc, "--to", "en", "-o", tmp_path / "a.tmx", "--tm", memory, "--report", report, "-q", *fast_tiny
    )
    assert code == 0, err
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert [r["origin"] for r in rows] == ["mt", "mt", "mt"]
    assert rows[0]["fuzzy"]["target"] == "A human translation." and rows[0]["fuzzy"]["origin"] == "human"
    assert 75 <= rows[0]["fuzzy"]["similarity"] < 100 and rows[2]["fuzzy"] is None
    # the second run reuses the stored MT, and the report does not offer a sentence's own MT as a fuzzy match
    code, _, err = run_cli(
        "translate",
        doc,
        "--to",
        "en",
        "-o",
        tmp_path / "b.tmx",
        "--tm",
        memory,
        "--report",
        report,
        "--force",
        "-q",
        *fast_tiny,
    )
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert code == 0 and [r["origin"] for r in rows] == ["tm-mt"] * 3 and rows[2]["fuzzy"] is None
    # the same translations; the tags may sit elsewhere: a decoded sentence is aligned over the pieces the decoder
    # chose, a reused one over its text's own pieces (the tiny random model's pieces are not its text's)
    assert _target_texts(tmp_path / "a.tmx") == _target_texts(tmp_path / "b.tmx")


def _target_texts(path) -> list[str]:
    from lxml import etree

    def plain(element) -> str:  # the text, without the codes' content
        parts = [element.text or ""]
        for child in element:
            parts += [plain(child) if child.tag == "hi" else "", child.tail or ""]
        return "".join(parts)

    root = etree.fromstring(path.read_bytes())
    texts = [
        plain(tuv.find("seg"))
        for tuv in root.iter("tuv")
        if tuv.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    ]
    assert len(texts) == 3
    return texts


# -- the one rule for text that is not Arabic ----------------------------------------------------------------------
ENGLISH = "The Belt and Road initiative was discussed in Hangzhou."
URL = "https://www.example.com/news/2016/11/17/hangzhou-ecommerce.html"


def test_segments_without_arabic_are_kept_as_they_are(hf_translator):
    segments = [
        Segment("p 1", ENGLISH, (Tag("b", 4, 8),)),
        Segment("p 2", URL),
        Segment("p 3", FLORES[0], (Tag("i", 0, 5),)),
        Segment("p 4", f"{ENGLISH} {FLORES[1][:20]}"),
    ]
    seen = []
    out = hf_translator.translate_segments(segments, to="en", progress=seen.append)
    assert sum(seen) == len(segments)
    for kept in out[:2]:
        assert kept.kept == "no Arabic" and kept.text == kept.segment.text and kept.sentences == []
        assert kept.tags == kept.segment.tags and kept.displaced == ()
    assert out[2].kept is None and out[2].sentences and not ARABIC.search(out[2].text)
    assert out[3].kept is None and out[3].sentences  # one Arabic word is enough: the segment is translated


def test_cli_document_keeps_english_and_urls_and_reports_them(run_cli, fast_tiny, tmp_path):
    import json

    page = tmp_path / "mixed.html"
    page.write_text(
        f'<html lang="ar"><body>\n<p>{ENGLISH}</p>\n<p><a href="{URL}">{URL}</a></p>\n'
        f"<p>{FLORES[2]}</p>\n</body></html>\n",
        encoding="utf-8",
    )
    out, report = tmp_path / "mixed.en.html", tmp_path / "report.jsonl"
    code, _, err = run_cli("translate", page, "--to", "en", "-o", out, "--report", report, "-q", *fast_tiny)
    assert code == 0, err
    written = out.read_text(encoding="utf-8")
    assert f'<p>{ENGLISH}</p>\n<p><a href="{URL}">{URL}</a></p>\n' in written
    assert FLORES[2] not in written and not ARABIC.search(written)
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert [r.get("kept") for r in rows] == ["no Arabic", "no Arabic", None]
    assert rows[0]["translation"] == ENGLISH and rows[1]["translation"] == URL


def test_cli_po_and_tmx_write_no_translation_for_a_message_without_arabic(run_cli, fast_tiny, tmp_path):
    """A PO msgid or a TMX Arabic seg holding English only is left as it is: msgstr stays empty (and the entry
    unflagged), the tu gets no target tuv; the report says why (read back with polib and lxml)."""
    import json

    import polib
    from lxml import etree

    po = tmp_path / "mixed.po"
    po.write_text(
        f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        f'msgid "{ENGLISH}"\nmsgstr ""\n\nmsgid "{URL}"\nmsgstr ""\n\n'
        f'msgid "{FLORES[2]}"\nmsgstr ""\n',
        encoding="utf-8",
    )
    tmx = tmp_path / "mixed.tmx"
    tmx.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header srclang="ar" '
        'datatype="plaintext" segtype="sentence" adminlang="en" o-tmf="x" creationtool="t" '
        f'creationtoolversion="1"/><body>\n<tu><tuv xml:lang="ar"><seg>{ENGLISH}</seg></tuv></tu>\n'
        f'<tu><tuv xml:lang="ar"><seg>{FLORES[2]}</seg></tuv></tu>\n</body></tmx>\n',
        encoding="utf-8",
    )
    for path in (po, tmx):
        out, report = tmp_path / f"out{path.suffix}", tmp_path / f"report{path.suffix}.jsonl"
        code, _, err = run_cli("translate", path, "--to", "en", "-o", out, "--report", report, "-q", *fast_tiny)
        assert code == 0, err
        rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
        expected = ["no Arabic", "no Arabic", None] if path is po else ["no Arabic", None]
        assert [r.get("kept") for r in rows] == expected
    entries = polib.pofile(str(tmp_path / "out.po"))
    assert [(e.msgstr, e.fuzzy) for e in entries[:2]] == [("", False), ("", False)]
    assert entries[2].msgstr and entries[2].fuzzy and not ARABIC.search(entries[2].msgstr)
    tus = etree.parse(str(tmp_path / "out.tmx")).getroot().iter("tu")
    langs = [[tuv.get("{http://www.w3.org/XML/1998/namespace}lang") for tuv in tu.iter("tuv")] for tu in tus]
    assert langs == [["ar"], ["ar", "en"]]


def test_a_document_without_arabic_loads_no_model(run_cli, fast_tiny, tmp_path, monkeypatch):
    """Every segment kept (no Arabic letter): nothing to decode, so no model is loaded (load_backend is watched;
    the models are found as usual) and the report still lists every segment as kept."""
    import json

    from mt import routing

    loads = []
    real = routing.load_backend
    monkeypatch.setattr(routing, "load_backend", lambda *args, **kwargs: loads.append(args) or real(*args, **kwargs))
    page = tmp_path / "english.html"
    page.write_text(
        f'<html lang="ar"><body>\n<p>{ENGLISH}</p>\n<p><a href="{URL}">{URL}</a></p>\n</body></html>\n',
        encoding="utf-8",
    )
    out, report = tmp_path / "english.en.html", tmp_path / "report.jsonl"
    code, _, err = run_cli("translate", page, "--to", "en", "-o", out, "--report", report, "-q", *fast_tiny)
    assert code == 0, err
    assert out.read_text(encoding="utf-8") == page.read_text(encoding="utf-8").replace('lang="ar"', 'lang="en"')
    rows = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    assert [r.get("kept") for r in rows] == ["no Arabic", "no Arabic"]
    assert loads == []


def test_a_tag_around_punctuation_whose_sentence_came_back_empty_still_wraps_words(hf_translator):
    """`قال ما يون. <b>،</b>`: the lone "،" is a sentence of its own; a model may translate it as nothing (made by
    hand here: the tiny models never do), so no aligned word covers it. The tag still wraps a target word,
    reported as displaced, never an empty pair; the first sentence is aligned by the tiny model's head."""
    from mt.results import LineResult, SentenceResult
    from mt.segments import assemble, place_markup

    text = "قال ما يون. ،"
    segment = Segment("p 1", text, (Tag("b", len(text) - 1, len(text)),))
    sentences = [SentenceResult("قال ما يون.", "Jack Ma said.", None), SentenceResult("،", "", None)]
    assembled = assemble(segment, [LineResult(text, "Jack Ma said.", sentences)], "en")
    (done,) = place_markup([assembled], hf_translator.legs("en"))
    tag = done.tag("b")
    assert done.text == "Jack Ma said." and tag.end > tag.start and done.text[tag.start : tag.end].strip()
    assert done.displaced == ("b",)


def test_a_documents_attention_does_not_leak_into_requests_answered_between_its_segments(hf_translator):
    """mt serve answers small requests from another thread while a document is being translated on the same
    Translator: the document's decoders keep their pieces and alignment head (to place its tags) for the document
    alone; plain lines translated meanwhile get none (SentenceResult.decoded stays None, as for any plain call)."""
    import threading

    plain: list = []

    def between_segments(_done: int) -> None:  # the document's stream is open: its blocks are being translated
        worker = threading.Thread(target=lambda: plain.extend(hf_translator.translate(FLORES[20:22], to="en")))
        worker.start()
        worker.join()

    alone = hf_translator.translate_segments(_segments(), to="en")
    interleaved = hf_translator.translate_segments(_segments(), to="en", progress=between_segments)
    assert len(plain) >= 4 and all(s.translation for r in plain for s in r.sentences)
    assert all(s.decoded is None for r in plain for s in r.sentences)
    assert [(t.text, t.tags, t.displaced) for t in interleaved] == [(t.text, t.tags, t.displaced) for t in alone]
    assert [r.translation for r in plain[:2]] == [
        r.translation for r in hf_translator.translate(FLORES[20:22], to="en")
    ]
