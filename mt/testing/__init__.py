"""Build Marian models offline, in seconds, for tests and benchmarks.

No model hub is needed: SentencePiece models are trained on the seed article (and on eval/data when present),
a Marian vocabulary is written in the OPUS-MT layout and a MarianMTModel with seeded random weights is saved.

Layout, as the real OPUS-MT models have it (and as the CTranslate2 converter expects): `</s>` id 0, `<unk>` id 1,
`<pad>` the last id, which is also the decoder start token. The `opus-mt-ar-en` size reproduces the real model's
architecture exactly (d_model 512, 6+6 layers, 8 heads, FFN 2048, 62,834 ids): SentencePiece trained on little
text has a few thousand pieces, so the vocabulary is padded with filler entries whose final logit bias is very
negative; the output stays spellable while the compute is that of the real model.

Random weights give arbitrary text: tests assert what must hold for any model (structure, line counts, terms,
determinism), never translation quality.
"""

from __future__ import annotations

from mt.testing.build import SIZES, build_model

__all__ = ["SIZES", "build_model"]
