"""Alignment: word links within sentence pairs, sentence beads within documents, and their scorers.

    from mt.alignment import align_words, align_sentences, score_aer
    links = align_words(ar_lines, en_lines, method="statistical")          # [{(i, j), ...}, ...]
    beads = align_sentences(ar_doc, en_doc, pair="ar-en")                  # [SentenceBead(src, tgt, score)]
    att = cross_attention(model_dir, ar, en)                               # target subword x source subword
"""

from mt.alignment.attention import (AttentionAligner, SubwordAttention, align_attention, cross_attention,
                                    merge_to_words, piece_to_word)
from mt.alignment.pharaoh import Alignment, format_links, parse_line, read_alignments, write_alignments
from mt.alignment.scoring import (AERScore, SentenceAlignmentScore, score_aer, score_sentence_alignment,
                                  score_sentence_documents)
from mt.alignment.sentence import (SentenceAligner, SentenceBead, align_sentences, build_documents, read_beads,
                                   write_beads)
from mt.alignment.statistical import StatisticalAligner, align_statistical, eflomal_available
from mt.alignment.symmetrize import symmetrize
from mt.alignment.terms import TermLinkScore, find_term_instances, score_term_links
from mt.alignment.tokenize import Token, detect_language, tokenize, tokenize_with_offsets
from mt.alignment.words import align_words, read_parallel

__all__ = ["Alignment", "format_links", "parse_line", "read_alignments", "write_alignments", "AERScore",
           "SentenceAlignmentScore", "score_aer", "score_sentence_alignment", "score_sentence_documents",
           "SentenceAligner", "SentenceBead", "align_sentences", "build_documents", "read_beads", "write_beads",
           "StatisticalAligner", "align_statistical", "eflomal_available", "symmetrize", "Token",
           "detect_language", "tokenize", "tokenize_with_offsets", "align_words", "read_parallel", "TermLinkScore",
           "find_term_instances", "score_term_links",
           "AttentionAligner", "SubwordAttention", "align_attention", "cross_attention", "merge_to_words",
           "piece_to_word"]
