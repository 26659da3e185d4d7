"""Alignment benchmark: sentence-alignment F1 and time by document size, statistical word-alignment speed, and
term-link accuracy on TICO-19 dev. Prints Markdown tables; ``--write`` also saves them to
eval/results/align.md.

    .venv/bin/python eval/bench_align.py [--sizes 1000 5000 20000] [--skip-eflomal] [--write]
    .venv/bin/python eval/bench_align.py --parts --zhen-gold zhen.src-tgt zhen.gold   # AER on a zh-en gold only

Sentence documents: parallel lines from the UN devset, Tatoeba, FLORES-200 dev and TICO-19 dev (in that order,
cycled when a size needs more lines than there are), perturbed with eval-time edits whose gold is known
(mt.alignment.sentence.synthetic: by default 2% of pairs lose their source line, 2% lose their target line, 4%
are merged with the next pair on the source side and 4% on the target side). "News" is FLORES-200 dev's
Wikinews articles (metadata_dev.tsv), aligned one document pair per article and all articles as one pair (the
latter over six perturbation seeds, counts summed: one 348-line document moves by about 0.01 from seed to
seed). "Shuffled" adds splits: 3% of sentences on each side cut in two at a clause boundary. "Dev" is the
development set the sentence aligner's settings were chosen on: the UN devset as four 1,000-line documents and
TICO-19 dev as one, three seeds each (FLORES, the news test, is not used for choosing).
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mt.alignment import StatisticalAligner, eflomal_available, score_sentence_documents, tokenize  # noqa: E402
from mt.alignment.pharaoh import Alignment, read_alignments  # noqa: E402
from mt.alignment.scoring import score_aer  # noqa: E402
from mt.alignment.sentence import Perturbation, SentenceAligner, build_documents  # noqa: E402
from mt.alignment.terms import find_term_instances, score_term_links  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
RESULTS = Path(__file__).resolve().parent / "results" / "align.md"
MILD = Perturbation(delete_source=0.01, delete_target=0.01, merge_source=0.02, merge_target=0.02)
SHUFFLED = Perturbation(split_source=0.03, split_target=0.03)
NEWS_SEEDS = 6


def lines(name: str) -> list[str]:
    return (DATA / name).read_text(encoding="utf-8").splitlines()


def parallel(lang: str) -> tuple[list[str], list[str]]:
    """All ar-lang pairs in eval/data, UN first."""
    flores = {"en": "eng_Latn", "zh": "zho_Hans"}[lang]
    pairs = [("un_v1.0/UNv1.0.devset.ar", f"un_v1.0/UNv1.0.devset.{lang}")]
    if lang == "en":
        pairs.append(
            (
                "tatoeba/tatoeba-test-v2021-08-07.ara-eng.araonly.ara",
                "tatoeba/tatoeba-test-v2021-08-07.ara-eng.araonly.eng",
            )
        )
    pairs += [
        ("flores200/flores200.dev.arb_Arab", f"flores200/flores200.dev.{flores}"),
        ("tico19/tico19.dev.ar", f"tico19/tico19.dev.{lang}"),
    ]
    src, tgt = [], []
    for a, b in pairs:
        src += lines(a)
        tgt += lines(b)
    return src, tgt


def sentence_sizes(sizes: list[int], realign: bool = False) -> list[str]:
    rows = [
        "| pair | realign | sentences (src x tgt) | F1 strict | F1 lax | P strict | R strict | seconds | "
        "ms / 1k sentences |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for lang in ("en", "zh"):
        src, tgt = parallel(lang)
        for size in sizes:
            reps = size // len(src) + 1
            doc = build_documents((src * reps)[:size], (tgt * reps)[:size], tgt_lang=lang, seed=size)
            aligner = SentenceAligner(pair=f"ar-{lang}", realign=realign)
            started = time.perf_counter()
            beads = aligner.align(doc.src, doc.tgt)
            seconds = time.perf_counter() - started
            s = score_sentence_documents([doc.gold], [[b.as_pair() for b in beads]])
            rows.append(
                f"| ar-{lang} | {'yes' if realign else 'no'} | {size:,} ({len(doc.src):,} x {len(doc.tgt):,}) | "
                f"{s.f1_strict:.3f} | "
                f"{s.f1_lax:.3f} | {s.precision_strict:.3f} | {s.recall_strict:.3f} | {seconds:.2f} | "
                f"{1e6 * seconds / size:.0f} |"
            )
            print(rows[-1], flush=True)
    return rows


def news_articles() -> list[list[int]]:
    """Line numbers of FLORES-200 dev grouped by Wikinews article (URL)."""
    with open(DATA / "flores200" / "metadata_dev.tsv", encoding="utf-8") as handle:
        meta = list(csv.DictReader(handle, delimiter="\t"))
    articles: dict[str, list[int]] = {}
    for k, row in enumerate(meta):
        if row["domain"] == "wikinews":
            articles.setdefault(row["URL"], []).append(k)
    return list(articles.values())


def score_documents(documents, lang: str, perturbation: Perturbation, realign: bool):
    """Strict/lax scores of the sentence aligner over perturbed documents, counts summed; ``documents`` yields
    (source lines, target lines, seed)."""
    golds, preds = [], []
    for src, tgt, seed in documents:
        doc = build_documents(src, tgt, tgt_lang=lang, perturbation=perturbation, seed=seed)
        golds.append(doc.gold)
        aligner = SentenceAligner(pair=f"ar-{lang}", realign=realign)
        preds.append([b.as_pair() for b in aligner.align(doc.src, doc.tgt)])
    return score_sentence_documents(golds, preds)


def sentence_news(realign: bool = False) -> list[str]:
    rows = [
        "| pair | realign | perturbation | documents | lines | F1 strict | F1 lax |",
        "|---|---|---|---|---|---|---|",
    ]
    ar = lines("flores200/flores200.dev.arb_Arab")
    articles = news_articles()
    whole = [[k for article in articles for k in article]] * NEWS_SEEDS
    for lang, name in (("en", "eng_Latn"), ("zh", "zho_Hans")):
        tgt = lines(f"flores200/flores200.dev.{name}")
        for label, pert in (
            ("default (2% del, 4% merge per side)", Perturbation()),
            ("shuffled (default + 3% split per side)", SHUFFLED),
            ("mild (1% del, 2% merge per side)", MILD),
            ("none (all 1-1)", Perturbation(0, 0, 0, 0)),
        ):
            for grouping, documents in (
                ("one per article", articles),
                (f"all articles as one, {NEWS_SEEDS} seeds", whole),
            ):
                s = score_documents(
                    (
                        ([ar[k] for k in article], [tgt[k] for k in article], seed)
                        for seed, article in enumerate(documents)
                    ),
                    lang,
                    pert,
                    realign,
                )
                n = sum(map(len, documents))
                shown = len(documents) if len(documents) == len(articles) else 1
                rows.append(
                    f"| ar-{lang} | {'yes' if realign else 'no'} | {label} | {shown} ({grouping}) | {n} | "
                    f"{s.f1_strict:.3f} | "
                    f"{s.f1_lax:.3f} |"
                )
                print(rows[-1], flush=True)
    return rows


def dev_documents(lang: str) -> list[tuple[list[str], list[str]]]:
    """The development documents: UN devset lines 0-999, ..., 3000-3999, and TICO-19 dev (971 lines)."""
    un_ar, un_tgt = lines("un_v1.0/UNv1.0.devset.ar"), lines(f"un_v1.0/UNv1.0.devset.{lang}")
    documents = [(un_ar[k : k + 1000], un_tgt[k : k + 1000]) for k in range(0, 4000, 1000)]
    return documents + [(lines("tico19/tico19.dev.ar"), lines(f"tico19/tico19.dev.{lang}"))]


def sentence_dev(realign: bool = False, seeds: tuple[int, ...] = (0, 1, 2)) -> list[str]:
    rows = ["| pair | realign | perturbation | documents | F1 strict | F1 lax |", "|---|---|---|---|---|---|"]
    for lang in ("en", "zh"):
        documents = dev_documents(lang)
        for label, pert in (("default", Perturbation()), ("shuffled", SHUFFLED)):
            s = score_documents(
                ((src, tgt, seed * 1000 + k) for seed in seeds for k, (src, tgt) in enumerate(documents)),
                lang,
                pert,
                realign,
            )
            rows.append(
                f"| ar-{lang} | {'yes' if realign else 'no'} | {label} | "
                f"{len(documents) * len(seeds)} ({len(documents)} x {len(seeds)} seeds) | "
                f"{s.f1_strict:.3f} | {s.f1_lax:.3f} |"
            )
            print(rows[-1], flush=True)
    return rows


def timed_align(aligner, src, tgt, extra_src, extra_tgt):
    """The aligner's links for the main pairs, with the extra pairs for statistics, and the seconds it took."""
    started = time.perf_counter()
    links = aligner.align(src, tgt, extra_src=extra_src, extra_tgt=extra_tgt)
    return links, time.perf_counter() - started


