"""How tag placement (mt.decoding.markup.place_tags) scales with the tags of one segment: N words, each wrapped in
its own paired tag (a paragraph of N formatted runs), linked one to one. Optionally times another copy of
markup.py (e.g. an older commit's, `git show REV:mt/decoding/markup.py > old.py`) for comparison.

    python eval/bench_tag_placement.py 2000 8000 20000
    python eval/bench_tag_placement.py --module old.py 500 1000 2000
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import time

from mt.formats.document import Tag


def load(path: str | None):
    if path is None:
        import mt.decoding.markup as module

        return module
    spec = importlib.util.spec_from_file_location("markup_under_test", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["markup_under_test"] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int, help="tags (= words) per segment")
    parser.add_argument("--module", help="another markup.py to time instead of mt's")
    args = parser.parse_args()
    module = load(args.module)
    for n in args.sizes:
        source = " ".join(f"w{k}" for k in range(n))
        target = " ".join(f"T{k}" for k in range(n))
        source_words = [(m.start(), m.end()) for m in re.finditer(r"\S+", source)]
        target_words = [(m.start(), m.end()) for m in re.finditer(r"\S+", target)]
        tags = [Tag(f"b{k}", start, end) for k, (start, end) in enumerate(source_words)]
        start = time.perf_counter()
        module.place_tags(tags, len(source), len(target), source_words, target_words, {(k, k) for k in range(n)})
        print(f"{n} tags: {time.perf_counter() - start:.3f} s", flush=True)


if __name__ == "__main__":
    main()
