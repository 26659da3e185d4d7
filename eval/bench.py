"""Speed benchmark: transformers vs CTranslate2, plain libraries vs Tarjama's pipeline, glossary on and off.

    python eval/bench.py [--sentences 48] [--repeat 3] [--threads T] [--new-tokens 32] [--beam 4] [--batch 16]
    python eval/bench.py --lengths natural [--new-tokens 256] ...

Builds the opus-mt-ar-en-sized model offline (mt.testing, random weights, the real architecture: its cost is
the real model's), caches it in eval/cache/bench/, converts it to CTranslate2 (int8 and float32), then runs each
system in a child process of its own:

  a    plain transformers as a new user writes it: MarianTokenizer + MarianMTModel.generate, batches of --batch
  b    Tarjama's transformers backend: mt.pipeline.Translator on the Hugging Face directory
  c    raw ctranslate2.Translator.translate_batch (int8), SentencePiece tokenisation, batches of --batch
  c32  the same on the float32 conversion
  d    Tarjama's CTranslate2 backend: Translator on the int8 directory
  d32  the same on the float32 directory
  t    (d) on TICO-19 dev, without a glossary
  e    (d) on TICO-19 dev with the seed glossary (glossaries/ecommerce.tsv), strict enforcement; its process then
       also times the same sentences with the glossary off and strict alternately (--pairs rounds) on its loaded
       model, the glossary cost measured side by side

Equal work. Every system translates the same lines: the first --sentences single-sentence lines of the UN
devset's Arabic from line 1,000 on (held out: mt.testing trains the tokenisers on the first 1,000 lines of each
eval/data file), lines that Tarjama's splitter keeps whole and that hold one sentence mark at most, so Tarjama's
blocks are exactly --batch lines, decoded as one batch each: the same batches as (a) and (c). (t) and (e) take
such lines from TICO-19 dev, the glossary's field. Random weights never emit </s>, so every system decodes
exactly --new-tokens steps per sentence: transformers generate(min_new_tokens = max_new_tokens = N) (the last
step its forced </s>); CTranslate2 min_decoding_length = max_decoding_length = N; the Translator gets
max_length_ratio ~ 0 and max_length_extra N (hf backend: N steps, the last a forced </s>) or N + 1 (ct2
backend: it leaves the forced </s> step out, so N pieces). Target tokens are the decoding steps taken, counted
in each system from what it returned (pieces plus </s> where one was generated or forced); the bench fails
when a system (other than (e), whose repairs decode more) did not decode exactly N per sentence.

Natural lengths (--lengths natural). The same architecture and seed built with mt.testing's ends_sentences: the
model ends each sentence after a number of pieces that grows with the source's, as a trained model does, so the
systems run at the lengths a user's sentences have. The plain libraries get the limit --new-tokens (default 256:
transformers max_new_tokens, CTranslate2 max_decoding_length), Tarjama its own default limits (2 x the source's
length bucket + 10), as a user runs them; no minimum; every sentence ends before its limit. The steps of each sentence are counted in each system's output. The bench fails when a system's runs decode other
lengths than its first run, and reports (in the note under the table) where a Tarjama row ends a sentence at
another step than the plain library it wraps (SAME_SEARCH); a row against another library's ("lengths as")
shows how many sentences decoded as many steps, and the ratios are given on sentences/s too. Default systems
(a)-(d32); results between the natural-speed markers of eval/results/bench.md.

Every table holds the systems that translate the same lines (LINE_SETS): (t) and (e) have their own, with ratios
to (t).

Timing. Each child process loads its libraries and model first ("load": from the process's start, imports
included, to a loaded model), then the clock starts: "decode" is the translation of all the lines, "first
sentence" the time from the clock's start to the first translated sentence (the first batch). Target tokens/s
and sentences/s are over the decoding only. Peak memory: VmHWM of the child (Python, imports and model).
--repeat N runs every system N times, interleaved; the table shows each system's median-throughput run and
the range over its runs. Results are printed and written into eval/results/bench.md (between the speed markers).
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable, Iterator  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # eval/: results_file, also when loaded by path
from results_file import write_section  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "eval" / "cache" / "bench"
FLORES = REPO / "eval" / "data" / "flores200" / "flores200.dev.arb_Arab"
HELD_OUT = REPO / "eval" / "data" / "un_v1.0" / "UNv1.0.devset.ar"
HELD_OUT_FROM = 1000  # mt.testing (corpus.LINES_PER_FILE) trains the tokenisers on the lines before this one
TICO = REPO / "eval" / "data" / "tico19" / "tico19.dev.ar"
GLOSSARY = REPO / "glossaries" / "ecommerce.tsv"
RESULTS = REPO / "eval" / "results" / "bench.md"
MAX_WORDS = 60  # single-sentence lines of at most this many words (so no line is chunked)
SYSTEMS = {
    "a": "transformers generate (plain)",
    "b": "Tarjama, hf backend",
    "c": "ctranslate2 raw, int8",
    "c32": "ctranslate2 raw, float32",
    "d": "Tarjama, ct2 backend, int8",
    "d32": "Tarjama, ct2 backend, float32",
    "t": "Tarjama, ct2 int8, TICO-19, no glossary",
    "e": "Tarjama, ct2 int8, TICO-19, glossary",
}
MARKERS = ("<!-- bench:speed:start -->", "<!-- bench:speed:end -->")
NATURAL_MARKERS = ("<!-- bench:speed-natural:start -->", "<!-- bench:speed-natural:end -->")
# each table holds the systems that translate the same lines, with the baselines their ratios are taken to
LINE_SETS = (
    ("the held-out UN devset lines", ("a", "b", "c", "c32", "d", "d32"), ("a", "c")),
    ("the TICO-19 dev lines", ("t", "e"), ("t",)),
)
SAME_SEARCH = {"b": "a", "d": "c", "d32": "c32"}  # the same library, weights and compute type
NATURAL_LIMIT = 256  # --lengths natural: the decoding limit (the model ends every bench line well before)


def peak_rss_mb() -> float:
    """High-water mark of this process's resident memory (VmHWM), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def model_dirs(lengths: str = "fixed") -> dict[str, Path]:
    """Build (once) the opus-mt-ar-en-sized model and its int8 and float32 conversions: for --lengths natural, the
    same architecture and seed built with `ends_sentences` (it ends each sentence after a number of pieces that
    grows with the source's)."""
    from mt.models.convert import convert
    from mt.testing import build_model

    name = "opus-mt-ar-en-size" + ("-ends" if lengths == "natural" else "")
    dirs = {
        "hf": CACHE / name,
        "int8": CACHE / f"{name}-ct2-int8",
        "float32": CACHE / f"{name}-ct2-float32",
    }
    if not (dirs["hf"] / "model.safetensors").exists():
        print(f"building the opus-mt-ar-en-sized model (random weights, {lengths} lengths) ...", file=sys.stderr)
        build_model(dirs["hf"], size="opus-mt-ar-en", pair="ar-en", seed=0, ends_sentences=lengths == "natural")
    for quantization in ("int8", "float32"):
        if not (dirs[quantization] / "model.bin").exists():
            print(f"converting it to CTranslate2 {quantization} ...", file=sys.stderr)
            convert(str(dirs["hf"]), dirs[quantization], quantization=quantization, force=True)
    return dirs


