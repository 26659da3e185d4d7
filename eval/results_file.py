"""One marked section of a results file (eval/results/*.md), replaced in place so that each benchmark rewrites
only its own part and keeps the others."""

from __future__ import annotations

from pathlib import Path


def write_section(path: Path, markers: tuple[str, str], text: str, title: str) -> None:
    """Put ``text`` between ``markers`` in ``path``: replace the marked section if there is one, else append it
    (a new file starts with ``title``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    old = path.read_text(encoding="utf-8") if path.exists() else f"{title}\n"
    block = f"{markers[0]}\n{text}\n{markers[1]}"
    if markers[0] in old and markers[1] in old:
        head, rest = old.split(markers[0], 1)
        new = head + block + rest.split(markers[1], 1)[1]
    else:
        new = old.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(new, encoding="utf-8")
