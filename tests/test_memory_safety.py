"""Issue 20 item 5: a damaged translation memory is refused before anything writes to it (SQLite's quick_check
on a read-only connection first), and a look-up (`mt tm lookup`, `mt tm stats`) opens the memory read-only:
the file keeps its bytes, damaged or healthy."""

from __future__ import annotations

import hashlib

import pytest

from tests.conftest import DATA

UN = DATA / "un_v1.0" / "UNv1.0.devset"


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def memory(run_cli, tmp_path):
    """A memory of 200 human UN pairs (113 pages of 4 KiB), imported by the CLI, and the Arabic lines."""
    ar = (UN.parent / (UN.name + ".ar")).read_text(encoding="utf-8").splitlines()[:200]
    en = (UN.parent / (UN.name + ".en")).read_text(encoding="utf-8").splitlines()[:200]
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("ar\ten\n" + "".join(f"{a}\t{e}\n" for a, e in zip(ar, en)), encoding="utf-8")
    tm = tmp_path / "un.tm"
    code, _, err = run_cli("tm", "import", pairs, "--tm", tm)
    assert code == 0, err
    return tm, ar


def test_a_look_up_never_writes_to_a_healthy_memory(run_cli, memory):
    tm, ar = memory
    before, size = _digest(tm), tm.stat().st_size
    for query in (ar[49], ar[120]):
        code, out, err = run_cli("tm", "lookup", query, "--tm", tm)
        assert code == 0 and "100.0  human" in out, err
    code, out, err = run_cli("tm", "stats", "--tm", tm)
    assert code == 0 and "200 entries" in out, err
    assert _digest(tm) == before and tm.stat().st_size == size


def test_a_damaged_memory_is_refused_untouched(run_cli, fast_tiny, memory, tmp_path):
    tm, ar = memory
    data = bytearray(tm.read_bytes())
    page = 60 * 4096  # 64 bytes flipped at the start of a page: its b-tree header and cell pointers
    data[page : page + 64] = bytes(b ^ 0x5A for b in data[page : page + 64])
    tm.write_bytes(bytes(data))
    before = _digest(tm)
    source = tmp_path / "in.txt"
    source.write_text("".join(line + "\n" for line in ar[:20]), encoding="utf-8")
    runs = [
        ("translate", source, "--to", "en", "--tm", tm, "-o", tmp_path / "out.txt", *fast_tiny),
        ("tm", "lookup", ar[49], "--tm", tm),
        ("tm", "stats", "--tm", tm),
    ]
    for args in runs:
        code, _, err = run_cli(*args)
        assert code == 1, (args, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "damaged translation memory" in lines[0] and str(tm) in lines[0], err
        assert _digest(tm) == before, args
    assert not (tmp_path / "out.txt").exists()


def test_read_modes_open_the_memory_read_only_and_leave_no_files_beside_it(
    run_cli, fast_tiny, tiny_ar_en, memory, tmp_path
):
    """`--tm-mode read` opens the memory read-only (SQLite's mode=ro), a look-up too, and neither leaves the
    empty -wal/-shm files a read-only connection makes; `--tm-mode off` does not open (nor create) it."""
    from mt.pipeline import Translator

    tm, ar = memory
    before = _digest(tm)
    sidecars = [tm.with_name(tm.name + "-wal"), tm.with_name(tm.name + "-shm")]
    with Translator(str(tiny_ar_en), tm=tm, tm_mode="read") as translator:
        assert translator.tm.read_only
    source = tmp_path / "in.txt"
    source.write_text("".join(line + "\n" for line in ar[:3]), encoding="utf-8")
    code, _, err = run_cli(
        "translate", source, "--to", "en", "--tm", tm, "--tm-mode", "read", "-o", tmp_path / "out.txt", *fast_tiny
    )
    assert code == 0 and "3 of 3 sentences reused" in err, err
    code, out, err = run_cli("tm", "lookup", ar[49], "--tm", tm)
    assert code == 0 and "100.0  human" in out, err
    assert _digest(tm) == before and not any(side.exists() for side in sidecars)
    missing = tmp_path / "none.tm"
    code, _, err = run_cli(
        "translate", source, "--to", "en", "--tm", missing, "--tm-mode", "off", "-o", tmp_path / "off.txt", *fast_tiny
    )
    assert code == 0 and not missing.exists(), err