def bench_lines(path: Path, count: int, skip: int = 0) -> list[str]:
    """The first `count` lines of `path` from line `skip` on that Tarjama translates as one sentence each: its
    splitter keeps them whole, they hold one sentence mark at most (so its blocks count one unit per line) and
    at most MAX_WORDS words (so none is chunked)."""
    from mt.text.sentences import SENTENCE_MARKS, split_sentences

    chosen = []
    for line in path.read_text(encoding="utf-8").splitlines()[skip:]:
        line = line.strip()
        if (
            line
            and any(c.isalpha() for c in line)
            and len(line.split()) <= MAX_WORDS
            and sum(line.count(mark) for mark in SENTENCE_MARKS) <= 1
            and len(split_sentences(line)) == 1
        ):
            chosen.append(line)
            if len(chosen) == count:
                return chosen
    raise SystemExit(
        f"bench: only {len(chosen)} single-sentence lines in {path.relative_to(REPO)}; ask for fewer (--sentences)"
    )


def system_lines(system: str, count: int) -> list[str]:
    return bench_lines(TICO, count) if system in ("t", "e") else bench_lines(HELD_OUT, count, HELD_OUT_FROM)


# -- the systems, each run in a child process: load(args) loads the model and returns decode(lines), which
# -- yields the decoding steps of each sentence, a batch at a time ------------------------------------------------
Decode = Callable[[list[str]], Iterator[list[int]]]


def load_plain_transformers(args) -> Decode:
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    torch.set_num_threads(args.threads)
    tokenizer = MarianTokenizer.from_pretrained(args.model)
    model = MarianMTModel.from_pretrained(args.model).eval()
    at_least = {"min_new_tokens": args.new_tokens} if args.lengths == "fixed" else {}

    def decode(lines: list[str]) -> Iterator[list[int]]:
        for start in range(0, len(lines), args.batch):
            batch = tokenizer(lines[start : start + args.batch], return_tensors="pt", padding=True)
            with torch.inference_mode():
                out = model.generate(**batch, num_beams=args.beam, max_new_tokens=args.new_tokens, **at_least)
            tokenizer.batch_decode(out, skip_special_tokens=True)
            yield (out[:, 1:] != model.config.pad_token_id).sum(dim=1).tolist()

    return decode


