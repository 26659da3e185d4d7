"""The document path's cost against plain text of the same sentences, and its memory on a 300-page document.

    python eval/bench_documents.py [--paragraphs 64] [--repeat 3] [--format docx|tmx] [--new-tokens 32] [--beam 4]
                                   [--backend ct2|hf] [--threads T] [--model DIR]
    python eval/bench_documents.py --memory-pages 300 [--format docx|tmx] [--new-tokens 8]

Model: the opus-mt-ar-en-sized model that eval/bench.py builds offline (mt.testing, random weights, the real
architecture) and caches in eval/cache/bench/ (its builder, reused); CTranslate2 int8 by default, the Hugging Face
directory with --backend hf; --model DIR takes another model (a tiny one proves the script runs).

Equal work. The text is eval/bench.py's held-out single-sentence UN lines (from line 1,000 on; FLORES dev when
more are asked for than the UN lines give). Each line is one paragraph of the document, with real inline markup:
a bold run over its 2nd-4th words, an italic run over a later word and, on every other paragraph, a hyperlink
around its last two words (DOCX, built with python-docx; --format tmx writes the same as bpt/ept pairs, a hi and a
ph in each tu's seg). "plain" translates the same lines with Translator.translate (the text path); "document" is
the whole document path on the same loaded Translator: parse the file's bytes, translate_segments (the same
sentences decoded, then the alignment head's forced pass and the tag placement for the tagged segments), render
the file. Random weights never emit </s>: every sentence decodes exactly --new-tokens steps on both paths
(max_length_ratio ~ 0, max_length_extra N, N + 1 on ct2), so the paths decode the same. The model is loaded and
both paths warmed up (on other lines) outside the clocks; --repeat rounds alternate which path goes first; the
ratio is paired by round (median and range). The goal is document <= 1.15x plain.

--memory-pages N builds an N-page document (a page break every 16 paragraphs of UN/FLORES lines, cycled) and
translates it once through Translator.translate_file into a temporary file, and, in another process, the same
paragraphs' text through Translator.translate_stream; peak RSS (VmHWM) is read after the model load and at the
end of each, so the document path's own memory is the difference. Results are printed and written into eval/results/documents.md (between markers).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "eval"))
import bench  # noqa: E402  eval/bench.py: the model builder, the held-out lines, peak_rss_mb
from results_file import write_section  # noqa: E402

RESULTS = REPO / "eval" / "results" / "documents.md"
SPEED = ("<!-- documents:speed:start -->", "<!-- documents:speed:end -->")
MEMORY = ("<!-- documents:memory:start -->", "<!-- documents:memory:end -->")
PARAGRAPHS_PER_PAGE = 16
LINK = "https://www.un.org/ar/"


def lines(count: int, skip: int = 0) -> list[str]:
    """``count`` held-out single-sentence lines: the UN devset's from line 1,000 on, then FLORES dev's."""
    chosen: list[str] = []
    for path, start in ((bench.HELD_OUT, bench.HELD_OUT_FROM), (bench.FLORES, 0)):
        try:
            chosen += bench.bench_lines(path, count + skip - len(chosen), start)
        except SystemExit:  # fewer than asked: take them all, go on to the next file
            chosen += _all_single(path, start)
        if len(chosen) >= count + skip:
            break
    if len(chosen) < count + skip:
        raise SystemExit(f"bench_documents: only {len(chosen)} held-out lines; ask for fewer")
    return chosen[skip : skip + count]


def _all_single(path: Path, start: int) -> list[str]:
    from mt.text.sentences import SENTENCE_MARKS, split_sentences

    out = []
    for line in path.read_text(encoding="utf-8").splitlines()[start:]:
        line = line.strip()
        if (
            line
            and any(c.isalpha() for c in line)
            and len(line.split()) <= bench.MAX_WORDS
            and sum(line.count(m) for m in SENTENCE_MARKS) <= 1
            and len(split_sentences(line)) == 1
        ):
            out.append(line)
    return out


def _runs(line: str, k: int) -> list[tuple[str, str | None]]:
    """A line cut into (text, style) runs: bold over words 2-4, italic over the 6th, a link over the last two
    words of every other line (style None: plain)."""
    words = line.split(" ")
    if len(words) < 8:
        return [(line, None)]
    runs = [
        (" ".join(words[:1]) + " ", None),
        (" ".join(words[1:4]), "bold"),
        (" " + words[4] + " ", None),
        (words[5], "italic"),
    ]
    if k % 2 == 0:
        runs += [(" " + " ".join(words[6:-2]) + " ", None), (" ".join(words[-2:]), "link")]
    else:
        runs += [(" " + " ".join(words[6:]), None)]
    return [(text, style) for text, style in runs if text]


def build_docx(paragraphs: list[str], page_break_every: int | None = None) -> bytes:
    """A DOCX of the paragraphs (python-docx) with bold and italic runs and hyperlinks, right-to-left."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    for k, line in enumerate(paragraphs):
        if page_break_every and k and k % page_break_every == 0:
            document.add_page_break()
        paragraph = document.add_paragraph()
        paragraph._p.get_or_add_pPr().append(OxmlElement("w:bidi"))  # an Arabic paragraph: right to left
        for text, style in _runs(line, k):
            if style == "link":
                relation = document.part.relate_to(LINK, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
                link = OxmlElement("w:hyperlink")
                link.set(qn("r:id"), relation)
                run = OxmlElement("w:r")
                text_element = OxmlElement("w:t")
                text_element.text = text
                text_element.set(qn("xml:space"), "preserve")
                run.append(text_element)
                link.append(run)
                paragraph._p.append(link)
            else:
                run = paragraph.add_run(text)
                run.bold = style == "bold" or None
                run.italic = style == "italic" or None
                run._r.get_or_add_rPr().append(OxmlElement("w:rtl"))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def build_tmx(paragraphs: list[str], page_break_every: int | None = None) -> bytes:  # noqa: ARG001 - no pages
    """A TMX with one tu per paragraph; the same markup as inline codes (bpt/ept bold, hi italic, ph link end)."""
    units = []
    for k, line in enumerate(paragraphs):
        seg = []
        for text, style in _runs(line, k):
            if style == "bold":
                seg.append(f'<bpt i="1">&lt;b&gt;</bpt>{escape(text)}<ept i="1">&lt;/b&gt;</ept>')
            elif style == "italic":
                seg.append(f'<hi type="x-italic">{escape(text)}</hi>')
            elif style == "link":
                seg.append(
                    f'<bpt i="2">&lt;a href="{LINK}"&gt;</bpt>{escape(text)}<ept i="2">&lt;/a&gt;</ept>'
                    '<ph x="3">&lt;br/&gt;</ph>'
                )
            else:
                seg.append(escape(text))
        units.append(f'    <tu tuid="{k + 1}">\n      <tuv xml:lang="ar"><seg>{"".join(seg)}</seg></tuv>\n    </tu>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n  <header creationtool="bench" '
        'creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" srclang="ar" datatype="plaintext"/>\n'
        "  <body>\n" + "\n".join(units) + "\n  </body>\n</tmx>\n"
    ).encode("utf-8")


BUILDERS = {"docx": build_docx, "tmx": build_tmx}


def document_format(name: str):
    from mt.formats.registry import FORMATS

    if name not in FORMATS:
        raise SystemExit(
            f"bench_documents: the {name} format is not in this tree (mt.formats.registry has "
            f"{', '.join(sorted(FORMATS)) or 'none'}); use --format tmx"
        )
    return FORMATS[name]


def translator_for(args):
    from mt.pipeline import Translator

    if args.model:
        model, backend = args.model, None
    else:
        dirs = bench.model_dirs()
        model, backend = (str(dirs["int8"]), "ct2") if args.backend == "ct2" else (str(dirs["hf"]), "hf")
    extra = (
        args.new_tokens + 1
        if (backend or "") == "ct2" or (args.model and (Path(args.model) / "model.bin").exists())
        else args.new_tokens
    )
    return model, Translator(
        {"ar-en": model},
        beam_size=args.beam,
        backend=backend,
        threads=args.threads,
        max_length_ratio=1e-9,
        max_length_extra=extra,
    )


def speed(args) -> str:
    from mt.formats.document import FormatOptions

    fmt = document_format(args.format)
    paragraphs = lines(args.paragraphs)
    data = BUILDERS[args.format](paragraphs)
    start = time.perf_counter()
    model, translator = translator_for(args)
    translator.legs("en")
    load_s = time.perf_counter() - start
    options = FormatOptions(target="en")
    warm = lines(8, skip=args.paragraphs)
    translator.translate(warm)  # warm-up on other lines, outside the clocks: both paths
    warm_doc = fmt.parse(BUILDERS[args.format](warm), "warm", options)
    warm_doc.render(translator.translate_segments(warm_doc.segments, to="en"), options)

    def plain() -> list[str]:
        return [r.translation for r in translator.translate(texts, to="en")]

    def document() -> list[str]:
        parsed = fmt.parse(data, f"bench.{args.format}", options)
        translated = translator.translate_segments(parsed.segments, to="en")
        parsed.render(translated, options)
        return [t.text for t in translated]

    texts = [s.text for s in fmt.parse(data, "bench", options).segments]  # the same text the document path sees
    tagged = sum(1 for s in fmt.parse(data, "bench", options).segments if s.tags)
    times: dict[str, list[float]] = {"plain": [], "document": []}
    outputs: dict[str, list[str]] = {}
    for round_ in range(args.repeat):
        order = [("plain", plain), ("document", document)]
        for name, run in order if round_ % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            outputs[name] = run()
            times[name].append(time.perf_counter() - start)
            print(f"round {round_ + 1} {name}: {times[name][-1]:.2f} s", file=sys.stderr)
    if outputs["plain"] != outputs["document"]:
        raise SystemExit("bench_documents: the document path translated the sentences differently from plain text")
    ratios = [d / p for d, p in zip(times["document"], times["plain"])]
    plain_s, doc_s = statistics.median(times["plain"]), statistics.median(times["document"])
    name = (
        Path(model).name
        if args.model
        else f"opus-mt-ar-en-sized ({'CTranslate2 int8' if args.backend == 'ct2' else 'transformers'}, eval/cache/bench/)"
    )
    return "\n".join(
        [
            f"{args.paragraphs} paragraphs of held-out single-sentence UN lines in a {args.format.upper()} "
            f"({len(data) // 1024} KiB, {tagged} with inline markup: bold, italic, links), model {name}, beam "
            f"{args.beam}, {args.new_tokens} target tokens a sentence, {args.threads or os.cpu_count()} threads; model "
            f"loaded in {load_s:.1f} s and both paths warmed up outside the clocks; {args.repeat} rounds, order "
            "alternating, medians (ranges)",
            "",
            "| path | seconds | ratio |",
            "|---|---|---|",
            f"| plain text (Translator.translate of the same lines) | {plain_s:.2f} ({min(times['plain']):.2f}-"
            f"{max(times['plain']):.2f}) | 1.00x |",
            f"| document (parse + translate_segments + render) | {doc_s:.2f} ({min(times['document']):.2f}-"
            f"{max(times['document']):.2f}) | {statistics.median(ratios):.3f}x ({min(ratios):.3f}-{max(ratios):.3f}x, "
            "paired by round; goal <= 1.15x) |",
        ]
    )


def memory_run(args) -> dict:
    """One path of the memory measurement, in this process (a child of :func:`memory`): the numbers as a dict."""
    from mt.formats.document import FormatOptions

    fmt = document_format(args.format)
    pool = lines(400)
    count = args.memory_pages * PARAGRAPHS_PER_PAGE
    paragraphs = [pool[k % len(pool)] for k in range(count)]
    data = BUILDERS[args.format](paragraphs, PARAGRAPHS_PER_PAGE)
    model, translator = translator_for(args)
    translator.legs("en")
    loaded_mb = bench.peak_rss_mb()
    found = {"model": Path(model).name, "paragraphs": count, "loaded_mb": loaded_mb}
    with tempfile.TemporaryDirectory(prefix="bench-documents-") as folder:
        source = Path(folder) / f"pages.{args.format}"
        source.write_bytes(data)
        found["in_kib"] = len(data) // 1024
        if args.memory_path == "plain":  # the same paragraphs' text through the text path
            texts = [segment.text for segment in fmt.load(source, FormatOptions(target="en")).segments]
            del data
            start = time.perf_counter()
            for _ in translator.translate_stream(texts, to="en"):
                pass
        else:
            del data
            start = time.perf_counter()
            done = translator.translate_file(source, to="en", out=Path(folder) / f"pages.en.{args.format}")
            found["segments"] = done.segments
            found["out_kib"] = (Path(folder) / f"pages.en.{args.format}").stat().st_size // 1024
        found["seconds"] = time.perf_counter() - start
    found["peak_mb"] = bench.peak_rss_mb()
    return found


def memory(args) -> str:
    """The document path's peak memory, and the text path's on the same paragraphs, each in its own process (a
    process's peak resident memory is all it has ever held)."""
    runs = {}
    for path in ("document", "plain"):
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--memory-pages",
            str(args.memory_pages),
            "--memory-path",
            path,
            "--format",
            args.format,
            "--new-tokens",
            str(args.new_tokens),
            "--beam",
            str(args.beam),
            "--backend",
            args.backend,
            "--no-write",
            *(["--threads", str(args.threads)] if args.threads else []),
            *(["--model", args.model] if args.model else []),
        ]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        runs[path] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{path}: {runs[path]}", file=sys.stderr)
    doc, plain = runs["document"], runs["plain"]
    return (
        f"{args.memory_pages}-page {args.format.upper()} ({doc['paragraphs']} paragraphs, {doc['in_kib']} KiB in, "
        f"{doc['out_kib']} KiB out, {doc['segments']} segments), model {doc['model']}, beam {args.beam}, "
        f"{args.new_tokens} target tokens a sentence, each path in its own process, peak RSS (VmHWM):\n\n"
        f"| path | seconds | peak RSS | before the text (Python, libraries, model loaded) | added |\n"
        f"|---|---|---|---|---|\n"
        f"| document (Translator.translate_file) | {doc['seconds']:.0f} | {doc['peak_mb']:.0f} MB | "
        f"{doc['loaded_mb']:.0f} MB | {doc['peak_mb'] - doc['loaded_mb']:.0f} MB |\n"
        f"| plain text of the same paragraphs (Translator.translate_stream) | {plain['seconds']:.0f} | "
        f"{plain['peak_mb']:.0f} MB | {plain['loaded_mb']:.0f} MB | {plain['peak_mb'] - plain['loaded_mb']:.0f} MB |\n\n"
        f"The document path's own cost is the difference: {doc['peak_mb'] - plain['peak_mb']:+.0f} MB; the rest, "
        f"which the text path adds too, is decoding's (beam search over batches of up to --batch-tokens). "
        f"Machine: {os.cpu_count()} CPU cores. Command: `python eval/bench_documents.py {' '.join(sys.argv[1:])}`"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paragraphs", type=int, default=64)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--format", default="docx", choices=sorted(BUILDERS))
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--backend", default="ct2", choices=("ct2", "hf"))
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--model", default=None, help="another model directory (default: the opus-sized one)")
    parser.add_argument("--memory-pages", type=int, default=None)
    parser.add_argument(
        "--memory-path",
        choices=("document", "plain"),
        default=None,
        help="internal: measure one path in this process and print its numbers as JSON",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave eval/results/documents.md")
    args = parser.parse_args(argv)
    if args.memory_pages and args.memory_path:
        print(json.dumps(memory_run(args)))
        return
    if args.memory_pages:
        text, markers = memory(args), MEMORY
    else:
        text, markers = speed(args), SPEED
    print(text)
    if not args.no_write:
        write_section(RESULTS, markers, text, "# Documents: the document path's cost (eval/bench_documents.py)")


if __name__ == "__main__":
    main()
