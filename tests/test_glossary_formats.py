"""Glossary files: TSV / TBX / CSV / JSON round trips, TBX 2008 import, malformed input, atomic saves."""

from __future__ import annotations

import json
import os

import pytest

from mt.errors import GlossaryError
from mt.glossary import Glossary, make_concept
from mt.glossary.formats import module_for
from tests.conftest import REPO

ECOMMERCE = REPO / "glossaries" / "ecommerce.tsv"


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.load(ECOMMERCE)


def test_shipped_glossary_is_complete(glossary):
    assert len(glossary) >= 40
    wanted = {
        "aliexpress",
        "alibaba",
        "jd-com",
        "suning",
        "taobao",
        "singles-day",
        "jack-ma",
        "wang-jian",
        "shen-yang",
        "tsinghua-university",
        "peking-university",
        "uibe",
        "boao-forum-for-asia",
        "ewtp",
        "aiib",
        "silk-road-fund",
        "china-internet-investment-fund",
        "belt-and-road",
        "hangzhou",
        "beijing",
        "zhejiang",
        "hebei",
        "yiwu",
        "xinhua",
    }
    assert wanted <= {c.id for c in glossary}
    assert glossary.get("aliexpress").zh == ("全球速卖通", "速卖通")
    assert glossary.get("aiib").zh == ("亚洲基础设施投资银行", "亚投行")
    assert glossary.get("jack-ma").zh == ("马云",) and "ما يون" in glossary.get("jack-ma").ar
    assert glossary.get("hebei").ar[0] == "خبي"
    assert all(c.en and c.zh for c in glossary)
    assert [c.id for c in glossary] == sorted(c.id for c in glossary)


@pytest.mark.parametrize("chain", [("tsv", "tbx", "json", "tsv"), ("tsv", "json", "tbx", "tsv")])
def test_lossless_round_trips(glossary, chain):
    text = ECOMMERCE.read_text(encoding="utf-8")
    concepts = glossary.concepts
    for fmt in chain[1:]:
        concepts = module_for(fmt).loads(module_for(fmt).dumps(concepts), name=f"x.{fmt}")
    assert concepts == glossary.concepts
    assert module_for("tsv").dumps(concepts) == text


def test_round_trip_through_files(glossary, tmp_path):
    for ext in ("tbx", "json", "tsv"):
        glossary.save(tmp_path / f"g.{ext}")
        assert Glossary.load(tmp_path / f"g.{ext}").concepts == glossary.concepts
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_tbx_v3_structure(glossary):
    from lxml import etree

    root = etree.fromstring(glossary.dumps("tbx").encode())
    ns = {"t": "urn:iso:std:iso:30042:ed-2"}
    assert root.get("type") == "TBX-Basic"
    entry = root.find(".//t:conceptEntry[@id='aliexpress']", ns)
    zh = entry.find("t:langSec[@{http://www.w3.org/XML/1998/namespace}lang='zh']", ns)
    statuses = [
        (ts.findtext("t:term", namespaces=ns), ts.findtext("t:termNote[@type='administrativeStatus']", namespaces=ns))
        for ts in zh
    ]
    assert statuses == [
        ("全球速卖通", "preferredTerm-admn-sts"),
        ("速卖通", "admittedTerm-admn-sts"),
        ("阿里快递", "deprecatedTerm-admn-sts"),
    ]


TBX_2008 = """<?xml version="1.0" encoding="UTF-8"?>
<martif type="TBX-Basic" xml:lang="en-US">
  <martifHeader><fileDesc><sourceDesc><p>exported by a CAT tool</p></sourceDesc></fileDesc></martifHeader>
  <text><body>
    <termEntry id="c17">
      <descrip type="subjectField">e-commerce</descrip>
      <langSet xml:lang="ar-SA"><tig><term>تاوباو</term></tig></langSet>
      <langSet xml:lang="en-US">
        <ntig><termGrp><term>Taobao Marketplace</term>
          <termNote type="administrativeStatus">admittedTerm-admn-sts</termNote></termGrp></ntig>
        <tig><term>Taobao</term><termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></tig>
        <tig><term>Tao Bao</term><termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></tig>
      </langSet>
      <langSet xml:lang="zh-CN"><tig><term>淘宝</term></tig><tig><term>淘宝网</term></tig></langSet>
    </termEntry>
  </body></text>
</martif>
"""


def test_tbx_2008_import(tmp_path):
    path = tmp_path / "old.tbx"
    path.write_text(TBX_2008, encoding="utf-8")
    (c,) = Glossary.load(path).concepts
    assert (c.id, c.ar, c.en, c.zh, c.forbidden_en) == (
        "c17",
        ("تاوباو",),
        ("Taobao", "Taobao Marketplace"),
        ("淘宝", "淘宝网"),
        ("Tao Bao",),
    )


def test_csv_two_column_export_and_import(glossary, tmp_path):
    out = tmp_path / "deepl.csv"
    glossary.save(out, target_lang="zh")
    rows = out.read_text(encoding="utf-8").splitlines()
    assert "علي اكسبريس,全球速卖通" in rows and "علي إكسبريس,全球速卖通" in rows
    back = Glossary.load(out, target_lang="zh")
    # what the 2-column form carries survives: every Arabic variant and the preferred target
    assert sorted((c.ar, c.zh[0]) for c in back) == sorted((c.ar, c.zh[0]) for c in glossary)
    with pytest.raises(GlossaryError, match="target language"):
        glossary.save(tmp_path / "x.csv")


