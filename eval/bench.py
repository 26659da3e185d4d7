"""Speed benchmark: transformers vs CTranslate2, plain libraries vs Tarjama's pipeline, glossary on and off.

    python eval/bench.py [--sentences 64] [--threads T] [--new-tokens 32] [--beam 4] [--batch 16]

Builds the opus-mt-ar-en-sized model offline (mt.testing, random weights, the real architecture: its cost is
the real model's), caches it in eval/cache/bench/, converts it to CTranslate2 (int8 and float32), then runs each
system in a child process of its own on FLORES-200 dev Arabic sentences (TICO-19 dev for the glossary pair):

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

Random weights never emit </s>, so every system decodes a fixed number of steps per sentence (--new-tokens N):
transformers generate(min_new_tokens=N, max_new_tokens=N); CTranslate2 min_decoding_length = max_decoding_length
= N; the Translator gets max_length_ratio ~ 0 and max_length_extra N (hf backend: N steps, the last a forced
</s>) or N + 1 (ct2 backend: N steps, as it leaves the step of the forced </s> out). Target tokens are the
decoding steps taken (pieces plus </s> where one was generated or forced).

Measured per system: target tokens/s and sentences/s over the decoding (model loaded), peak memory (VmHWM of
the child process, which also holds the Python runtime and its imports), time from the child's start to its
first translated sentence (imports and model loading included), and load time. Results are printed and
written into eval/results/bench.md (the section between the speed markers).
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

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "eval" / "cache" / "bench"
FLORES = REPO / "eval" / "data" / "flores200" / "flores200.dev.arb_Arab"
TICO = REPO / "eval" / "data" / "tico19" / "tico19.dev.ar"
GLOSSARY = REPO / "glossaries" / "ecommerce.tsv"
RESULTS = REPO / "eval" / "results" / "bench.md"
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


def peak_rss_mb() -> float:
    """High-water mark of this process's resident memory (VmHWM), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def model_dirs() -> dict[str, Path]:
    """Build (once) the opus-mt-ar-en-sized model and its int8 and float32 conversions."""
    from mt.models.convert import convert
    from mt.testing import build_model

    dirs = {"hf": CACHE / "opus-mt-ar-en-size", "int8": CACHE / "opus-mt-ar-en-size-ct2-int8",
            "float32": CACHE / "opus-mt-ar-en-size-ct2-float32"}
    if not (dirs["hf"] / "model.safetensors").exists():
        print("building the opus-mt-ar-en-sized model (random weights) ...", file=sys.stderr)
        build_model(dirs["hf"], size="opus-mt-ar-en", pair="ar-en", seed=0)
    for quantization in ("int8", "float32"):
        if not (dirs[quantization] / "model.bin").exists():
            print(f"converting it to CTranslate2 {quantization} ...", file=sys.stderr)
            convert(str(dirs["hf"]), dirs[quantization], quantization=quantization, force=True)
    return dirs


# -- the systems, each run in a child process -----------------------------------------------------------------
def run_plain_transformers(args, lines: list[str]) -> tuple[int, float]:
    import torch
    from transformers import MarianMTModel, MarianTokenizer

    torch.set_num_threads(args.threads)
    tokenizer = MarianTokenizer.from_pretrained(args.model)
    model = MarianMTModel.from_pretrained(args.model).eval()
    tokens, first = 0, None
    for start in range(0, len(lines), args.batch):
        batch = tokenizer(lines[start : start + args.batch], return_tensors="pt", padding=True)
        with torch.inference_mode():
            out = model.generate(**batch, num_beams=args.beam, max_new_tokens=args.new_tokens,
                                 min_new_tokens=args.new_tokens)
        tokenizer.batch_decode(out, skip_special_tokens=True)
        tokens += int((out[:, 1:] != model.config.pad_token_id).sum())
        first = first or time.perf_counter()
    return tokens, first


