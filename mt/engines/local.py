"""The local engine: one Translator in this process translates the batches one after another."""

from __future__ import annotations

import time
from typing import Iterable, Iterator

from mt.engines.base import Batch, BatchResult, TranslatorSettings, translate_batch, worker_name
from mt.pipeline import Translator


class LocalEngine:
    """Translate batches in this process with ``settings.build()`` (``threads``: all cores unless set)."""

    name = "local"

    def __init__(self, settings: TranslatorSettings, to: str) -> None:
        self.settings = settings
        self.to = to
        self.translator: Translator | None = None
        self.load_seconds: dict[str, float] = {}  # this process: its model load
        self.start_seconds = 0.0  # nothing to start

    def start(self) -> float:
        """Nothing to start: the models load with the first batch (a job the memory answers whole loads none)."""
        return 0.0

    def load(self) -> Translator:
        """The translator, its models loaded (once); the load's seconds go to :attr:`load_seconds`."""
        if self.translator is None:
            began = time.perf_counter()
            self.translator = self.settings.build()
            self.translator.legs(self.to)
            self.load_seconds[worker_name()] = time.perf_counter() - began
        return self.translator

    def run(self, batches: Iterable[Batch]) -> Iterator[BatchResult]:
        for batch in batches:
            yield translate_batch(self.load(), batch, self.to)

    def close(self) -> None:
        if self.translator is not None:
            self.translator.close()
            self.translator = None
