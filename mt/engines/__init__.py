"""Engines: where the Translator runs. The local engine translates in this process; the Ray engine (the `ray`
extra) runs one Translator per actor of a Ray cluster. Both translate the same fixed batches of lines with the
same call (:func:`mt.engines.base.translate_batch`), so their outputs are the same bytes.

    from mt.engines.base import Batch, TranslatorSettings
    from mt.engines.local import LocalEngine
    engine = LocalEngine(TranslatorSettings(models={"ar-en": "opus-mt-ar-en-ct2"}), to="en")
    for done in engine.run([Batch(0, ("...", "..."))]): ...
"""
