"""`evaluate()`: score one or more systems against one or more references, with sacrebleu as the engine."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import sacrebleu

from mt.errors import InputError
from mt.evaluation import analysis
from mt.evaluation.inputs import read_lines
from mt.evaluation.language import SUPPORTED, detect_lang, language_name, wrong_script
from mt.evaluation.metrics import (
    METRIC_NAMES,
    SegmentMetric,
    bleu_tokenizer,
    build_metrics,
    parse_metrics,
    sacrebleu_seed,
)
from mt.evaluation.result import EvaluationResult, MetricScore, SystemResult
from mt.evaluation.significance import DEFAULT_SAMPLES, paired_test, parse_tests
from mt.evaluation.terminology import TerminologyResult
from mt.plugins import Plugin

log = logging.getLogger(__name__)
#: terminology accuracy (it imports the glossary's matcher and tables), loaded only when a glossary is given
TERM_ACCURACY = Plugin("mt.evaluation.term_accuracy:term_accuracy")

Systems = Sequence[str] | Mapping[str, Sequence[str]] | Sequence[tuple[str, Sequence[str]]]
_SENTENCE_METRIC_ORDER = ("chrF2", "chrF2++", "BLEU", "TER")


def _named_systems(hypotheses: Systems) -> list[tuple[str, list[str]]]:
    """Accept one system (a list of lines), a mapping name -> lines, or (name, lines) pairs."""
    if isinstance(hypotheses, Mapping):
        systems = [(str(name), list(lines)) for name, lines in hypotheses.items()]
    elif isinstance(hypotheses, str):
        raise InputError("hypotheses must be a list of lines, not one string")
    else:
        items: list[Any] = list(hypotheses)  # lines or (name, lines) pairs: checked below
        if not items or isinstance(items[0], str):
            systems = [("system", items)]
        elif isinstance(items[0], tuple) and len(items[0]) == 2 and isinstance(items[0][0], str):
            systems = [(str(name), list(lines)) for name, lines in items]
        else:
            systems = [(f"system {i + 1}", list(lines)) for i, lines in enumerate(items)]
    names = [name for name, _ in systems]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(f"two systems share the name {duplicates[0]!r}; give each system a distinct name")
    for name, lines in systems:
        if not lines:
            raise InputError(f"system {name!r} has no lines")
        if any(not isinstance(line, str) for line in lines):
            raise InputError(f"system {name!r}: every line must be a string")
    return systems


def _reference_streams(references: Sequence[str] | Sequence[Sequence[str]]) -> list[list[str]]:
    items: list[Any] = list(references)  # the lines of one reference, or several references
    if not items:
        raise InputError("no references given")
    if isinstance(items[0], str):
        return [items]  # one reference stream
    streams = [list(stream) for stream in items]
    if any(not stream for stream in streams):
        raise InputError("a reference has no lines")
    return streams


def _check_lengths(
    systems: list[tuple[str, list[str]]],
    refs: list[list[str]],
    ref_names: Sequence[str],
    sources: Sequence[str] | None,
    source_name: str,
) -> int:
    n = len(refs[0])
    for name, stream in zip(ref_names[1:], refs[1:]):
        if len(stream) != n:
            raise InputError(f"reference {name!r} has {len(stream)} lines but reference {ref_names[0]!r} has {n}")
    for name, lines in systems:
        if len(lines) != n:
            raise InputError(
                f"hypothesis {name!r} has {len(lines)} lines but reference {ref_names[0]!r} has {n}; "
                "every file must have one line per segment"
            )
    if sources is not None and len(sources) != n:
        raise InputError(f"source {source_name!r} has {len(sources)} lines but reference {ref_names[0]!r} has {n}")
    return n


def _resolve_lang(
    lang: str | None, refs: list[list[str]], ref_names: Sequence[str], report: Callable[[str], None]
) -> str:
    detected = detect_lang(refs[0])
    if lang is None:
        if detected is None:
            raise InputError(
                f"cannot tell whether reference {ref_names[0]!r} is English or Chinese; pass --lang en or --lang zh"
            )
        log.info("target language detected from the reference: %s", detected)
        return detected
    lang = lang.lower()
    if lang not in SUPPORTED:
        raise InputError(f"unsupported target language {lang!r}; choose from {', '.join(SUPPORTED)}")
    if detected is not None and detected != lang:
        report(
            f"reference {ref_names[0]!r} looks {language_name(detected)} but --lang is {lang}; "
            f"scoring as {language_name(lang)}"
        )
    return lang


def evaluate(
    hypotheses: Systems,
    references: Sequence[str] | Sequence[Sequence[str]],
    *,
    lang: str | None = None,
    metrics: Sequence[str] | str | None = None,
    tokenize: str | None = None,
    ter_asian: bool | None = None,
    significance: str | Sequence[str] | None = "auto",
    confidence: int = 1000,
    paired_bs_samples: int = DEFAULT_SAMPLES["bs"],
    paired_ar_trials: int = DEFAULT_SAMPLES["ar"],
    sources: Sequence[str] | None = None,
    glossary: Any = None,
    frequency_corpus: Sequence[str] | None = None,
    frequency_source: str | None = None,
    length_cutoffs: Sequence[int] = analysis.LENGTH_CUTOFFS,
    frequency_cutoffs: Sequence[int] = analysis.FREQUENCY_CUTOFFS,
    top_n: int = 10,
    reference_names: Sequence[str] | None = None,
    source_name: str = "source",
    on_warning: Callable[[str], None] | None = None,
) -> EvaluationResult:
    """Score translations against references; return an :class:`EvaluationResult`.

    - ``hypotheses``: one system's lines, a mapping ``name -> lines``, or ``(name, lines)`` pairs; the first
      system is the baseline of the paired tests.
    - ``references``: one reference (a list of lines) or several (a list of such lists).
    - ``lang``: "en" or "zh"; detected from the first reference when None. It picks the BLEU tokenizer
      (``13a`` / ``zh``) unless ``tokenize`` is given, and for Chinese TER splits CJK characters
      (sacrebleu's ``--ter-normalized --ter-asian-support``) unless ``ter_asian`` is False.
    - ``metrics``: keys from "bleu", "chrf", "chrf++", "ter" (a list or a comma-separated string); all four by
      default.
    - ``significance``: "auto" (paired bootstrap when there are 2+ systems), "bs", "ar", "both" or "none";
      ``paired_bs_samples`` / ``paired_ar_trials`` default to sacrebleu's 1,000 / 10,000.
    - ``confidence``: bootstrap resamples for each system's 95% confidence interval (0 disables).
    - ``sources`` + ``glossary`` (a path or a loaded ``mt.glossary.Glossary``): terminology accuracy.
    - ``frequency_corpus``: lines (e.g. training data) to count word frequencies from; default the reference.
    - ``on_warning``: called with each warning (wrong script, language mismatch); default ``logging``.
      Warnings are also kept in ``result.warnings``.
    """
    warnings: list[str] = []
    report = _warning_sink(warnings, on_warning)
    metric_keys = parse_metrics(metrics)
    systems, refs, ref_names, sources = _checked_inputs(
        hypotheses, references, reference_names, sources, glossary, source_name
    )
    tests = parse_tests(significance, len(systems))
    _check_counts(confidence, paired_bs_samples, paired_ar_trials, top_n)
    lang = _resolve_lang(lang, refs, ref_names, report)
    _warn_about_systems(systems, lang, report)
    scorers = build_metrics(metric_keys, refs, lang, tokenize, ter_asian)
    seed = sacrebleu_seed()
    results, all_stats = _score_systems(systems, scorers, confidence, seed)
    comparisons = [
        comparison
        for test in tests
        for comparison in paired_test(
            systems, scorers, test, paired_bs_samples if test == "bs" else paired_ar_trials, all_stats
        )
    ]
    terminology = _terminology(glossary, sources, systems, refs, lang, results)
    tokenizer_name = bleu_tokenizer(lang, tokenize)
    words = analysis.word_tokenizer(lang, tokenizer_name)
    ref_tokens = [words(line) for line in refs[0]]
    length = analysis.length_buckets(ref_tokens, all_stats, scorers, length_cutoffs)
    frequency = _frequency_analysis(
        systems, words, ref_tokens, ref_names[0], frequency_corpus, frequency_source, frequency_cutoffs
    )
    sentence_metric, differences, worst = _segment_rankings(results, scorers, top_n)
    settings = _run_settings(
        seed, confidence, tests, paired_bs_samples, paired_ar_trials, length_cutoffs, frequency_cutoffs, top_n
    )
    return EvaluationResult(
        lang=lang,
        tokenize=tokenizer_name,
        metrics=[m.name for m in scorers],
        references=ref_names,
        reference_lines=refs,
        systems=results,
        comparisons=comparisons,
        terminology=terminology,
        length=length,
        frequency=frequency,
        differences=differences,
        worst=worst,
        sentence_metric=sentence_metric,
        sentence_signatures={m.name: m.sentence_signature() for m in scorers},
        sources=sources,
        warnings=warnings,
        settings=settings,
    )


def _run_settings(
    seed: int | None,
    confidence: int,
    tests: Sequence[str],
    paired_bs_samples: int,
    paired_ar_trials: int,
    length_cutoffs: Sequence[int],
    frequency_cutoffs: Sequence[int],
    top_n: int,
) -> dict[str, Any]:
    """What a report states so that the run can be repeated: sacrebleu's version, the seed and the settings."""
    return {
        "sacrebleu_version": sacrebleu.__version__,
        "seed": seed,
        "confidence_samples": confidence,
        "significance": [f"paired-{t}" for t in tests],
        "paired_bs_samples": paired_bs_samples,
        "paired_ar_trials": paired_ar_trials,
        "length_cutoffs": list(length_cutoffs),
        "frequency_cutoffs": list(frequency_cutoffs),
        "top_n": top_n,
    }


def _warning_sink(warnings: list[str], on_warning: Callable[[str], None] | None) -> Callable[[str], None]:
    """A function that keeps a warning in ``warnings`` and hands it to ``on_warning`` (default: logging)."""

    def report(message: str) -> None:
        warnings.append(message)
        (on_warning or log.warning)(message)

    return report


def _checked_inputs(
    hypotheses: Systems,
    references: Sequence[str] | Sequence[Sequence[str]],
    reference_names: Sequence[str] | None,
    sources: Sequence[str] | None,
    glossary: Any,
    source_name: str,
) -> tuple[list[tuple[str, list[str]]], list[list[str]], list[str], list[str] | None]:
    """The named systems, the reference streams and their names, and the source lines, every one refused in one
    line unless they have the same number of lines."""
    systems = _named_systems(hypotheses)
    refs = _reference_streams(references)
    ref_names = list(reference_names) if reference_names else [f"reference {i + 1}" for i in range(len(refs))]
    if glossary is not None and sources is None:
        raise InputError("terminology accuracy needs the source text too (--src) alongside the glossary")
    source_lines = list(sources) if sources is not None else None
    _check_lengths(systems, refs, ref_names, source_lines, source_name)
    return systems, refs, ref_names, source_lines


def _check_counts(confidence: int, paired_bs_samples: int, paired_ar_trials: int, top_n: int) -> None:
    """Refuse a negative number of confidence resamples or listed segments, or no paired-test samples."""
    if confidence < 0 or paired_bs_samples < 1 or paired_ar_trials < 1 or top_n < 0:
        raise InputError("sample counts must be positive and top_n non-negative")


def _warn_about_systems(systems: list[tuple[str, list[str]]], lang: str, report: Callable[[str], None]) -> None:
    """Warn of a system in the wrong script, with only empty lines, or identical to the baseline."""
    for name, lines in systems:
        problem = wrong_script(lines, lang)
        if problem:
            report(f"hypothesis {name!r} does not look {language_name(lang)}: {problem}; scoring it anyway")
    for name, lines in systems:
        if all(not line for line in lines):
            report(f"hypothesis {name!r} has only empty lines")
    for name, lines in systems[1:]:
        if lines == systems[0][1]:
            report(
                f"hypothesis {name!r} is identical to the baseline {systems[0][0]!r}; "
                "its paired-test p-values are meaningless"
            )


def _score_systems(
    systems: list[tuple[str, list[str]]], scorers: Sequence[SegmentMetric], confidence: int, seed: int | None
) -> tuple[list[SystemResult], dict[str, dict[str, list]]]:
    """Each system's corpus scores (with their confidence intervals) and segment scores, and the sufficient
    statistics of every system and metric (the paired tests and the length buckets reuse them)."""
    results: list[SystemResult] = []
    all_stats: dict[str, dict[str, list]] = {}
    for name, lines in systems:
        stats = {m.name: m.statistics(lines) for m in scorers}
        all_stats[name] = stats
        scores = {}
        for m in scorers:
            corpus = m.corpus(stats[m.name])
            interval = m.bootstrap(stats[m.name], confidence) if confidence else None
            scores[m.name] = MetricScore(
                name=m.name,
                score=float(corpus.score),
                signature=m.signature(),
                verbose=getattr(corpus, "_verbose", "") or "",
                ci=interval,
                ci_signature=_ci_signature(m, confidence, seed) if confidence else None,
            )
        segment_scores = {m.name: m.sentence_scores(stats[m.name]) for m in scorers}
        results.append(SystemResult(name=name, hypotheses=lines, scores=scores, segment_scores=segment_scores))
    return results, all_stats


def _terminology(
    glossary: Any,
    sources: list[str] | None,
    systems: list[tuple[str, list[str]]],
    refs: list[list[str]],
    lang: str,
    results: list[SystemResult],
) -> TerminologyResult | None:
    """Terminology accuracy when a glossary is given (each system's result gets its segment hits), else None."""
    if glossary is None:
        return None
    terminology = TERM_ACCURACY.load()(glossary, sources, dict(systems), refs, lang)
    for system in results:
        system.terms = terminology.segments[system.name]
    return terminology


def _frequency_analysis(
    systems: list[tuple[str, list[str]]],
    words: Callable[[str], list[str]],
    ref_tokens: list[list[str]],
    ref_name: str,
    frequency_corpus: Sequence[str] | None,
    frequency_source: str | None,
    cutoffs: Sequence[int],
) -> analysis.FrequencyAnalysis:
    """Word accuracy of each system by frequency bucket, the frequencies counted in ``frequency_corpus`` (named
    ``frequency_source``, default "training corpus"), else in the reference."""
    if frequency_corpus is not None:
        frequencies = analysis.count_words(words(line) for line in frequency_corpus)
        source = frequency_source or "training corpus"
    else:
        frequencies = analysis.count_words(ref_tokens)
        source = f"reference {ref_name}"
    return analysis.FrequencyAnalysis(
        cutoffs=tuple(cutoffs),
        labels=analysis.bucket_labels(cutoffs),
        frequency_source=source,
        systems={
            name: analysis.word_accuracy(ref_tokens, [words(line) for line in lines], frequencies, cutoffs)
            for name, lines in systems
        },
    )


def _segment_rankings(
    results: list[SystemResult], scorers: Sequence[SegmentMetric], top_n: int
) -> tuple[str, list, list]:
    """The sentence metric (chrF first, as :data:`_SENTENCE_METRIC_ORDER`), the segments where each system
    differs most from the baseline, and every system's worst segments by it."""
    sentence_metric = next(n for n in _SENTENCE_METRIC_ORDER if n in {m.name for m in scorers})
    lower = sentence_metric == "TER"
    base = results[0]
    differences = []
    for other in results[1:]:
        differences += analysis.largest_differences(
            base.name,
            other.name,
            sentence_metric,
            base.segment_scores[sentence_metric],
            other.segment_scores[sentence_metric],
            top_n,
            lower_is_better=lower,
        )
    worst = analysis.worst_segments({s.name: s.segment_scores[sentence_metric] for s in results}, top_n, lower)
    return sentence_metric, differences, worst


def _ci_signature(metric: SegmentMetric, samples: int, seed: int | None) -> str:
    """The signature sacrebleu prints with ``--confidence``: the corpus one plus ``bs`` and ``seed``."""
    signature = metric.metric.get_signature()
    signature.update("bs", samples)
    signature.update("seed", str(seed).lower())
    return signature.format()


def evaluate_files(
    hypotheses: Sequence[str | Path],
    references: Sequence[str | Path],
    *,
    sources: str | Path | None = None,
    frequency_file: str | Path | None = None,
    **options: Any,
) -> EvaluationResult:
    """Read the files strictly (UTF-8, one segment per line) and run :func:`evaluate`.

    Systems are named by their paths as given, like sacrebleu does.
    """
    if not hypotheses:
        raise InputError("no hypothesis file given")
    if not references:
        raise InputError("no reference file given (-r REF)")
    names = [str(path) for path in hypotheses]
    refs = [read_lines(path, "reference") for path in references]
    systems: list[tuple[str, list[str]]] = []
    for path, name in zip(hypotheses, names):
        if name in dict(systems):
            raise InputError(f"hypothesis {name!r} is given twice")
        systems.append((name, read_lines(path, "hypothesis")))
    src = read_lines(sources, "source") if sources is not None else None
    freq = read_lines(frequency_file, "frequency corpus") if frequency_file is not None else None
    return evaluate(
        systems,
        refs,
        sources=src,
        source_name=str(sources) if sources else "source",
        frequency_corpus=freq,
        frequency_source=str(frequency_file) if frequency_file else None,
        reference_names=[str(p) for p in references],
        **options,
    )


def summary_line(hyps: Sequence[str], refs: Sequence[str] | Sequence[Sequence[str]], lang: str | None = None) -> str:
    """A one-line running score for `mt translate --ref`: ``BLEU 23.4 | chrF2 51.2 | 120 segments | tok:13a``.

    Corpus BLEU and chrF of ``hyps`` against the first ``len(hyps)`` lines of each reference stream, so it can
    be called as translated lines arrive; cheap (no resampling, no analysis). ``lang`` is detected from the
    references when None.
    """
    if not hyps:
        return "0 segments"
    streams = [stream[: len(hyps)] for stream in _reference_streams(refs)]
    if any(len(stream) < len(hyps) for stream in streams):
        raise InputError(f"{len(hyps)} translated lines but the reference has only {min(map(len, streams))}")
    lang = lang or detect_lang(streams[0]) or "en"
    bleu, chrf = (SegmentMetric(key, streams, lang) for key in ("bleu", "chrf"))
    b = bleu.corpus(bleu.statistics(list(hyps))).score
    c = chrf.corpus(chrf.statistics(list(hyps))).score
    return f"BLEU {b:.1f} | chrF2 {c:.1f} | {len(hyps)} segments | tok:{bleu.tokenize}"


__all__ = ["evaluate", "evaluate_files", "summary_line", "METRIC_NAMES"]