def load_raw_ctranslate2(args) -> Decode:
    import ctranslate2
    import sentencepiece as spm

    source = spm.SentencePieceProcessor(model_file=str(Path(args.model) / "source.spm"))
    target = spm.SentencePieceProcessor(model_file=str(Path(args.model) / "target.spm"))
    translator = ctranslate2.Translator(args.model, device="cpu", inter_threads=1, intra_threads=args.threads)

    def decode(lines: list[str]) -> Iterator[list[int]]:
        for start in range(0, len(lines), args.batch):
            pieces = [p + ["</s>"] for p in source.encode(lines[start : start + args.batch], out_type=str)]
            results = translator.translate_batch(
                pieces,
                beam_size=args.beam,
                max_input_length=0,
                max_decoding_length=args.new_tokens,
                min_decoding_length=args.new_tokens if args.lengths == "fixed" else 1,
                return_end_token=True,
            )
            for result in results:
                target.decode_pieces([p for p in result.hypotheses[0] if p != "</s>"])
            yield [len(result.hypotheses[0]) for result in results]

    return decode


class CountingBackend:
    """A decoding backend (mt.backends.base.Backend) that passes every call on to `inner` and records the
    decoding steps of each hypothesis it returns: its pieces, plus the </s> it generated, or the one the hf
    backend forces at the limit (the ct2 backend spends no step on that one). `total` adds up every decode (a
    glossary repair's too); `first` holds each source's first decode, by its pieces (the Translator decodes
    length buckets, not lines in order)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.vocab = inner.vocab
        self.max_positions = inner.max_positions
        self.name = inner.name
        self.total = 0
        self.first: dict[tuple[str, ...], int] = {}

    def translate_batch(
        self, sources, options, target_prefix=None, suppress_sequences=None, return_attention: bool = False
    ):
        hypotheses = self.inner.translate_batch(
            sources,
            options,
            target_prefix=target_prefix,
            suppress_sequences=suppress_sequences,
            return_attention=return_attention,
        )
        steps = [len(h.pieces) + (1 if h.finished or self.name == "hf" else 0) for h in hypotheses]
        self.total += sum(steps)
        for source, count in zip(sources, steps):
            self.first.setdefault(tuple(source), count)
        return hypotheses

    def attention_batch(self, sources, targets, layer: int = -1, head: int = 0):
        return self.inner.attention_batch(sources, targets, layer=layer, head=head)

    def attention(self, source, target, layer: int = -1, head: int = 0):
        return self.attention_batch([source], [target], layer=layer, head=head)[0]


def load_translator(args) -> Decode:
    from mt.glossary import Glossary
    from mt.pipeline import Translator
    from mt.settings import DecodingSettings

    glossary = Glossary.load(GLOSSARY) if args.glossary else None
    backend = "hf" if args.system == "b" else "ct2"
    # number enforcement off: random weights never write the source's numbers, so each would be a repair that
    # the plain libraries do not make (the glossary system (e) measures repairs)
    extra = args.new_tokens if backend == "hf" else args.new_tokens + 1
    # natural lengths: Tarjama's own default limits (DecodingSettings), as a user runs it; the sentences end
    # long before them, and the bench reports any sentence whose length differs from the plain library's
    ratio, extra = (
        (1e-9, extra)
        if args.lengths == "fixed"
        else (DecodingSettings.max_length_ratio, DecodingSettings.max_length_extra)
    )
    # blocks of --batch lines (one unit each, see bench_lines), each decoded as one batch (a budget no block of
    # short lines reaches): the batches of (a) and (c)
    translator = Translator(
        {"ar-en": args.model},
        beam_size=args.beam,
        backend=backend,
        threads=args.threads,
        max_length_ratio=ratio,
        max_length_extra=extra,
        glossary=glossary,
        block_units=args.batch,
        batch_tokens=args.batch * 4096,
        numbers="off",
    )
    [leg] = translator.legs("en")  # loads the model
    counting = CountingBackend(leg.backend)
    leg.backend = counting
    args.translator, args.counting = translator, counting

    def decode(lines: list[str]) -> Iterator[list[int]]:
        done = 0
        for _ in translator.translate_stream(lines, to="en"):
            done += 1
            if done % args.batch == 0 or done == len(lines):  # a block's lines come out together
                block = lines[(done - 1) // args.batch * args.batch : done]
                yield [counting.first[tuple(leg.pieces(line))] for line in block]

    return decode


def paired_glossary_cost(translator, lines: list[str], rounds: int) -> list[float]:
    """Glossary cost measured side by side in one process: the same loaded model translates the lines with the
    glossary off and strict, alternately, `rounds` times; returns the strict/off time ratio of each round (load
    from other work hits both halves of a round alike, which separate processes do not guarantee)."""
    ratios = []
    for _ in range(rounds):
        seconds = {}
        for mode in ("off", "strict"):
            translator.glossary_mode = mode
            begin = time.perf_counter()
            for _ in translator.translate_stream(lines, to="en"):
                pass
            seconds[mode] = time.perf_counter() - begin
        ratios.append(seconds["strict"] / seconds["off"])
    return ratios


LOADERS = {"a": load_plain_transformers, "c": load_raw_ctranslate2, "c32": load_raw_ctranslate2}


def child(args) -> None:
    lines = system_lines(args.system, args.sentences)
    decode = LOADERS.get(args.system, load_translator)(args)
    loaded, cpu_loaded = time.perf_counter(), time.process_time()
    steps: list[int] = []
    first = None
    for batch_steps in decode(lines):
        first = first or time.perf_counter()
        steps += batch_steps
    end, cpu_end = time.perf_counter(), time.process_time()
    rss = peak_rss_mb()
    counting = getattr(args, "counting", None)
    tokens = counting.total if counting is not None else sum(steps)  # with a glossary's repairs
    if len(steps) != len(lines) or (args.lengths == "fixed" and args.system != "e" and tokens != sum(steps)):
        raise SystemExit(
            f"bench: system {args.system} gave {len(steps)} outputs for {len(lines)} sentences and decoded "
            f"{tokens} steps, {sum(steps)} in their first decodes; the comparison would not be on equal work"
        )
    if args.lengths == "fixed" and args.system != "e" and steps != [args.new_tokens] * len(lines):
        raise SystemExit(
            f"bench: system {args.system} did not decode {args.new_tokens} steps for each of the "
            f"{len(lines)} sentences: {len(steps)} outputs, steps {sorted(set(steps))}, "
            f"{sum(steps)} in all; the comparison would not be on equal work"
        )
    terms = paired = None
    if args.system in ("t", "e"):
        terms = [args.translator.stats.terms_found, args.translator.stats.terms_present]
    if args.system == "e":
        paired = paired_glossary_cost(args.translator, lines, args.pairs)
    print(
        json.dumps(
            {
                "system": args.system,
                "sentences": len(lines),
                "outputs": len(steps),
                "tokens": tokens,
                "steps": steps,
                "load": loaded - START,
                "seconds": end - loaded,
                "cpu": cpu_end - cpu_loaded,
                "first": (first or end) - loaded,
                "rss_mb": rss,
                "terms": terms,
                "paired": paired,
            }
        )
    )


def run_child(system: str, model: Path, args) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        system,
        "--model",
        str(model),
        "--sentences",
        str(args.sentences),
        "--threads",
        str(args.threads),
        "--new-tokens",
        str(args.new_tokens),
        "--beam",
        str(args.beam),
        "--batch",
        str(args.batch),
        "--pairs",
        str(args.pairs),
        "--lengths",
        args.lengths,
    ]
    command += ["--glossary"] if system == "e" else []
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "PYTHONWARNINGS": "ignore",
    }
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO)
    if done.returncode != 0:
        raise SystemExit(f"bench: system {system} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- agreement: the same tokens on both backends ---------------------------------------------------------------
def teacher_forced_means(hf, sources: list[list[str]], hypotheses) -> list[float]:
    """Mean token log-prob of each hypothesis under the transformers model (the meaning of Hypothesis.score;
    a sentence cut at the limit counts the </s> forced there as log-prob 0)."""
    import torch

    means = []
    for source, hyp in zip(sources, hypotheses):
        input_ids, mask = hf._encode([source])
        ids = hf.vocab.target_ids(hyp.pieces) + ([hf.vocab.eos_id] if hyp.finished else [])
        decoder = torch.tensor([[hf.pad_id] + ids[:-1]] if ids else [[hf.pad_id]])
        with torch.inference_mode():
            logits = hf.model(input_ids=input_ids, attention_mask=mask, decoder_input_ids=decoder).logits
        log_probs = torch.log_softmax(logits[0], -1)
        total = sum(float(log_probs[j, i]) for j, i in enumerate(ids))
        means.append(total / (len(ids) if hyp.finished else len(ids) + 1))
    return means


def agreement(name: str, hf_dir: Path, ct2_dir: Path, lines: list[str], limit: int, threads: int) -> str:
    """Greedy float32 decoding of `lines` on both backends: share identical, first divergences, scores."""
    import statistics

    from mt.backends.base import DecodeOptions
    from mt.backends.ct2 import CTranslate2Backend
    from mt.backends.hf import TransformersBackend

    hf = TransformersBackend(hf_dir, threads=threads)
    ct2 = CTranslate2Backend(ct2_dir, threads=threads, compute_type="float32")
    sources = [hf.vocab.encode_source(line)[:200] for line in lines]
    options = DecodeOptions(beam_size=1, max_decoding_length=limit)
    ours, theirs = [], []
    for start in range(0, len(sources), 16):
        ours += ct2.translate_batch(sources[start : start + 16], options)
        theirs += hf.translate_batch(sources[start : start + 16], options)
    same = [a.pieces == b.pieces and a.finished == b.finished for a, b in zip(ours, theirs)]
    firsts = [
        next((k for k, (x, y) in enumerate(zip(a.pieces, b.pieces)) if x != y), min(len(a.pieces), len(b.pieces)))
        for a, b, s in zip(ours, theirs, same)
        if not s
    ]
    checked = [i for i, s in enumerate(same) if s][:64]
    reference = teacher_forced_means(hf, [sources[i] for i in checked], [ours[i] for i in checked])
    gaps = [abs(ours[i].score - r) for i, r in zip(checked, reference)]
    distinct = len({tuple(h.pieces) for h in theirs})
    divergence = (
        f"first divergence at piece {min(firsts)}-{max(firsts)} (median {statistics.median(firsts):g})"
        if firsts
        else "no divergence"
    )
    return (
        f"| {name} | {len(lines)} | {sum(same)} ({sum(same) / len(same):.1%}) | {distinct} | {divergence} | "
        f"{max(gaps) if gaps else float('nan'):.1e} |"
    )


def run_agreement(args, dirs: dict[str, Path]) -> str:
    """Agreement on FLORES dev: tiny models (all 997 lines) and the base-size model (first --sentences)."""
    import subprocess as sp

    lines = FLORES.read_text(encoding="utf-8").splitlines()
    tiny = {"tiny": CACHE / "tiny-ar-en", "sharp": CACHE / "tiny-ar-en-sharp"}
    if not (tiny["tiny"] / "model.safetensors").exists():
        sp.run([sys.executable, "-m", "mt.testing", str(tiny["tiny"]), "--size", "tiny", "--seed", "1"], check=True)
    if not (tiny["sharp"] / "model.safetensors").exists():
        sys.path.insert(0, str(REPO))
        from tests.test_ct2_backend import sharpen

        sharpen(tiny["tiny"], tiny["sharp"])
    from mt.models.convert import convert

    converted = {}
    for key, path in tiny.items():
        converted[key] = path.with_name(path.name + "-ct2-float32")
        if not (converted[key] / "model.bin").exists():
            convert(str(path), converted[key], quantization="float32", force=True)
    rows = [
        "| model | sentences | identical tokens | distinct outputs | where the others diverge | max score gap |",
        "|---|---:|---:|---:|---|---:|",
    ]
    rows.append(agreement("tiny (mt.testing)", tiny["tiny"], converted["tiny"], lines, 30, args.threads))
    rows.append(
        agreement(
            "tiny, sharp weights (std 0.3, </s> bias 8)", tiny["sharp"], converted["sharp"], lines, 30, args.threads
        )
    )
    rows.append(
        agreement(
            "opus-mt-ar-en size", dirs["hf"], dirs["float32"], lines[: args.sentences], args.new_tokens, args.threads
        )
    )
    return "\n".join(
        [
            f"## Backend agreement ({time.strftime('%Y-%m-%d')})",
            "",
            f"`python eval/bench.py --agreement --sentences {args.sentences}`: greedy decoding, CTranslate2 "
            f"float32 compute, FLORES-200 dev Arabic, same model on both backends (limit 30 tokens for the "
            f"tiny models, {args.new_tokens} for the base size). Identical = same pieces and same finished "
            "flag. Score gap: CTranslate2's Hypothesis.score against the teacher-forced mean log-prob of "
            "the same tokens under transformers (up to 64 identical sentences per model; the hf backend's "
            "own score is the same quantity, read off its search).",
            "",
            *rows,
        ]
    )


def _rate(r: dict) -> float:
    return r["tokens"] / r["seconds"]


def _spread(values: list[float], fmt: str, suffix: str = "") -> str:
    """`median` alone for one run, `median (min-max)` for several."""
    middle = format(statistics.median(values), fmt) + suffix
    if len(values) < 2:
        return middle
    return f"{middle} ({format(min(values), fmt)}-{format(max(values), fmt)}{suffix})"


def length_differences(steps: list[int], reference: list[int]) -> int:
    """Sentences (the same lines, in order) whose decoding steps differ from the reference's."""
    if len(steps) != len(reference):
        raise ValueError(f"{len(steps)} sentences against the reference's {len(reference)}")
    return sum(a != b for a, b in zip(steps, reference))


