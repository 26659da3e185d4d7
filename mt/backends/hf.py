"""The transformers (PyTorch) backend: MarianMTModel.generate with beam search.

Forced target prefixes and suppressed sequences are applied by one logits processor, so a glossary repair is
a normal batched beam search. Without them, decoding is exactly `model.generate(num_beams=...)`. Each output's
score (mean token log-prob) is read off the search by a recording logits processor; a teacher-forced pass
scores a batch only if the recorder missed a step.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Sequence

import torch
from transformers import LogitsProcessor, LogitsProcessorList, MarianMTModel
from transformers.utils import logging as hf_logging

from mt.backends.base import DecodeOptions, Hypothesis
from mt.errors import ModelError
from mt.models.vocab import MarianVocab

log = logging.getLogger(__name__)


class _PrefixAndSuppress(LogitsProcessor):
    """Force each row's target prefix, then forbid completing any of its suppressed sequences."""

    def __init__(self, prefixes: list[list[int]], suppress: list[list[list[int]]], num_beams: int) -> None:
        self.prefixes, self.suppress, self.num_beams = prefixes, suppress, num_beams

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        step = input_ids.shape[1] - 1  # tokens generated so far (the decoder start is not one)
        for row in range(input_ids.shape[0]):
            example = row // self.num_beams
            prefix = self.prefixes[example]
            if step < len(prefix):
                keep = scores[row, prefix[step]].clone()
                scores[row, :] = -float("inf")
                scores[row, prefix[step]] = keep
                continue
            history = input_ids[row, 1:].tolist()
            for sequence in self.suppress[example]:
                head = sequence[:-1]
                if not head or history[len(history) - len(head) :] == head:
                    scores[row, sequence[-1]] = -float("inf")
        return scores


