"""`mt finetune` learns: on the tiny random model, 66 steps on 300 real Tatoeba pairs lower the training loss and
raise chrF on a held-out slice of the same domain, and the output directory is a model that `mt translate` and
`mt models convert` accept.

The domain: Tatoeba ara-eng sentences about Sami (lines 1,000 on, after those mt.testing trains its tokenisers
on; at most 15 words). A d_model-32 random model learns the domain's frame ("Sami was ... .") within a few dozen
steps, which a held-out slice of it measures; on UN or TICO-19 lines (a vocabulary far wider than such a model
can take in within a minute) the held-out chrF moved by under a point. Measured (seed 1, 1 thread): training
loss 7.545 -> 4.543; held-out chrF 5.7 -> 8.4; FLORES chrF 9.2 -> 2.9 (the forgetting the report shows).
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import DATA

TATOEBA = DATA / "tatoeba"
TATOEBA_AR, TATOEBA_EN = (TATOEBA / f"tatoeba-test-v2021-08-07.ara-eng.araonly.{x}" for x in ("ara", "eng"))


def sami_pairs(count: int = 330) -> list[tuple[str, str]]:
    ar = TATOEBA_AR.read_text(encoding="utf-8").splitlines()
    en = TATOEBA_EN.read_text(encoding="utf-8").splitlines()
    return [(a, e) for a, e in zip(ar[1000:], en[1000:]) if len(a.split()) <= 15 and e.startswith("Sami")][:count]


@pytest.fixture(scope="module")
def tiny_ar_en(tmp_path_factory):
    """The tiny ar-en model with every logit free (source_pieces), as it was when this test was measured. The
    shared fixture's model never writes the source tokeniser's pieces (a fixed -1e4 logit bias); from that base
    the same 66 steps still lower the loss (6.92 -> 4.47) but held-out chrF falls (5.9 -> 3.1), not yet
    understood (lr 2e-3 and 110 steps the same)."""
    from mt.testing import build_model

    return build_model(tmp_path_factory.mktemp("models") / "tiny-ar-en", size="tiny", pair="ar-en", seed=1,
                       source_pieces=True)


@pytest.mark.slow
def test_finetune_lowers_loss_raises_held_out_chrf_and_leaves_a_usable_model(tiny_ar_en, tmp_path, run_cli):
    train = tmp_path / "sami.tsv"
    train.write_text("ar\ten\n" + "".join(f"{a}\t{e}\n" for a, e in sami_pairs()), encoding="utf-8")
    out = tmp_path / "tuned"
    code, stdout, err = run_cli("finetune", "--base", tiny_ar_en, "--train", train, "--out", out, "--valid-size", 30,
                                "--ood-size", 20, "--lr", "5e-3", "--epochs", 6, "--batch-tokens", 512,
                                "--eval-every", 1000, "--threads", 1, "--convert", "int8")
    assert code == 0, err
    report = json.loads((out / "tarjama-finetune.json").read_text(encoding="utf-8"))
    before, after = report["scores"]["before"], report["scores"]["after"]
    assert report["training"]["steps"] == 66 and report["validation"]["in_domain"]["pairs"] == 30
    assert after["train_loss"] < before["train_loss"] - 2.0                      # 7.545 -> 4.543
    assert after["in_domain"]["chrf"] >= before["in_domain"]["chrf"] + 1.5        # 5.7 -> 8.4
    assert report["scores"]["in_domain_gain"]["chrf"] == pytest.approx(
        after["in_domain"]["chrf"] - before["in_domain"]["chrf"], abs=0.02)
    assert report["scores"]["out_of_domain_change"] is not None
    assert report["base"]["model"] == tiny_ar_en.name and len(report["data"]["fingerprint"]) == 16
    assert f"{out}: in-domain chrF +" in stdout
    assert not (out / "checkpoints").exists()

    source = tmp_path / "in.ar"
    source.write_text("".join(a + "\n" for a, _ in sami_pairs(340)[330:]), encoding="utf-8")
    for model in (out, out / "ct2-int8"):
        code, translated, err = run_cli("translate", source, "--to", "en", "--model", f"ar-en={model}")
        assert code == 0, err
        assert len(translated.splitlines()) == 10 and "Sami" in translated
    code, _, err = run_cli("models", "convert", out, tmp_path / "converted")
    assert code == 0, err and (tmp_path / "converted" / "model.bin").exists()