def run_raw_ctranslate2(args, lines: list[str]) -> tuple[int, float]:
    import ctranslate2
    import sentencepiece as spm

    source = spm.SentencePieceProcessor(model_file=str(Path(args.model) / "source.spm"))
    target = spm.SentencePieceProcessor(model_file=str(Path(args.model) / "target.spm"))
    translator = ctranslate2.Translator(args.model, device="cpu", inter_threads=1, intra_threads=args.threads)
    tokens, first = 0, None
    for start in range(0, len(lines), args.batch):
        pieces = [p + ["</s>"] for p in source.encode(lines[start : start + args.batch], out_type=str)]
        results = translator.translate_batch(pieces, beam_size=args.beam, max_input_length=0,
                                             max_decoding_length=args.new_tokens, min_decoding_length=args.new_tokens)
        for result in results:
            target.decode_pieces(result.hypotheses[0])
            tokens += len(result.hypotheses[0])
        first = first or time.perf_counter()
    return tokens, first


def run_translator(args, lines: list[str]) -> tuple[int, float]:
    from mt.pipeline import Translator

    glossary = None
    if args.glossary:
        from mt.glossary import Glossary

        glossary = Glossary.load(GLOSSARY)
    backend = "hf" if args.system == "b" else "ct2"
    extra = args.new_tokens if backend == "hf" else args.new_tokens + 1
    translator = Translator({"ar-en": args.model}, beam_size=args.beam, backend=backend, threads=args.threads,
                            max_length_ratio=1e-9, max_length_extra=extra, glossary=glossary)
    [leg] = translator.legs("en")
    counted = {"tokens": 0}
    decode = leg.backend.translate_batch

    def counting(sources, options, **kwargs):
        hypotheses = decode(sources, options, **kwargs)
        counted["tokens"] += sum(len(h.pieces) + (1 if h.finished or backend == "hf" else 0) for h in hypotheses)
        return hypotheses

    leg.backend.translate_batch = counting
    first = None
    for _ in translator.translate_stream(lines, to="en"):
        first = first or time.perf_counter()
    args.terms = [translator.stats.terms_found, translator.stats.terms_present]
    args.translator = translator
    return counted["tokens"], first


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


def child(args) -> None:
    source = TICO if args.system in ("t", "e") else FLORES
    lines = source.read_text(encoding="utf-8").splitlines()[: args.sentences]
    runner = {"a": run_plain_transformers, "c": run_raw_ctranslate2, "c32": run_raw_ctranslate2}.get(
        args.system, run_translator)
    args.terms = None
    begin = time.perf_counter()
    tokens, first = runner(args, lines)
    end = time.perf_counter()
    rss = peak_rss_mb()
    paired = paired_glossary_cost(args.translator, lines, args.pairs) if args.system == "e" else None
    print(json.dumps({"system": args.system, "sentences": len(lines), "tokens": tokens, "seconds": end - begin,
                      "first": (first or end) - START, "rss_mb": rss, "terms": args.terms, "paired": paired}))


def run_child(system: str, model: Path, args) -> dict:
    command = [sys.executable, __file__, "--child", system, "--model", str(model), "--sentences",
               str(args.sentences), "--threads", str(args.threads), "--new-tokens", str(args.new_tokens),
               "--beam", str(args.beam), "--batch", str(args.batch), "--pairs", str(args.pairs)]
    command += ["--glossary"] if system == "e" else []
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "PYTHONWARNINGS": "ignore"}
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
    firsts = [next((k for k, (x, y) in enumerate(zip(a.pieces, b.pieces)) if x != y), min(len(a.pieces), len(b.pieces)))
              for a, b, s in zip(ours, theirs, same) if not s]
    checked = [i for i, s in enumerate(same) if s][:64]
    reference = teacher_forced_means(hf, [sources[i] for i in checked], [ours[i] for i in checked])
    gaps = [abs(ours[i].score - r) for i, r in zip(checked, reference)]
    distinct = len({tuple(h.pieces) for h in theirs})
    divergence = (f"first divergence at piece {min(firsts)}-{max(firsts)} (median {statistics.median(firsts):g})"
                  if firsts else "no divergence")
    return (f"| {name} | {len(lines)} | {sum(same)} ({sum(same) / len(same):.1%}) | {distinct} | {divergence} | "
            f"{max(gaps) if gaps else float('nan'):.1e} |")


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
    rows = ["| model | sentences | identical tokens | distinct outputs | where the others diverge | "
            "max score gap |", "|---|---:|---:|---:|---|---:|"]
    rows.append(agreement("tiny (mt.testing)", tiny["tiny"], converted["tiny"], lines, 30, args.threads))
    rows.append(agreement("tiny, sharp weights (std 0.3, </s> bias 8)", tiny["sharp"], converted["sharp"], lines, 30,
                          args.threads))
    rows.append(agreement("opus-mt-ar-en size", dirs["hf"], dirs["float32"], lines[: args.sentences],
                          args.new_tokens, args.threads))
    return "\n".join([f"## Backend agreement ({time.strftime('%Y-%m-%d')})", "",
                      f"`python eval/bench.py --agreement --sentences {args.sentences}`: greedy decoding, CTranslate2 "
                      f"float32 compute, FLORES-200 dev Arabic, same model on both backends (limit 30 tokens for the "
                      f"tiny models, {args.new_tokens} for the base size). Identical = same pieces and same finished "
                      "flag. Score gap: CTranslate2's Hypothesis.score against the teacher-forced mean log-prob of "
                      "the same tokens under transformers (up to 64 identical sentences per model; the hf backend's "
                      "own score is the same quantity, read off its search).", "", *rows])