def check_equal_work(runs: dict[str, list[dict]]) -> list[str]:
    """What breaks equal work: a system whose runs decoded other lengths than its first run, or whose lengths
    differ from the system that runs the same search (SAME_SEARCH: the same library, weights and compute type,
    Tarjama's row against the plain one). Empty when the work is equal."""
    problems = []
    for key, measured in runs.items():
        first = measured[0]["steps"]
        if any(r["steps"] != first for r in measured[1:]):
            problems.append(f"({key}) decoded other lengths in another run")
        base = SAME_SEARCH.get(key)
        if base in runs:
            differ = length_differences(first, runs[base][0]["steps"])
            if differ:
                problems.append(
                    f"({key}) ended {differ} of {len(first)} sentences at another step than ({base}) "
                    f"({sum(first)} against {sum(runs[base][0]['steps'])} target tokens)"
                )
    return problems


def _ratio_cell(runs: dict[str, list[dict]], key: str, base: str, rate: Callable[[dict], float]) -> str:
    """Ratio of `key`'s rate to `base`'s, taken round by round (the runs of one round ran one after another)."""
    if base not in runs:
        return "-"
    return _spread([rate(r) / rate(b) for r, b in zip(runs[key], runs[base])], ".2f", "x")


def _per_sentence(r: dict) -> float:
    return r["sentences"] / r["seconds"]