def test_csv_language_header(tmp_path):
    path = tmp_path / "amazon.csv"
    path.write_text('ar,en,zh-CN\nعلي بابا,Alibaba,阿里巴巴\n"هانغتشو|هانغجو",Hangzhou,杭州\n', encoding="utf-8")
    g = Glossary.load(path)
    assert [(c.id, c.ar, c.en, c.zh) for c in g] == [
        ("alibaba", ("علي بابا",), ("Alibaba",), ("阿里巴巴",)),
        ("hangzhou", ("هانغتشو", "هانغجو"), ("Hangzhou",), ("杭州",)),
    ]


def test_json_shape(glossary):
    data = json.loads(glossary.dumps("json"))
    assert data["format"] == "tarjama-glossary" and len(data["concepts"]) == len(glossary)
    assert data["concepts"][0]["id"] == "aiib"


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("bad.tsv", "id\tar\ten\tzh\nx\tعلي\tAli\n", r"bad\.tsv:2: expected 4 tab-separated columns, found 3"),
        ("bad.tsv", "id\tar\ten\tzh\ttype\n# c\nx\tعلي\tAli\t阿里\tanimal\n", r"bad\.tsv:3: .*unknown type 'animal'"),
        ("bad.tsv", "id\tar\ten\tzh\nx\t\tAli\t阿里\n", r"bad\.tsv:2: .*no Arabic source variant"),
        ("bad.tsv", "id\tar\ten\tzh\nx\tعلي\tAli\t阿里\nx\tبكين\tBeijing\t北京\n", r"bad\.tsv:3: duplicate id 'x'"),
        ("bad.tsv", "id\tarabic\ten\tzh\n", r"bad\.tsv:1: bad header"),
        ("bad.tsv", "", r"bad\.tsv: empty glossary"),
        ("bad.tbx", "<tbx><text><body><conceptEntry id='a'>", r"bad\.tbx: not well-formed XML: .* line 1"),
        # the shared safe parser (mt.formats.xml): an entity is refused, not imported as the term "&e;"
        (
            "bad.tbx",
            '<?xml version="1.0"?><!DOCTYPE tbx [<!ENTITY e "علي">]><tbx><text><body><conceptEntry id="a">'
            '<langSec xml:lang="ar"><termSec><term>&e;</term></termSec></langSec><langSec xml:lang="en"><termSec>'
            "<term>Ali</term></termSec></langSec></conceptEntry></body></text></tbx>",
            r"bad\.tbx: declares XML entities",
        ),
        ("bad.tbx", "<root/>", r"bad\.tbx:1: not a TBX file"),
        ("bad.json", '{"concepts": [{"id": "a", "ar": ["علي"], "en": 3}]}', r"bad\.json: concept #1: en must be"),
        ("bad.json", "{", r"bad\.json:1: invalid JSON"),
        ("bad.csv", "علي بابا,Alibaba,extra\n", r"bad\.csv:1: expected 2 columns"),
        ("bad.xyz", "x", r"cannot tell the glossary format"),
    ],
)
def test_malformed_files_name_file_and_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GlossaryError, match=message):
        Glossary.load(path)


def test_failed_save_leaves_the_file_untouched(tmp_path, glossary):
    path = tmp_path / "g.tsv"
    glossary.save(path)
    before = path.read_bytes()
    bad = Glossary(glossary.concepts + [glossary.concepts[0].__class__(id="broken", ar=("عل\tي",), en=("x",), zh=())])
    with pytest.raises(GlossaryError):
        bad.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["g.tsv"]


def test_edit_and_merge(glossary):
    g = Glossary(list(glossary.concepts))
    g.add(make_concept("alibaba-cloud", ["علي بابا كلاود"], ["Alibaba Cloud"], ["阿里云"], type="organisation"))
    assert [c.id for c in g] == sorted(c.id for c in g)
    assert [m.concept.id for m in g.match("خدمات علي بابا كلاود")] == ["alibaba-cloud"]  # cache refreshed
    g.remove("alibaba-cloud")
    assert [m.concept.id for m in g.match("خدمات علي بابا كلاود")] == ["alibaba"]
    with pytest.raises(GlossaryError, match="already exists"):
        g.add(glossary.concepts[0])
    merged = Glossary.merge([g, Glossary([make_concept("x-1", ["شي"], ["X"])])])
    assert len(merged) == len(glossary) + 1


def test_csv_with_two_language_header_groups_variants(glossary, tmp_path):
    out = tmp_path / "with_header.csv"
    glossary.save(out, target_lang="en", header=True)
    assert out.read_text(encoding="utf-8").startswith("ar,en\n")
    back = Glossary.load(out)
    ali = [c for c in back if c.en == ("AliExpress",)]
    assert len(ali) == 1 and ali[0].ar == glossary.get("aliexpress").ar
    assert sorted((c.ar, c.en[0]) for c in back) == sorted((c.ar, c.en[0]) for c in glossary)


@pytest.mark.parametrize("fmt", ["tsv", "json", "csv", "tbx"])
def test_a_byte_order_mark_is_read_in_every_format(glossary, tmp_path, fmt):
    # Windows editors save UTF-8 with a BOM; JSON was refused ("Unexpected UTF-8 BOM") while TSV was read
    text = glossary.dumps(fmt, target_lang="en")
    plain, bom = tmp_path / f"plain.{fmt}", tmp_path / f"bom.{fmt}"
    plain.write_bytes(text.encode("utf-8"))
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert Glossary.load(bom).concepts == Glossary.load(plain).concepts
    assert len(Glossary.load(bom)) >= 40


def test_parse_errors_keep_their_cause(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"concepts": [', encoding="utf-8")
    with pytest.raises(GlossaryError, match="invalid JSON") as caught:
        Glossary.load(broken)
    assert isinstance(caught.value.__cause__, json.JSONDecodeError)