def table(results: dict[str, dict], args) -> str:
    def rate(key: str) -> float | None:
        r = results.get(key)
        return r["tokens"] / r["seconds"] if r else None

    base_a, base_c = rate("a"), rate("c")
    lines = ["| system | sentences | target tokens | decode s | tokens/s | sentences/s | vs (a) | vs (c) "
             "| peak RSS MB | first sentence s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for key, r in results.items():
        tps = r["tokens"] / r["seconds"]
        vs_a = f"{tps / base_a:.2f}x" if base_a else "-"
        vs_c = f"{tps / base_c:.2f}x" if base_c else "-"
        lines.append(f"| ({key}) {SYSTEMS[key]} | {r['sentences']} | {r['tokens']} | {r['seconds']:.1f} | {tps:.0f} | "
                     f"{r['sentences'] / r['seconds']:.2f} | {vs_a} | {vs_c} | {r['rss_mb']:.0f} | {r['first']:.2f} |")
    return "\n".join(lines)


def write_results(text: str, markers: tuple[str, str] = MARKERS) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmarks\n"
    block = f"{markers[0]}\n{text}\n{markers[1]}"
    if markers[0] in old and markers[1] in old:
        head, rest = old.split(markers[0], 1)
        new = head + block + rest.split(markers[1], 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=64, help="FLORES dev (and TICO-19 dev) sentences per system.")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads per system (default: all cores).")
    parser.add_argument("--new-tokens", type=int, default=32, help="Decoding steps per sentence, for every system.")
    parser.add_argument("--beam", type=int, default=4, help="Beam size, for every system.")
    parser.add_argument("--batch", type=int, default=16, help="Sentences per batch for (a) and (c).")
    parser.add_argument("--repeat", type=int, default=1,
                        help="Interleaved rounds; each system reports its median-throughput run.")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="Comma-separated systems to run.")
    parser.add_argument("--no-write", action="store_true", help="Print only; do not update eval/results/bench.md.")
    parser.add_argument("--pairs", type=int, default=5,
                        help="(e) also times glossary off/strict alternately in its own process this many times.")
    parser.add_argument("--agreement", action="store_true",
                        help="Measure token agreement of the hf and ct2 backends instead of speed.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--glossary", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads is None:
        from mt.backends.ct2 import default_threads

        args.threads = default_threads()
    if args.child:
        args.system = args.child
        child(args)
        return
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    dirs = model_dirs()
    if args.agreement:
        text = run_agreement(args, dirs)
        print(text)
        if not args.no_write:
            write_results(text, ("<!-- bench:agreement:start -->", "<!-- bench:agreement:end -->"))
        return
    models = {"a": dirs["hf"], "b": dirs["hf"], "c": dirs["int8"], "c32": dirs["float32"], "d": dirs["int8"],
              "d32": dirs["float32"], "t": dirs["int8"], "e": dirs["int8"]}
    chosen = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SYSTEMS]
    if unknown:
        raise SystemExit(f"bench: unknown systems {unknown}; choose from {', '.join(SYSTEMS)}")
    runs: dict[str, list[dict]] = {system: [] for system in chosen}
    for round_ in range(args.repeat):  # interleaved rounds, so that load from other work spreads over all systems
        for system in chosen:
            print(f"running ({system}) {SYSTEMS[system]} [{round_ + 1}/{args.repeat}] ...", file=sys.stderr)
            r = run_child(system, models[system], args)
            runs[system].append(r)
            print(f"  {r['tokens'] / r['seconds']:.0f} tokens/s, {r['rss_mb']:.0f} MB, first sentence "
                  f"{r['first']:.2f} s", file=sys.stderr)
    # per system, the run with the median throughput (memory and first sentence: the worst of its runs)
    results: dict[str, dict] = {}
    for system, measured in runs.items():
        median = dict(sorted(measured, key=lambda r: r["tokens"] / r["seconds"])[len(measured) // 2])
        median["rss_mb"] = max(r["rss_mb"] for r in measured)
        median["first"] = max(r["first"] for r in measured)
        results[system] = median
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
    notes = [
        f"Model: opus-mt-ar-en architecture (transformer-base, 6+6 layers, d_model 512, 62,834 ids), random "
        f"weights built by mt.testing; CTranslate2 conversions by `mt models convert`.",
        f"Input: first {args.sentences} sentences of FLORES-200 dev Arabic ((t), (e): TICO-19 dev Arabic). "
        f"Beam {args.beam}; batches of {args.batch} for (a) and (c); Tarjama batches by its own token budget.",
        f"Decoded length fixed at {args.new_tokens} steps per sentence for every system (random weights never emit "
        f"</s>): transformers min_new_tokens = max_new_tokens = {args.new_tokens}; CTranslate2 min_decoding_length = "
        f"max_decoding_length = {args.new_tokens}; Translator max_length_ratio 1e-9 with max_length_extra "
        f"{args.new_tokens} (hf backend) or {args.new_tokens + 1} (ct2 backend, which spends no step on the </s> "
        f"that transformers forces at the limit).",
        f"Machine: {cpu}, {args.threads} threads per system (torch.set_num_threads / CTranslate2 intra_threads, "
        f"inter_threads 1), shared with other work. torch {torch.__version__}, transformers "
        f"{transformers.__version__}, ctranslate2 {ctranslate2.__version__}.",
        f"Each system ran {args.repeat} time(s), interleaved; shown: its median-throughput run, with the worst "
        "peak memory and first-sentence time of its runs.",
        "tokens/s and sentences/s: over decoding with the model loaded. Peak RSS: VmHWM of the child process "
        "(Python, imports and model included). First sentence: from the child's start (imports and model loading "
        "included) to its first translated sentence.",
    ]
    if "e" in results and results["e"].get("terms"):
        found, present = results["e"]["terms"]
        notes.append(f"(e): {found} glossary terms matched in the {args.sentences} TICO-19 sentences, {present} "
                     f"present in the output (the e-commerce glossary has few COVID-19 terms; the cost is matching "
                     f"plus repairs).")
    ratios = []
    paired = [ratio for r in runs.get("e", []) for ratio in (r.get("paired") or [])]
    if paired:
        ratios.append(f"Glossary cost (goal at most 1.3x), measured side by side in one process (the (e) model "
                      f"translating the same sentences with the glossary off and strict, alternately, {len(paired)} "
                      f"times): median {statistics.median(paired):.2f}x the time (range {min(paired):.2f}-"
                      f"{max(paired):.2f}x).")
    if "e" in results and "t" in results:
        cost = (results["t"]["tokens"] / results["t"]["seconds"]) / (results["e"]["tokens"] / results["e"]["seconds"])
        wall = results["e"]["seconds"] / results["t"]["seconds"]
        ratios.append(f"Glossary cost between separate processes, (e) vs (t): {wall:.2f}x the decoding time, "
                      f"{cost:.2f}x fewer tokens/s (noisier: the two processes run at different moments; "
                      f"--repeat takes the median run of each).")
    title = "Speed" if "a" in results else f"Speed, systems {', '.join(results)} only"
    text = "\n".join([f"## {title} ({time.strftime('%Y-%m-%d')})", "", table(results, args), "",
                      *[f"- {n}" for n in notes + ratios]])
    print(text)
    if not args.no_write:
        # a run without the plain transformers baseline (a) goes to a section of its own, beside the full table
        markers = MARKERS if "a" in results else ("<!-- bench:speed-subset:start -->", "<!-- bench:speed-subset:end -->")
        write_results(text, markers)
        print(f"\nwritten to {RESULTS.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
