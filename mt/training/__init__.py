"""Fine-tuning (`mt finetune`): adapt a Marian model to the user's own translations, on CPU.

    from mt.training.run import finetune
    from mt.training.settings import FinetuneSettings
    result = finetune(FinetuneSettings(base="Helsinki-NLP/opus-mt-ar-en", train=[Path("tm.tmx")], out=Path("ft")))
    result.report["scores"]["in_domain_gain"]

Modules, one job each: sources (read pairs from any file Tarjama reads), prepare (filter, hold out,
fingerprint), glossary_check (pairs that contradict a glossary), validation (sets and their scores through the
pipeline and the evaluator), batches (ids and token-budget batches), loop (the PyTorch loop), checkpoint (save
and resume), output (the output directory), settings, run (one run, start to end). Part of the `train` extra:
it needs torch and transformers, which the core install leaves out. This package file imports nothing, so that
the command line can read the settings' defaults without loading torch.
"""