def table(runs: dict[str, list[dict]], systems: tuple[str, ...], baselines: tuple[str, ...], natural: bool) -> str:
    """One row per system of `systems` (all on the same lines): its median-throughput run, with the range over
    its runs in parentheses; ratios to each of `baselines` (on tokens/s and, at natural lengths, where the systems
    may decode different lengths, on sentences/s too); "lengths as" counts the sentences that decoded as many
    steps as in the first baseline."""
    bases = [b for b in baselines if b in runs]
    ratio_heads = [f"vs ({b}) tokens/s" for b in bases] + ([f"vs ({b}) sentences/s" for b in bases] if natural else [])
    head = ["system", "sentences", "target tokens", f"lengths as ({bases[0]})" if bases else "lengths", "load s"]
    head += ["first sentence s", "decode s", "tokens/s", "sentences/s", *ratio_heads, "peak RSS MB"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for key in [k for k in systems if k in runs]:
        measured = runs[key]
        median = sorted(measured, key=_rate)[len(measured) // 2]
        same = (
            f"{median['sentences'] - length_differences(median['steps'], runs[bases[0]][0]['steps'])}/"
            f"{median['sentences']}"
            if bases
            else "-"
        )
        ratios = [_ratio_cell(runs, key, b, _rate) for b in bases]
        ratios += [_ratio_cell(runs, key, b, _per_sentence) for b in bases] if natural else []
        cells = [
            f"({key}) {SYSTEMS[key]}",
            str(median["sentences"]),
            str(median["tokens"]),
            same,
            _spread([r["load"] for r in measured], ".2f"),
            _spread([r["first"] for r in measured], ".2f"),
            _spread([r["seconds"] for r in measured], ".1f"),
            _spread([_rate(r) for r in measured], ".0f"),
            _spread([_per_sentence(r) for r in measured], ".2f"),
            *ratios,
            f"{max(r['rss_mb'] for r in measured):.0f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def tables(runs: dict[str, list[dict]], natural: bool) -> list[str]:
    """A table per line set (LINE_SETS): a row is only ever compared with rows on the same lines."""
    out = []
    for name, systems, baselines in LINE_SETS:
        if any(k in runs for k in systems):
            out += [f"On {name}:", "", table(runs, systems, baselines, natural), ""]
    return out


def write_results(text: str, markers: tuple[str, str] = MARKERS) -> None:
    write_section(RESULTS, markers, text, "# Benchmarks")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sentences",
        type=int,
        default=48,
        help="Single-sentence lines per system: held-out UN devset Arabic ((t), (e): TICO-19 dev).",
    )
    parser.add_argument("--threads", type=int, default=None, help="CPU threads per system (default: all cores).")
    parser.add_argument(
        "--lengths",
        choices=("fixed", "natural"),
        default="fixed",
        help="fixed: every sentence decodes --new-tokens steps (random weights never end one); natural: a model "
        "of the same architecture that ends each sentence after a number of pieces that grows with the source.",
    )
    parser.add_argument(
        "--new-tokens",
        type=int,
        default=None,
        help=f"Decoding steps per sentence (fixed, default 32) or the decoding limit (natural, default "
        f"{NATURAL_LIMIT}), for every system.",
    )
    parser.add_argument("--beam", type=int, default=4, help="Beam size, for every system.")
    parser.add_argument("--batch", type=int, default=16, help="Sentences per batch, for every system.")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="Interleaved rounds; each system reports its median-throughput run and the range.",
    )
    parser.add_argument("--systems", default=None, help="Comma-separated systems (default: all; natural: a-d32).")
    parser.add_argument("--no-write", action="store_true", help="Print only; do not update eval/results/bench.md.")
    parser.add_argument(
        "--pairs",
        type=int,
        default=5,
        help="(e) also times glossary off/strict alternately in its own process this many times.",
    )
    parser.add_argument(
        "--agreement", action="store_true", help="Measure token agreement of the hf and ct2 backends instead of speed."
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--glossary", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads is None:  # the parent decides, so that a child imports nothing but its own system
        args.threads = max(1, len(os.sched_getaffinity(0)))
    if args.new_tokens is None:
        args.new_tokens = 32 if args.lengths == "fixed" else NATURAL_LIMIT
    if args.systems is None:
        args.systems = ",".join(SYSTEMS if args.lengths == "fixed" else list(SYSTEMS)[:6])
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        args.system = args.child
        child(args)
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    dirs = model_dirs(args.lengths)
    if args.agreement:
        text = run_agreement(args, dirs)
        print(text)
        if not args.no_write:
            write_results(text, ("<!-- bench:agreement:start -->", "<!-- bench:agreement:end -->"))
        return
    chosen = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SYSTEMS]
    if unknown:
        raise SystemExit(f"bench: unknown systems {unknown}; choose from {', '.join(SYSTEMS)}")
    before = os.getloadavg()
    runs = run_rounds(args, dirs, chosen)
    problems = check_equal_work(runs)
    if problems and args.lengths == "fixed":
        raise SystemExit("bench: unequal work: " + "; ".join(problems))
    text = report(args, runs, problems, (before, os.getloadavg()))
    print(text)
    if not args.no_write:
        # a run without the plain transformers baseline (a) goes to a section of its own, beside the full table
        markers = MARKERS if "a" in runs else ("<!-- bench:speed-subset:start -->", "<!-- bench:speed-subset:end -->")
        write_results(text, NATURAL_MARKERS if args.lengths == "natural" else markers)
        print(f"\nwritten to {RESULTS.relative_to(REPO)}", file=sys.stderr)


def run_rounds(args, dirs: dict[str, Path], chosen: list[str]) -> dict[str, list[dict]]:
    """Every chosen system --repeat times, in interleaved rounds (so that load from other work spreads over all)."""
    models = {"a": "hf", "b": "hf", "c": "int8", "c32": "float32", "d": "int8", "d32": "float32"}
    runs: dict[str, list[dict]] = {system: [] for system in chosen}
    for round_ in range(args.repeat):
        for system in chosen:
            print(f"running ({system}) {SYSTEMS[system]} [{round_ + 1}/{args.repeat}] ...", file=sys.stderr)
            r = run_child(system, dirs[models.get(system, "int8")], args)
            runs[system].append(r)
            print(
                f"  {_rate(r):.0f} tokens/s ({r['tokens']} in {r['seconds']:.1f} s), load {r['load']:.2f} s, "
                f"first sentence {r['first']:.2f} s, {r['rss_mb']:.0f} MB",
                file=sys.stderr,
            )
    return runs


def machine_note(args) -> str:
    import platform

    import ctranslate2
    import torch
    import transformers

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"Machine: {cpu}, {os.cpu_count()} cores, {args.threads} threads per system (torch.set_num_threads / "
        f"CTranslate2 intra_threads, inter_threads 1). torch {torch.__version__}, transformers "
        f"{transformers.__version__}, ctranslate2 {ctranslate2.__version__}."
    )


