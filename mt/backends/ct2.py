"""The CTranslate2 backend: `ctranslate2.Translator.translate_batch` on a directory made by `mt models convert`.

It mirrors the transformers backend (mt/backends/hf.py) call for call, so the pipeline and the glossary
enforcer work unchanged and the two give the same tokens for the same model under greedy float32 decoding:

- Length. transformers generates at most `max_new` tokens and forces `</s>` at the last one, so a sentence cut
  at the limit has `max_new - 1` pieces. CTranslate2 counts `</s>` as a step too but does not force it, so it is
  given `max_new - 1`. Both count a forced target prefix in the limit, which is raised to prefix + 1 as in hf.
  transformers may emit `</s>` at the first step, so min_decoding_length is 0 (CTranslate2's default is 1).
- Scores. CTranslate2 returns sum(log-prob) / length ** length_penalty (greedy search too), where length counts
  `</s>` when it was generated; this is turned back into the mean token log-prob. A sentence cut at the limit
  counts the `</s>` that transformers forces there with log-prob 0, exactly as the hf backend's mean does.
- Prefixes are per example; `suppress_sequences` applies to a whole CTranslate2 call, so examples are grouped by
  identical suppress lists and each group is one call (one example's list never reaches another).
- Inputs are never truncated (max_input_length=0); the pipeline batches and chunks, so max_batch_size=0.
- Padding. A call given `DecodeOptions.source_width` gets one more row: `<unk>` x (width - 1) + `</s>` with a
  forced `</s>` prefix; its result is dropped. Greedy search ends it at once; beam search forces the prefix on one
  beam and decodes the others to the limit (a row ends when beam_size hypotheses are finished), so at beam 4 the
  filler costs about one sentence per call (eval/results/bench.md). The batch is then padded to that width
  whatever else it holds: CTranslate2's float kernels (oneDNN's sgemm on this CPU) give a source other last
  bits at another padded length, while the batch's size and the other rows' content change nothing.
- Attention. CTranslate2 returns the cross-attention of its alignment head only (last decoder layer, head 0:
  the head OPUS-MT trains with guided alignment), one row per target token including forced prefix tokens and
  one column per source token including `</s>`; with a decode, each row is renormalised over the source's own
  columns (beam search's first row otherwise depends on the batch's padding). `attention_batch()` forces each target as its prefix in one
  call (the limit is the longest target's length; rows decoded past a shorter target are dropped) and returns
  those rows; `attention()` is it with one pair. Other layers or heads raise a ModelError.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Sequence

import ctranslate2

from mt.backends.base import DecodeOptions, Hypothesis
from mt.errors import ModelError
from mt.models.metadata import ConversionInfo, read_info
from mt.models.vocab import EOS, UNK, MarianVocab

log = logging.getLogger(__name__)


def default_threads() -> int:
    """CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _over_source(row: Sequence[float]) -> list[float]:
    """An attention row over the source's own positions, summing to 1. Beam search's first step returns a row
    whose mass is spread over the batch's padding too (it depends on what the source is batched with); the other
    rows are masked. Renormalised over the source, the first row is the one the source gets alone (measured:
    identical bits on 144 of 144 padded UN sentences), so terms are placed alike whatever the batch."""
    total = sum(row)
    return [value / total for value in row] if total > 0 else list(row)


