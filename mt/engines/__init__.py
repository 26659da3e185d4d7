"""Engines: where the Translator decodes. The local engine translates in this process; the Ray engine (the `ray`
extra) runs one Translator per actor of a Ray cluster. Both translate the same fixed batches of lines with the
same call (:func:`mt.engines.base.translate_batch`) and return each sentence as a job record; the driver's
Translator composes the lines from them with its memory and job (:func:`mt.engines.job.run_job`), as the default
path composes a block, so every engine writes the default path's bytes.

    from mt.engines.base import Batch, TranslatorSettings
    from mt.engines.local import LocalEngine
    engine = LocalEngine(TranslatorSettings(models={"ar-en": "opus-mt-ar-en-ct2"}), to="en")
    for done in engine.run([Batch(0, ("...", "..."))]): ...
"""
