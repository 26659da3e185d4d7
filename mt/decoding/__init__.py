"""The decoding core: legs (a model with its settings), the scheduler that serves their decode requests in
shared backend calls, and the glossary enforcer that repairs hypotheses term by term.

Layers read top-down: mt.pipeline (lines, sentences, blocks, the pivot) -> mt.decoding -> mt.backends
(transformers, CTranslate2) -> mt.models (files, vocabularies) and mt.text. The interfaces between them are
written as Protocols in mt.decoding.protocols.
"""

from mt.decoding.batching import DecodeRequest, Running, Steps, run, serve
from mt.decoding.enforce import Enforcer
from mt.decoding.leg import JOINERS, Leg, Unit, UnitTranslation
from mt.decoding.protocols import Backend, DecoderLeg

__all__ = [
    "Backend",
    "DecodeRequest",
    "DecoderLeg",
    "Enforcer",
    "JOINERS",
    "Leg",
    "Running",
    "Steps",
    "Unit",
    "UnitTranslation",
    "run",
    "serve",
]