class CTranslate2Backend:
    """Decode with a CTranslate2 Marian directory (made by `mt models convert`) on the CPU or a GPU."""

    name = "ct2"

    def __init__(
        self, path: str | Path, device: str = "cpu", threads: int | None = None, compute_type: str = "default"
    ) -> None:
        self.path = Path(path)
        if not (self.path / "model.bin").exists():
            raise ModelError(
                f"{self.path}: not a CTranslate2 directory (no model.bin); convert it with "
                f"`mt models convert {self.path} OUT`"
            )
        self.info: ConversionInfo = read_info(self.path)
        try:
            self.vocab = MarianVocab.from_dir(self.path)
        except (OSError, ValueError) as error:
            raise ModelError(
                f"{self.path}: CTranslate2 directory without usable tokenizer files ({error}); "
                f"convert it with `mt models convert`"
            ) from error
        self.max_positions = int(self.info.max_positions)
        self.decoder_layers: int | None = self.info.decoder_layers
        self.decoder_heads: int | None = self.info.decoder_heads
        self.threads = threads or default_threads()
        try:
            self.translator = ctranslate2.Translator(
                str(self.path), device=device, compute_type=compute_type, inter_threads=1, intra_threads=self.threads
            )
        except (RuntimeError, ValueError) as error:
            message = " ".join(str(error).split())
            raise ModelError(f"{self.path}: CTranslate2 cannot load this model ({message})") from error
        log.info("ct2 model %s: %s on %s, %d threads", self.path, self.translator.compute_type, device, self.threads)

    @property
    def compute_type(self) -> str:
        return self.translator.compute_type

    def translate_batch(
        self,
        sources: Sequence[list[str]],
        options: DecodeOptions,
        target_prefix: Sequence[list[str] | None] | None = None,
        suppress_sequences: Sequence[list[list[str]]] | None = None,
        return_attention: bool = False,
    ) -> list[Hypothesis]:
        if not sources:
            return []
        count = len(sources)
        prefixes = [list(p) if p else None for p in target_prefix] if target_prefix is not None else [None] * count
        suppress = list(suppress_sequences) if suppress_sequences is not None else [[] for _ in range(count)]
        if len(prefixes) != count or len(suppress) != count:
            raise ValueError("target_prefix and suppress_sequences need one entry per source")
        longest_prefix = max((len(p) for p in prefixes if p), default=0)
        # the same limit as the hf backend: max_new tokens including the </s> it forces at the last step
        max_new = min(max(options.max_decoding_length, longest_prefix + 1), self.max_positions - 1)
        limit = max_new - 1
        if limit < 1:
            return [Hypothesis([], 0.0, False) for _ in sources]
        groups: dict[tuple, list[int]] = {}
        for i, sequences in enumerate(suppress):
            key = tuple(sorted({tuple(s) for s in sequences or [] if s}))
            groups.setdefault(key, []).append(i)
        width = options.source_width
        if width and any(len(source) + 1 > width for source in sources):
            raise ValueError(f"a source is wider than the width {width} it is to be padded to")
        hypotheses: list[Hypothesis | None] = [None] * count
        for key, indices in groups.items():
            batch = [list(sources[i]) + [EOS] for i in indices]
            group_prefixes = [prefixes[i] for i in indices]
            if width:  # a filler row of that width, ended at once by its forced </s>: the batch pads to it
                batch.append([UNK] * (width - 1) + [EOS])
                group_prefixes.append([EOS])
            results = self.translator.translate_batch(
                batch,
                target_prefix=group_prefixes if any(group_prefixes) else None,
                max_batch_size=0,
                beam_size=options.beam_size,
                length_penalty=options.length_penalty,
                max_input_length=0,
                max_decoding_length=limit,
                min_decoding_length=0,  # transformers may end at the first step; CTranslate2's default is 1
                suppress_sequences=[list(s) for s in key] or None,
                return_scores=True,
                return_end_token=True,
                return_attention=return_attention,
            )
            decoded: list[Hypothesis] = []
            for i, result in zip(indices, results):
                hypothesis = self._hypothesis(result.hypotheses[0], result.scores[0], options.length_penalty)
                if return_attention and result.attention:
                    rows = result.attention[0]
                    if len(rows) >= len(hypothesis.pieces):
                        columns = len(sources[i]) + 1  # the source and its </s>
                        hypothesis.attention = [_over_source(row[:columns]) for row in rows[: len(hypothesis.pieces)]]
                hypotheses[i] = hypothesis
                decoded.append(hypothesis)
            if return_attention and options.beam_size > 1:
                self._replace_first_rows([sources[i] for i in indices], decoded, width)
        return _all_filled(hypotheses)

    def _replace_first_rows(self, sources: Sequence[list[str]], hypotheses: Sequence[Hypothesis], width: int) -> None:
        """Beam search's first attention row is computed over the batch's padding (its mass spreads over the
        padded columns, and renormalised it is still not the row the source gets alone: 7e-5 off, enough to move
        a near-tie's argmax); the later rows are the source's own. The first rows are taken from one greedy
        step forcing each hypothesis's first piece instead, padded to the same width, which is the source's own
        row (to 1e-8, as the transformers backend's forced pass gives it)."""
        todo = [
            (source, h.attention, h.pieces[0]) for source, h in zip(sources, hypotheses) if h.attention and h.pieces
        ]
        if not todo:
            return
        firsts = self.attention_batch(
            [source for source, _, _ in todo], [[first] for _, _, first in todo], source_width=width
        )
        for (_, attention, _), rows in zip(todo, firsts):
            attention[0] = _over_source(rows[0])

    @staticmethod
    def _hypothesis(tokens: list[str], score: float, length_penalty: float) -> Hypothesis:
        finished = bool(tokens) and tokens[-1] == EOS
        generated = len(tokens)
        total = score * generated**length_penalty if generated else 0.0
        # a sentence cut at the limit: transformers closes it with a forced </s> whose log-prob counts as 0
        counted = generated if finished else generated + 1
        pieces = [t for t in tokens if t != EOS]
        return Hypothesis(pieces, total / counted, finished)

    def attention_batch(
        self,
        sources: Sequence[list[str]],
        targets: Sequence[list[str]],
        layer: int = -1,
        head: int = 0,
        source_width: int = 0,
    ) -> list[list[list[float]]]:
        """One `translate_batch` call forcing every target as its prefix; the limit is the longest target, so a
        shorter one decodes a few free steps after its prefix, whose rows are dropped. Sources are padded and
        masked by CTranslate2, so a pair's rows do not depend on the rest of its batch up to float rounding; given
        ``source_width``, a filler row pads the batch to it (as in `translate_batch`), so not even that."""
        if len(sources) != len(targets):
            raise ValueError(f"{len(sources)} sources but {len(targets)} targets")
        layers = self.info.decoder_layers
        last = {-1} | ({layers - 1} if layers else set())
        if layer not in last or head != 0:
            raise ModelError(
                f"the CTranslate2 backend exposes only the alignment head (last decoder layer, head 0), "
                f"not layer {layer} head {head}; use the hf backend for other heads"
            )
        matrices: list[list[list[float]]] = [[] for _ in sources]
        todo = [i for i, target in enumerate(targets) if target]  # an empty target has no rows
        if not todo:
            return matrices
        batch = [list(sources[i]) + [EOS] for i in todo]
        prefixes = [list(targets[i]) for i in todo]
        if source_width:
            batch.append([UNK] * (source_width - 1) + [EOS])
            prefixes.append([EOS])
        results = self.translator.translate_batch(
            batch,
            target_prefix=prefixes,
            beam_size=1,
            max_batch_size=0,
            max_input_length=0,
            max_decoding_length=max(len(targets[i]) for i in todo),
            return_attention=True,
        )
        for i, result in zip(todo, results):
            rows, wanted = result.attention[0], len(targets[i])
            if len(rows) < wanted:
                raise RuntimeError(f"CTranslate2 returned {len(rows)} attention rows for {wanted} target pieces")
            matrices[i] = [list(row[: len(sources[i]) + 1]) for row in rows[:wanted]]
        return matrices

    def attention(self, source: list[str], target: list[str], layer: int = -1, head: int = 0) -> list[list[float]]:
        return self.attention_batch([source], [target], layer=layer, head=head)[0]

    def score_batch(
        self, sources: Sequence[list[str]], targets: Sequence[list[str]], source_width: int = 0, target_width: int = 0
    ) -> list[float]:
        """`Translator.score_batch` (which adds the target's </s>), as mean log-probs. Given widths, a filler row
        (`<unk>` x (width - 1) + `</s>` on both sides) pads the batch to them whatever else it holds, as in
        `translate_batch`."""
        if len(sources) != len(targets):
            raise ValueError(f"{len(sources)} sources but {len(targets)} targets")
        if not sources:
            return []
        batch = [list(source) + [EOS] for source in sources]
        forced = [list(target) for target in targets]
        too_wide = (source_width and max(map(len, batch)) > source_width) or (
            target_width and max(map(len, forced)) + 1 > target_width
        )
        if too_wide:
            raise ValueError(f"a pair is wider than the widths {source_width}, {target_width} it is to be padded to")
        if source_width or target_width:
            batch.append([UNK] * (max(source_width, 1) - 1) + [EOS])
            forced.append([UNK] * max(target_width - 1, 0))
        results = self.translator.score_batch(batch, forced, max_batch_size=0, max_input_length=0)
        return [sum(result.log_probs) / len(result.log_probs) for result in results[: len(sources)]]


def _all_filled(hypotheses: list[Hypothesis | None]) -> list[Hypothesis]:
    """The hypotheses once every source's group has been decoded."""
    filled = [h for h in hypotheses if h is not None]
    if len(filled) != len(hypotheses):
        raise RuntimeError("a source was left out of every decoding group")
    return filled