def word_speed(backends: list[str]) -> list[str]:
    rows = ["| backend | pairs | direction | seconds | seconds / 10k pairs |", "|---|---|---|---|---|"]
    src, tgt = parallel("en")
    src, tgt = src[:10000], tgt[:10000]
    a = [tokenize(x, "ar") for x in src]
    e = [tokenize(x, "en") for x in tgt]
    for backend in backends:
        _, seconds = timed_align(StatisticalAligner(backend=backend), a, e, (), ())
        rows.append(
            f"| {backend} | {len(a):,} ar-en | both + grow-diag-final-and | {seconds:.1f} | "
            f"{seconds * 10000 / len(a):.1f} |"
        )
        print(rows[-1], flush=True)
    return rows


def tico_terms(lang: str) -> list[tuple[str, str]]:
    column = {"en": "en", "zh": "zh_CN"}[lang]
    with open(DATA / "tico19" / "tico19.terminology.facebook.en-ar-zh.tsv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(r["ar"], f.strip()) for r in rows for f in r[column].split(":") if r["ar"].strip() and f.strip()]


def term_links(backends: list[str]) -> list[str]:
    rows = [
        "| pair | backend | extra pairs | term instances | linked | contained | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for lang in ("en", "zh"):
        src = [tokenize(x, "ar") for x in lines("tico19/tico19.dev.ar")]
        tgt = [tokenize(x, lang) for x in lines(f"tico19/tico19.dev.{lang}")]
        instances = find_term_instances(src, tgt, tico_terms(lang), tgt_lang=lang)
        extra_src, extra_tgt = parallel(lang)
        extra_src, extra_tgt = extra_src[: -len(src)][:10000], extra_tgt[: -len(tgt)][:10000]  # without TICO itself
        ex_s = [tokenize(x, "ar") for x in extra_src]
        ex_t = [tokenize(x, lang) for x in extra_tgt]
        for backend in backends:
            for extra in (False, True):
                links, seconds = timed_align(
                    StatisticalAligner(backend=backend, tgt_lang=lang),
                    src,
                    tgt,
                    ex_s if extra else (),
                    ex_t if extra else (),
                )
                s = score_term_links(instances, links)
                rows.append(
                    f"| ar-{lang} | {backend} | {len(ex_s) if extra else 0:,} | {s.instances} | "
                    f"{s.linked_rate:.3f} | {s.contained_rate:.3f} | {seconds:.1f} |"
                )
                print(rows[-1], flush=True)
    return rows


def zhen_extra() -> tuple[list[str], list[str]]:
    """The zh-en pairs of eval/data (Tatoeba, UN devset, FLORES-200 dev, TICO-19 dev): 10,418 pairs."""
    zh, en = [], []
    for z, e in (
        (
            "tatoeba/tatoeba-test-v2021-08-07.eng-zho.cmnHans.zho",
            "tatoeba/tatoeba-test-v2021-08-07.eng-zho.cmnHans.eng",
        ),
        ("un_v1.0/UNv1.0.devset.zh", "un_v1.0/UNv1.0.devset.en"),
        ("flores200/flores200.dev.zho_Hans", "flores200/flores200.dev.eng_Latn"),
        ("tico19/tico19.dev.zh", "tico19/tico19.dev.en"),
    ):
        zh += lines(z)
        en += lines(e)
    return zh, en


ZHEN_SETTINGS = {  # backend -> (label, StatisticalAligner keyword arguments); the first is the default
    "fastalign": [
        ("default: characters, agreement, grow-diag-final-and", {}),
        ("grow-diag", {"symmetrization": "grow-diag"}),
        ("intersection", {"symmetrization": "intersection"}),
        ("no agreement (directions trained apart, VB)", {"agreement": False}),
        ("no agreement, words as units (before)", {"agreement": False, "zh_chars": False}),
    ],
    "eflomal": [
        ("default: characters, grow-diag-final-and", {}),
        ("grow-diag", {"symmetrization": "grow-diag"}),
        ("intersection", {"symmetrization": "intersection"}),
        ("words as units (before)", {"zh_chars": False}),
    ],
}


def settings_table(
    settings: dict, backends, langs: tuple[str, str], src, tgt, gold_links, extra_src, extra_tgt
) -> list[str]:
    """AER, precision, recall and time of each statistical setting against a gold (the default ones with and
    without the extra pairs); rows printed as they come."""
    rows = ["| backend | setting | extra pairs | AER | P | R | seconds |", "|---|---|---|---|---|---|---|"]
    for backend in backends:
        for label, kwargs in settings[backend]:
            for extra in (False, True) if label.startswith("default") else (True,):
                aligner = StatisticalAligner(backend=backend, src_lang=langs[0], tgt_lang=langs[1], **kwargs)
                links, seconds = timed_align(aligner, src, tgt, extra_src if extra else (), extra_tgt if extra else ())
                s = score_aer(gold_links, links)
                rows.append(
                    f"| {backend} | {label} | {len(extra_src) if extra else 0:,} | {100 * s.aer:.1f} | "
                    f"{100 * s.precision:.1f} | {100 * s.recall:.1f} | {seconds:.1f} |"
                )
                print(rows[-1], flush=True)
    return rows


def zhen_aer(src_tgt: Path, gold: Path, backends: list[str]) -> list[str]:
    """AER on a zh-en gold in awesome-align's layout: 'zh ||| en' lines (pre-segmented words), 1-based gold.

    The gold side is given as whitespace tokens (as ``--tokenized``); the extra corpus is tokenised by the tool
    (Chinese into characters), as ``mt align words --tokenized --corpus`` does."""
    pairs = [line.split(" ||| ") for line in src_tgt.read_text(encoding="utf-8").splitlines()]
    zh = [p[0].split() for p in pairs]
    en = [p[1].split() for p in pairs]
    gold_links = read_alignments(gold, one_based=True)
    if len(gold_links) != len(pairs):
        raise SystemExit(f"{gold}: {len(gold_links)} lines but {src_tgt} has {len(pairs)}")
    ex_zh, ex_en = zhen_extra()
    ex_z = [tokenize(x, "zh") for x in ex_zh]
    ex_e = [tokenize(x, "en") for x in ex_en]
    return settings_table(ZHEN_SETTINGS, backends, ("zh", "en"), zh, en, gold_links, ex_z, ex_e)


def _group_sides(piece: str) -> tuple[list[str], list[str]]:
    """'ar, en' or '[ar, ar], [en, en]' of one group of the MoiMohamed alignment string -> word lists."""
    depth = 0
    for k, char in enumerate(piece):
        depth += char == "["
        depth -= char == "]"
        if char == "," and depth <= 0 and k > 0:
            return _words(piece[:k]), _words(piece[k + 1 :])
    return _words(piece), []


def _words(side: str) -> list[str]:
    side = side.strip()
    if side == ",":
        return [","]
    side = side.strip("[] ")
    return [w for item in side.split(",") for w in item.split()]


def read_aren_gold(path: Path) -> tuple[list[list[str]], list[list[str]], list[Alignment], dict[str, int]]:
    """MoiMohamed/en-ar-word-alignments data/GOLD/gold_test.json -> tokens and sure links.

    Each item has space-tokenised 'ar' and 'en' and an 'alignment_string' of word groups, e.g.
    ``(توصي, [you, recommend]), ([مدخنا, لست], [nonsmoker])``: every Arabic word of a group is linked to every
    English word of it. Words are found by their text; a word that occurs several times in its sentence is
    matched mention by mention when it is mentioned as often as it occurs (``(., .)`` twice for two full
    stops), else to its k-th occurrence as far as there are occurrences (counted as ambiguous). Words not in
    the sentence (``a.m.`` for ``a . m .``) are dropped (counted)."""
    items = json.loads(path.read_text(encoding="utf-8"))
    src, tgt, gold = [], [], []
    stats = {"pairs": len(items), "links": 0, "missing_words": 0, "ambiguous_words": 0}
    for item in items:
        ar, en = item["ar"].split(), item["en"].split()
        text = item["alignment_string"].strip()
        text = text[1:] if text.startswith("(") else text
        text = text[:-1] if text.endswith(")") else text
        groups = [_group_sides(piece) for piece in re.split(r"[)\]]\s*,\s*\(", text)]
        positions = []
        for tokens, side in ((ar, 0), (en, 1)):
            mentions: dict[str, int] = {}
            for group in groups:
                for word in group[side]:
                    mentions[word] = mentions.get(word, 0) + 1
            seen: dict[str, int] = {}
            per_group = []
            for group in groups:
                found = []
                for word in group[side]:
                    occurrences = [k for k, t in enumerate(tokens) if t == word]
                    nth = seen.get(word, 0)
                    seen[word] = nth + 1
                    if not occurrences:
                        stats["missing_words"] += 1
                        continue
                    if len(occurrences) > 1 and mentions[word] != len(occurrences):
                        stats["ambiguous_words"] += 1
                    found.append(occurrences[min(nth, len(occurrences) - 1)])
                per_group.append(found)
            positions.append(per_group)
        links = {(i, j) for src_pos, tgt_pos in zip(*positions) for i in src_pos for j in tgt_pos}
        stats["links"] += len(links)
        src.append(ar)
        tgt.append(en)
        gold.append(Alignment(sure=links))
    return src, tgt, gold, stats


AREN_SETTINGS = {
    "fastalign": [
        ("default: agreement, grow-diag-final-and", {}),
        ("grow-diag", {"symmetrization": "grow-diag"}),
        ("intersection", {"symmetrization": "intersection"}),
        ("no agreement (directions trained apart, VB; before)", {"agreement": False}),
    ],
    "eflomal": [
        ("default: grow-diag-final-and", {}),
        ("grow-diag", {"symmetrization": "grow-diag"}),
        ("intersection", {"symmetrization": "intersection"}),
    ],
}


def aren_aer(gold_json: Path, backends: list[str]) -> list[str]:
    """AER on the MoiMohamed ar-en gold (399 pairs, space-tokenised, sure links only), with the first 10,000
    ar-en pairs of eval/data (UN devset, then Tatoeba) tokenised by the tool as extra text."""
    src, tgt, gold_links, stats = read_aren_gold(gold_json)
    print(f"ar-en gold: {stats}", flush=True)
    ex_ar, ex_en = parallel("en")
    ex_a = [tokenize(x, "ar") for x in ex_ar[:10000]]
    ex_e = [tokenize(x, "en") for x in ex_en[:10000]]
    rows = [
        f"Gold read: {stats['pairs']} pairs, {stats['links']} sure links; {stats['missing_words']} word "
        f"mentions not found in their sentence (dropped), {stats['ambiguous_words']} repeated-word mentions "
        "matched by order without certainty.",
        "",
    ]
    return rows + settings_table(AREN_SETTINGS, backends, ("ar", "en"), src, tgt, gold_links, ex_a, ex_e)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--skip-eflomal", action="store_true", help="Benchmark the numpy fast_align backend only.")
    parser.add_argument(
        "--zhen-gold",
        nargs=2,
        type=Path,
        metavar=("SRC_TGT", "GOLD"),
        help="AER on a zh-en gold in awesome-align's layout (e.g. neulab/awesome-align "
        "examples/zhen.src-tgt and zhen.gold; fetch them yourself, licence unspecified).",
    )
    parser.add_argument(
        "--aren-gold",
        type=Path,
        metavar="GOLD_JSON",
        help="AER on the ar-en gold of MoiMohamed/en-ar-word-alignments (data/GOLD/gold_test.json; "
        "fetch it yourself, no licence stated).",
    )
    parser.add_argument("--realign", action="store_true", help="Sentence tables with the two-pass aligner too.")
    parser.add_argument(
        "--parts",
        nargs="*",
        default=["sizes", "news", "speed", "terms"],
        choices=["dev", "sizes", "news", "speed", "terms"],
        help="Which tables to compute (none: only the gold sets given).",
    )
    parser.add_argument("--write", action="store_true", help=f"Write the tables to {RESULTS.with_suffix('.raw.md')}.")
    args = parser.parse_args()
    backends = ["fastalign"] + ([] if args.skip_eflomal or not eflomal_available() else ["eflomal"])
    sections = [
        f"Machine: {platform.machine()}, {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; command: `.venv/bin/python eval/bench_align.py`"
    ]
    if args.zhen_gold:
        sections += ["## zh-en AER", "", *zhen_aer(*args.zhen_gold, backends)]
    if args.aren_gold:
        sections += ["", "## ar-en AER", "", *aren_aer(args.aren_gold, backends)]
    modes = [False, True] if args.realign else [False]
    parts = {
        "dev": (
            "Sentence alignment on development documents (UN, TICO-19)",
            lambda: [row for r in modes for row in sentence_dev(r)[(2 if r else 0) :]],
        ),
        "sizes": (
            "Sentence alignment by document size",
            lambda: [row for r in modes for row in sentence_sizes(args.sizes, r)[(2 if r else 0) :]],
        ),
        "news": (
            "Sentence alignment of news (FLORES-200 Wikinews)",
            lambda: [row for r in modes for row in sentence_news(r)[(2 if r else 0) :]],
        ),
        "speed": ("Statistical word alignment speed", lambda: word_speed(backends)),
        "terms": ("Term links on TICO-19 dev", lambda: term_links(backends)),
    }
    for part in args.parts:
        title, run = parts[part]
        print(f"## {title}", flush=True)
        sections += ["", f"## {title}", "", *run()]
    if args.write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.with_suffix(".raw.md").write_text("\n".join(sections) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