def work_note(args, runs: dict[str, list[dict]], problems: list[str]) -> str:
    """How the bench made the work equal (fixed) or what each system decoded (natural)."""
    steps = args.new_tokens
    if args.lengths == "fixed":
        return (
            f"Equal work: every sentence decodes exactly {steps} steps in every system (random weights never emit "
            f"</s>), counted from each system's output, the bench failing otherwise: transformers min_new_tokens = "
            f"max_new_tokens = {steps} (the last step its forced </s>); CTranslate2 min_decoding_length = "
            f"max_decoding_length = {steps}; Translator max_length_ratio 1e-9 with max_length_extra {steps} (hf "
            f"backend) or {steps + 1} (ct2 backend, which spends no step on the </s> that transformers forces at "
            f"the limit); Tarjama's number enforcement off. (e) decodes more: its repairs."
        )
    cut = {k: sum(s >= steps for s in rs[0]["steps"]) for k, rs in runs.items()}
    lengths = [s for rs in runs.values() for s in rs[0]["steps"]]
    return (
        f"Natural lengths: the model (same architecture and seed, built with mt.testing's ends_sentences) ends each "
        f"sentence by itself after a number of pieces that grows with the source's; the plain libraries decode under a "
        f"limit of {steps} steps (transformers max_new_tokens, CTranslate2 max_decoding_length), Tarjama under its "
        f"default limits (2 x the source's length bucket + 10; its number enforcement off) and the steps of each sentence are counted in each "
        f"system's output, </s> included: {min(lengths)}-{max(lengths)} steps a sentence; sentences cut at the "
        f'limit: {sum(cut.values())}. "lengths as" counts the sentences that decoded as many steps as in the '
        f"table's first system; the ratios are given on tokens/s and on sentences/s. Same search, same lengths "
        f"((b) = (a), (d) = (c), (d32) = (c32)): " + ("yes." if not problems else "NO: " + "; ".join(problems) + ".")
    )