class _ScoreRecorder(LogitsProcessor):
    """Read each output's mean log-prob off the search itself, instead of a second, teacher-forced pass.

    At every step it keeps, per row, the log-probs of the tokens the search can pick (the top 2 x beams of the
    row after forcing and suppression: beam search picks among the top 2 x beams of all its rows together, so
    a picked token is among its own row's), keyed by the row's sentence and prefix; after generate, each output
    is walked token by token. The log-probs are taken after the model's own processors (the pad token banned,
    the </s> forced at the limit, which so counts 0, as CTranslate2 counts it) and before forcing a prefix
    (a forced token counts its real log-prob). `inner` (prefixes and suppression) is applied in between.
    """

    def __init__(self, num_beams: int, inner: LogitsProcessor | None = None) -> None:
        self.num_beams, self.inner = num_beams, inner
        self.keep = 1 if num_beams == 1 else 2 * num_beams
        self.steps: dict[bytes, dict[int, float]] = {}

    @staticmethod
    def _key(example: int, prefix) -> bytes:
        return example.to_bytes(4, "little") + prefix.tobytes()

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        log_probs = torch.log_softmax(scores.float(), dim=-1)  # beam search passes log-probs, greedy logits
        if self.inner is not None:
            scores = self.inner(input_ids, scores)
        top = torch.topk(scores, min(self.keep, scores.shape[-1]), dim=-1).indices
        picked = log_probs.gather(-1, top).tolist()
        prefixes = input_ids.cpu().numpy()
        for row, (tokens, values) in enumerate(zip(top.tolist(), picked)):
            self.steps[self._key(row // self.num_beams, prefixes[row])] = dict(zip(tokens, values))
        return scores

    def mean(self, example: int, sequence: torch.Tensor, length: int) -> float | None:
        """Mean log-prob of the first `length` generated tokens of an output (after its start token); None when
        a step was not seen (then the caller scores it another way)."""
        ids = sequence.cpu().numpy()
        total = 0.0
        for position in range(1, length + 1):
            step = self.steps.get(self._key(example, ids[:position]))
            value = None if step is None else step.get(int(ids[position]))
            if value is None:
                return None
            total += value
        return total / length if length else 0.0


class TransformersBackend:
    """Decode with a Hugging Face Marian model directory on the CPU (or a torch device)."""

    name = "hf"

    def __init__(self, path: str | Path, device: str = "cpu", threads: int | None = None) -> None:
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        if threads:
            torch.set_num_threads(threads)
        self.path = Path(path)
        try:
            self.vocab = MarianVocab.from_dir(self.path)
            model = MarianMTModel.from_pretrained(self.path, attn_implementation="eager")
        except Exception as error:  # noqa: BLE001 - torch, safetensors and transformers raise many types; chained
            message = " ".join(str(error).split()) or type(error).__name__
            raise ModelError(f"{self.path}: transformers cannot load this model ({message})") from error
        # transformers wraps PreTrainedModel.to with functools.wraps(torch.nn.Module.to): typed as the unbound method
        self.model = model.to(device).eval()  # type: ignore[arg-type]
        self.device = device
        self.max_positions = int(self.model.config.max_position_embeddings)
        self.decoder_layers: int | None = int(self.model.config.decoder_layers)
        self.decoder_heads: int | None = int(self.model.config.decoder_attention_heads)
        self.pad_id = int(self.model.config.pad_token_id)

    def _encode(self, sources: Sequence[list[str]], width: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """Source ids and attention mask, padded to the longest source or to ``width`` positions if wider."""
        ids = [self.vocab.source_ids(pieces) for pieces in sources]
        width = max(width, *(len(x) for x in ids))
        input_ids = torch.full((len(ids), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for i, row in enumerate(ids):
            input_ids[i, : len(row)] = torch.tensor(row)
            mask[i, : len(row)] = 1
        return input_ids.to(self.device), mask.to(self.device)

    @torch.inference_mode()
    def translate_batch(
        self,
        sources: Sequence[list[str]],
        options: DecodeOptions,
        target_prefix: Sequence[list[str] | None] | None = None,
        suppress_sequences: Sequence[list[list[str]]] | None = None,
        return_attention: bool = False,  # generate() has no cheap alignment-head attention: see attention()
    ) -> list[Hypothesis]:
        if not sources:
            return []
        input_ids, mask = self._encode(sources, options.source_width)
        inner = None
        longest_prefix = 0
        if target_prefix is not None or suppress_sequences is not None:
            prefixes = [self.vocab.target_ids(p) if p else [] for p in (target_prefix or [None] * len(sources))]
            suppress = [
                [self.vocab.target_ids(s) for s in seqs] for seqs in (suppress_sequences or [[]] * len(sources))
            ]
            inner = _PrefixAndSuppress(prefixes, suppress, options.beam_size)
            longest_prefix = max(len(p) for p in prefixes)
        recorder = _ScoreRecorder(options.beam_size, inner)
        # the limit counts the forced prefix too (as CTranslate2's max_decoding_length does), but always leaves
        # room for one token after the longest prefix
        max_new = min(max(options.max_decoding_length, longest_prefix + 1), self.max_positions - 1)
        out = self.model.generate(
            input_ids=input_ids,
            attention_mask=mask,
            num_beams=options.beam_size,
            do_sample=False,
            max_length=max_new + 1,
            length_penalty=options.length_penalty,
            logits_processor=LogitsProcessorList([recorder]),
            return_dict_in_generate=True,
        )
        sequences = out.sequences
        eos, pad = self.vocab.eos_id, self.pad_id
        hypotheses = []
        scores: list[float | None] = []
        for example, row in enumerate(sequences.tolist()):
            generated = row[1:]
            length = len(generated)
            while length and generated[length - 1] == pad:
                length -= 1
            generated = generated[:length]
            # forced_eos_token_id closes a sentence cut at the limit with </s>: that is not a finished one
            finished = bool(generated) and generated[-1] == eos and length < max_new
            hypotheses.append(Hypothesis(self.vocab.target_pieces(generated), 0.0, finished))
            scores.append(recorder.mean(example, sequences[example], length))
        recorded = [score for score in scores if score is not None]
        if len(recorded) < len(scores):  # a step the recorder missed: score them all by forcing
            log.debug("scoring %d outputs with a teacher-forced pass", len(hypotheses))
            recorded = self._mean_log_probs(input_ids, mask, sequences, [h.finished for h in hypotheses])
        for hypothesis, score in zip(hypotheses, recorded):
            hypothesis.score = score
        return hypotheses

    SCORE_BUDGET = 8_000_000  # logits held at once while scoring (floats): about 32 MB

    def _mean_log_probs(
        self, input_ids: torch.Tensor, mask: torch.Tensor, sequences: torch.Tensor, finished: Sequence[bool]
    ) -> list[float]:
        """Mean token log-probability of each output under the model (teacher-forced, in memory-bounded slices).

        ``sequences``: the decoder start, the output's ids and </s>, then padding. Done after decoding rather than
        with `output_scores`, which keeps steps x rows x vocabulary floats (GBs for a real batch). The </s> of an
        output not ``finished`` (forced at the length limit) counts as log-prob 0, as CTranslate2 counts it.
        """
        steps = sequences.shape[1] - 1
        if steps <= 0:
            return [0.0] * len(finished)
        rows = max(1, self.SCORE_BUDGET // (steps * self.model.config.vocab_size))
        means: list[float] = []
        for start in range(0, sequences.shape[0], rows):
            block = sequences[start : start + rows]
            logits = self.model(
                input_ids=input_ids[start : start + rows],
                attention_mask=mask[start : start + rows],
                decoder_input_ids=block[:, :-1],
            ).logits
            targets = block[:, 1:]
            logits = logits.float()  # log-softmax at the targets only: no second vocabulary-sized tensor
            token_log_probs = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(logits, dim=-1)
            del logits
            valid = targets != self.pad_id
            for offset, done in enumerate(finished[start : start + rows]):
                count = int(valid[offset].sum())
                if count == 0:
                    means.append(0.0)
                    continue
                total = float(token_log_probs[offset][valid[offset]].sum())
                if not done and int(targets[offset][count - 1]) == self.vocab.eos_id:
                    total -= float(token_log_probs[offset][count - 1])
                means.append(total / count)
        return means

    @torch.inference_mode()
    def score_batch(
        self, sources: Sequence[list[str]], targets: Sequence[list[str]], source_width: int = 0, target_width: int = 0
    ) -> list[float]:
        """Teacher-forced mean log-prob of each target and its </s> (`_mean_log_probs`, memory-bounded): sources
        padded to ``source_width`` and masked, targets padded at the end to ``target_width`` positions."""
        if len(sources) != len(targets):
            raise ValueError(f"{len(sources)} sources but {len(targets)} targets")
        if not sources:
            return []
        input_ids, mask = self._encode(sources, source_width)
        ids = [self.vocab.target_ids(list(target)) + [self.vocab.eos_id] for target in targets]
        width = max(target_width, *(len(row) for row in ids))
        sequences = torch.full((len(ids), 1 + width), self.pad_id, dtype=torch.long)  # <pad> starts the decoder
        for i, row in enumerate(ids):
            sequences[i, 1 : 1 + len(row)] = torch.tensor(row, dtype=torch.long)
        return self._mean_log_probs(input_ids, mask, sequences.to(self.device), [True] * len(ids))

    ATTENTION_BUDGET = 16_000_000  # attention weights held at once by a forced pass (floats): about 64 MB

    @torch.inference_mode()
    def attention_batch(
        self, sources: Sequence[list[str]], targets: Sequence[list[str]], layer: int = -1, head: int = 0
    ) -> list[list[list[float]]]:
        """Teacher-forced passes over the batch, in memory-bounded slices (a pass returns every layer's and
        head's attention): sources padded and masked; targets padded at the end, which the causal decoder never
        attends to from a real position, so a pair's matrix is the one it has alone (up to float rounding)."""
        if len(sources) != len(targets):
            raise ValueError(f"{len(sources)} sources but {len(targets)} targets")
        config = self.model.config
        width_s = 1 + max((len(source) for source in sources), default=0)
        width_t = 1 + max((len(target) for target in targets), default=0)
        per_pair = config.decoder_attention_heads * (
            config.encoder_layers * width_s**2 + config.decoder_layers * (width_t**2 + width_t * width_s)
        )
        rows = max(1, self.ATTENTION_BUDGET // max(1, per_pair))
        matrices: list[list[list[float]]] = []
        for start in range(0, len(sources), rows):
            matrices += self._attention_pass(sources[start : start + rows], targets[start : start + rows], layer, head)
        return matrices

    def _attention_pass(
        self, sources: Sequence[list[str]], targets: Sequence[list[str]], layer: int, head: int
    ) -> list[list[list[float]]]:
        input_ids, mask = self._encode(sources)
        target_ids = [self.vocab.target_ids(target) for target in targets]
        decoder_input = torch.full(
            (len(targets), 1 + max(len(ids) for ids in target_ids)), self.pad_id, dtype=torch.long
        )
        for i, ids in enumerate(target_ids):  # row: <pad> (the decoder start) + target
            decoder_input[i, 1 : 1 + len(ids)] = torch.tensor(ids, dtype=torch.long)
        out = self.model(
            input_ids=input_ids,
            attention_mask=mask,
            decoder_input_ids=decoder_input.to(self.device),
            output_attentions=True,
        )
        heads = out.cross_attentions[layer][:, head].float().cpu()  # batch x (target+1) x source
        # row j: the step that produced target piece j; columns: the source pieces and their </s>
        return [
            heads[i, : len(target), : len(source) + 1].tolist()
            for i, (source, target) in enumerate(zip(sources, targets))
        ]

    def attention(self, source: list[str], target: list[str], layer: int = -1, head: int = 0) -> list[list[float]]:
        return self.attention_batch([source], [target], layer=layer, head=head)[0]
