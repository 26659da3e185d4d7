"""Train tokenisers and write a seeded random Marian model directory."""

from __future__ import annotations

import hashlib
import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from mt.testing.corpus import training_lines

log = logging.getLogger(__name__)

LANGUAGE_TOKENS = {"zh": [">>cmn_Hans<<", ">>cmn_Hant<<", ">>yue_Hans<<", ">>yue_Hant<<"]}
FILLER_BIAS = -1.0e4
# --ends-sentences: the </s> logit follows the target position against the source length. The decoder's state
# carries its position (sinusoidal embeddings dominate random ones); the last decoder layer's first
# cross-attention head is made to attend evenly over the source and to subtract its mean position from the
# state. The </s> row of the (tied) embeddings reads that difference along END_DIRECTION (the way the positional
# signal moves from position 0 to END_DIRECTION_STEP), scaled by END_SCALE, with the logit bias END_BIAS: </s>
# wins after a number of pieces that grows with the source (on the tiny size, 7-50 pieces for 26-115 source
# pieces of FLORES dev).
END_DIRECTION_STEP = 120
END_SCALE = 8.0
END_BIAS = -6.0
END_SOURCE_WEIGHT = 2.0


@dataclass(frozen=True)
class ModelSize:
    """Architecture of a generated model."""

    d_model: int
    layers: int
    heads: int
    ffn: int
    vocab_size: int | None  # None: as many ids as the tokenisers need
    spm_pieces: int
    max_positions: int = 512


SIZES: dict[str, ModelSize] = {
    "tiny": ModelSize(d_model=32, layers=2, heads=2, ffn=64, vocab_size=None, spm_pieces=1000),
    # opus-mt's layers (d_model 512, 6+6 layers, 8 heads, FFN 2048) with a small vocabulary: quicker, and as
    # sensitive as the real size to the length a source is padded to (CTranslate2's float kernels; tiny is not)
    "wide": ModelSize(d_model=512, layers=6, heads=8, ffn=2048, vocab_size=None, spm_pieces=1000),
    "opus-mt-ar-en": ModelSize(d_model=512, layers=6, heads=8, ffn=2048, vocab_size=62834, spm_pieces=4000),
}


# trained SentencePiece models by (text digest, pieces): training is deterministic and takes seconds, and a test
# session builds many models over the same few corpora
_TRAINED_SPM: dict[tuple[str, int], bytes] = {}


def _train_spm(lines: list[str], pieces: int) -> bytes:
    """A unigram SentencePiece model of `lines` (trained once per process for the same lines and size)."""
    key = (hashlib.sha256("\n".join(lines).encode("utf-8", "surrogatepass")).hexdigest(), pieces)
    if key not in _TRAINED_SPM:
        _TRAINED_SPM[key] = _run_spm_trainer(lines, pieces)
    return _TRAINED_SPM[key]


def _run_spm_trainer(lines: list[str], pieces: int) -> bytes:
    import sentencepiece as spm

    model = io.BytesIO()
    characters = len(set("".join(lines)) - {" "})
    pieces = max(pieces, characters + 100)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=model,
        vocab_size=pieces,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        num_threads=2,
        input_sentence_size=len(lines),
        shuffle_input_sentence=False,
        seed_sentencepiece_size=200_000,
        minloglevel=2,
    )
    return model.getvalue()


def _vocabulary(source_spm: bytes, target_spm: bytes, target_lang: str, size: int | None) -> dict[str, int]:
    """The OPUS-MT id table: `</s>`, `<unk>`, language tokens, pieces of both sides, fillers, `<pad>` last."""
    import sentencepiece as spm

    table: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for token in LANGUAGE_TOKENS.get(target_lang, []):
        table[token] = len(table)
    for blob in (source_spm, target_spm):
        processor = spm.SentencePieceProcessor(model_proto=blob)
        for i in range(processor.get_piece_size()):
            piece = processor.id_to_piece(i)
            if not (processor.is_control(i) or processor.is_unknown(i)) and piece not in table:
                table[piece] = len(table)
    if size is not None:
        if len(table) + 1 > size:
            raise ValueError(f"the tokenisers need {len(table) + 1} ids, more than the size's {size}")
        for i in range(size - 1 - len(table)):
            table[f"<filler_{i}>"] = len(table)
    table["<pad>"] = len(table)
    return table


def _source_only_ids(table: dict[str, int], source_spm: bytes, target_spm: bytes) -> list[int]:
    """Ids of the pieces only the source tokeniser has (shared pieces such as digits and punctuation stay)."""
    import sentencepiece as spm

    def pieces(blob: bytes) -> set[str]:
        processor = spm.SentencePieceProcessor(model_proto=blob)
        return {processor.id_to_piece(i) for i in range(processor.get_piece_size())}

    return sorted(table[piece] for piece in pieces(source_spm) - pieces(target_spm) if piece in table)


def _end_sentences(model, eos: int, bias) -> None:
    """Give a random Marian model a </s> tendency that grows with the target position and falls with the source
    length (see END_DIRECTION_STEP); `bias` is the final logit bias being built, changed in place."""
    positions = model.model.decoder.embed_positions.weight
    direction = positions[END_DIRECTION_STEP] - positions[0]
    direction = direction / direction.norm()
    model.model.shared.weight[eos] = END_SCALE * direction
    bias[0, eos] = END_BIAS
    attention = model.model.decoder.layers[-1].encoder_attn
    width = model.config.d_model // model.config.decoder_attention_heads
    for projection in (attention.q_proj, attention.v_proj):  # head 0: even attention, values = mean position
        projection.weight[:width] = 0
        projection.bias[:width] = 0
    attention.v_proj.weight[0] = direction
    attention.out_proj.weight[:, :width] = 0
    attention.out_proj.weight[:, 0] = -END_SOURCE_WEIGHT * direction