def report(args, runs: dict[str, list[dict]], problems: list[str], loads: tuple) -> str:
    notes = [
        "Model: opus-mt-ar-en architecture (transformer-base, 6+6 layers, d_model 512, 62,834 ids), random "
        "weights built by mt.testing; CTranslate2 conversions by `mt models convert`.",
        f"Input, the same for every system of a table: {args.sentences} single-sentence lines of the UN devset's "
        f"Arabic, held out (from line {HELD_OUT_FROM + 1} on; mt.testing trains the tokenisers on the lines "
        f"before), lines that Tarjama's splitter keeps whole; (t) and (e): such lines of TICO-19 dev, the "
        f"glossary's field, in a table of their own. Beam {args.beam}, batches of {args.batch} for every system "
        f"(Tarjama: blocks of {args.batch} lines, decoded in batches of one source-length bucket).",
        work_note(args, runs, problems),
        "Timing: each system in a process of its own; load = from the process's start (imports included) to a "
        "loaded model; then the clock starts: first sentence = until the first batch is translated; decode s, "
        "tokens/s and sentences/s = the translation of all the lines. Peak RSS: VmHWM of the process (Python, "
        "imports and model included), the largest of its runs.",
        machine_note(args) + f" Load average (1 min) {loads[0][0]:.1f} at the start, {loads[1][0]:.1f} at the end.",
        f"Each system ran {args.repeat} time(s), interleaved: each cell is the median-throughput run's value "
        "(memory: the largest), with the range over the runs in parentheses; the ratios are taken round by round.",
        f"Command: `python eval/bench.py {' '.join(sys.argv[1:])}`, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} "
        "UTC.",
    ]
    notes += glossary_notes(args, runs)
    natural = args.lengths == "natural"
    title = ("Speed at natural lengths" if natural else "Speed") + (
        "" if "a" in runs else f", systems {', '.join(runs)} only"
    )
    if args.repeat < 2 or args.sentences < 48:
        title += (
            f": SMOKE RUN ({args.sentences} lines, {args.repeat} run(s)), a check that the bench works, "
            f"not figures to quote"
        )
    return "\n".join(
        [f"## {title} ({time.strftime('%Y-%m-%d')})", "", *tables(runs, natural), *[f"- {n}" for n in notes]]
    )


