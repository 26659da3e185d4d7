"""Sentence alignment: Gale-Church lengths, anchors, optional translation similarity, banded DP."""

from mt.alignment.sentence.aligner import SentenceAligner, SentenceBead, align_sentences
from mt.alignment.sentence.anchors import document_anchors, sentence_anchors
from mt.alignment.sentence.lengths import BEADS, LENGTH_MODELS, LengthModel, char_length, length_model
from mt.alignment.sentence.synthetic import Perturbation, TestDocuments, build_documents
from mt.alignment.sentence.tsv import format_beads, read_beads, write_beads

__all__ = [
    "SentenceAligner",
    "SentenceBead",
    "align_sentences",
    "document_anchors",
    "sentence_anchors",
    "BEADS",
    "LENGTH_MODELS",
    "LengthModel",
    "char_length",
    "length_model",
    "Perturbation",
    "TestDocuments",
    "build_documents",
    "format_beads",
    "read_beads",
    "write_beads",
]