def _write_tokenizer(
    out: Path, source_lang: str, target_lang: str, spec: ModelSize, data_dir: str | Path | None
) -> tuple[dict[str, int], bytes, bytes]:
    """Train both SentencePiece models, write them, the shared vocabulary and the tokenizer config into ``out``;
    return the vocabulary (piece -> id) and the two models."""
    source_spm = _train_spm(training_lines(source_lang, data_dir), spec.spm_pieces)
    target_spm = _train_spm(training_lines(target_lang, data_dir), spec.spm_pieces)
    table = _vocabulary(source_spm, target_spm, target_lang, spec.vocab_size)
    (out / "source.spm").write_bytes(source_spm)
    (out / "target.spm").write_bytes(target_spm)
    (out / "vocab.json").write_text(json.dumps(table, ensure_ascii=False, indent=1), encoding="utf-8")
    tokenizer_config = {
        "tokenizer_class": "MarianTokenizer",
        "source_lang": source_lang,
        "target_lang": target_lang,
        "model_max_length": spec.max_positions,
        "separate_vocabs": False,
        "unk_token": "<unk>",
        "eos_token": "</s>",
        "pad_token": "<pad>",
    }
    (out / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=1), encoding="utf-8")
    return table, source_spm, target_spm


def _config_values(spec: ModelSize, vocab_size: int, pad: int) -> dict:
    """The MarianConfig of a model of size ``spec`` (OPUS-MT's settings: swish, tied embeddings, </s> = 0)."""
    return dict(
        vocab_size=vocab_size,
        decoder_vocab_size=vocab_size,
        d_model=spec.d_model,
        encoder_layers=spec.layers,
        decoder_layers=spec.layers,
        encoder_attention_heads=spec.heads,
        decoder_attention_heads=spec.heads,
        encoder_ffn_dim=spec.ffn,
        decoder_ffn_dim=spec.ffn,
        max_position_embeddings=spec.max_positions,
        activation_function="swish",
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        pad_token_id=pad,
        decoder_start_token_id=pad,
        eos_token_id=0,
        forced_eos_token_id=0,
        bos_token_id=0,
        dropout=0.1,
        attention_dropout=0.0,
        activation_dropout=0.0,
        architectures=["MarianMTModel"],
    )


def _bar_unwritten_pieces(bias, table: dict[str, int], source_spm: bytes, target_spm: bytes) -> None:
    """Set the logit bias (a 1 x vocabulary tensor) of the pieces the model must never write to FILLER_BIAS: the
    fillers, the language tokens, padding, and the source language's own pieces."""
    fillers = [i for piece, i in table.items() if piece.startswith("<filler_") or piece.startswith(">>")]
    bias[0, fillers] = FILLER_BIAS
    bias[0, table["<pad>"]] = FILLER_BIAS
    # a trained model never writes the source language's own pieces: neither does this one (so its English
    # and Chinese hold no Arabic letter, and tests can check that no Arabic is left in a translation)
    bias[0, _source_only_ids(table, source_spm, target_spm)] = FILLER_BIAS


def build_model(
    out_dir: str | Path,
    size: str = "tiny",
    pair: str = "ar-en",
    seed: int = 0,
    data_dir: str | Path | None = None,
    ends_sentences: bool = False,
) -> Path:
    """Write a Hugging Face Marian model directory for `pair` ("ar-en" or "en-zh") into `out_dir`.

    Random weights never emit `</s>`, so every sentence runs to the decoding limit (what the tests and the
    benchmark want: fixed work). `ends_sentences` gives the model a `</s>` tendency that grows with the target
    position against the source's length instead (see END_DIRECTION_STEP): it ends every sentence,
    deterministically, after a number of pieces that grows with the source's (tiny size: 7-50 pieces for 26-115
    source pieces; opus-mt-ar-en size: 5-83 pieces for 6-109 source pieces of held-out UN lines, greedy or beam
    4; but a one-piece source, such as the heading القرار, runs to the limit), which makes a quick and quiet
    offline demo and eval/bench.py's natural-length runs.
    The model never writes a piece only the source tokeniser has (as a trained model would not).
    """
    import torch
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose from {', '.join(SIZES)}")
    source_lang, _, target_lang = pair.partition("-")
    if pair not in ("ar-en", "en-zh", "ar-zh"):
        raise ValueError(f"unknown pair {pair!r}; choose from ar-en, en-zh, ar-zh")
    spec = SIZES[size]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    table, source_spm, target_spm = _write_tokenizer(out, source_lang, target_lang, spec, data_dir)
    vocab_size = len(table)
    pad = table["<pad>"]
    torch.manual_seed(seed)
    model = MarianMTModel(MarianConfig(**_config_values(spec, vocab_size, pad))).eval()
    with torch.no_grad():
        bias = torch.zeros(1, vocab_size)
        _bar_unwritten_pieces(bias, table, source_spm, target_spm)
        if ends_sentences:
            _end_sentences(model, table["</s>"], bias)
        model.final_logits_bias.copy_(bias)
    model.generation_config = GenerationConfig(
        bad_words_ids=[[pad]],
        decoder_start_token_id=pad,
        eos_token_id=0,
        forced_eos_token_id=0,
        pad_token_id=pad,
        max_length=spec.max_positions,
        num_beams=4,
    )
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model.save_pretrained(out, safe_serialization=True)
    (out / "tarjama-testing.json").write_text(
        json.dumps(
            {
                "size": size,
                "pair": pair,
                "seed": seed,
                "ends_sentences": ends_sentences,
                "note": "random weights, built by mt.testing",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    log.info("built %s %s model with %d ids in %s", size, pair, vocab_size, out)
    return out