def glossary_notes(args, runs: dict[str, list[dict]]) -> list[str]:
    notes = []
    if runs.get("e") and runs["e"][0].get("terms"):
        found, present = runs["e"][0]["terms"]
        notes.append(
            f"(e): {found} glossary terms matched in the {args.sentences} TICO-19 lines, {present} present "
            f"in the output (random weights never produce a term, so each is placed by a repair)."
        )
    paired = [ratio for r in runs.get("e", []) for ratio in (r.get("paired") or [])]
    if paired:
        notes.append(
            f"Glossary cost (goal at most 1.3x), measured side by side in one process (the (e) model "
            f"translating the same lines with the glossary off and strict, alternately, {len(paired)} "
            f"times): median {statistics.median(paired):.2f}x the time (range {min(paired):.2f}-"
            f"{max(paired):.2f}x). This is the seed glossary on TICO-19, few terms per sentence; "
            f"eval/results/glossary.md measures a denser term table."
        )
    if runs.get("e") and runs.get("t"):
        walls = [e["seconds"] / t["seconds"] for e, t in zip(runs["e"], runs["t"])]
        notes.append(
            f"Glossary cost between separate processes, (e) vs (t): {_spread(walls, '.2f', 'x')} the "
            f"decoding time (noisier: the two processes run at different moments)."
        )
    return notes


if __name__ == "__main__":
    main()
