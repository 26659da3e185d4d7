"""Alignment: word links within sentence pairs, sentence beads within documents, and their scorers.

    from mt.alignment import align_words, align_sentences, score_aer
    links = align_words(ar_lines, en_lines, method="statistical")          # [{(i, j), ...}, ...]
    beads = align_sentences(ar_doc, en_doc, pair="ar-en")                  # [SentenceBead(src, tgt, score)]
    att = cross_attention(model_dir, ar, en)                               # target subword x source subword

The names load on first use (PEP 562), so that a light submodule (tokenize, statistical) can be imported
without the attention aligner's model runtime (torch, transformers, CTranslate2).
"""

from __future__ import annotations

from importlib import import_module

# light, and named like their modules (``tokenize``, ``symmetrize``): bound now, so the function, not the
# submodule, is what ``from mt.alignment import tokenize`` gives
# (``import x as x``: an explicit re-export, named in ``__all__`` below)
from mt.alignment.symmetrize import symmetrize as symmetrize
from mt.alignment.tokenize import Token as Token
from mt.alignment.tokenize import detect_language as detect_language
from mt.alignment.tokenize import tokenize as tokenize
from mt.alignment.tokenize import tokenize_with_offsets as tokenize_with_offsets

_WHERE = {
    "mt.alignment.attention": (
        "AttentionAligner",
        "SubwordAttention",
        "align_attention",
        "cross_attention",
        "merge_to_words",
        "piece_to_word",
    ),
    "mt.alignment.pharaoh": ("Alignment", "format_links", "parse_line", "read_alignments", "write_alignments"),
    "mt.alignment.scoring": (
        "AERScore",
        "SentenceAlignmentScore",
        "score_aer",
        "score_sentence_alignment",
        "score_sentence_documents",
    ),
    "mt.alignment.sentence": (
        "SentenceAligner",
        "SentenceBead",
        "align_sentences",
        "build_documents",
        "read_beads",
        "write_beads",
    ),
    "mt.alignment.statistical": ("StatisticalAligner", "align_statistical", "eflomal_available"),
    "mt.alignment.terms": ("TermLinkScore", "find_term_instances", "score_term_links"),
    "mt.alignment.words": ("align_words", "read_parallel"),
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}

__all__ = sorted([*_MODULE, "symmetrize", "Token", "detect_language", "tokenize", "tokenize_with_offsets"])


def __getattr__(name: str) -> object:
    if name not in _MODULE:
        raise AttributeError(f"module 'mt.alignment' has no attribute {name!r}")
    value = getattr(import_module(_MODULE[name]), name)
    globals()[name] = value
    return value
