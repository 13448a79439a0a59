"""Listing an ingest folder that holds a Git repository: what skipping hidden folders saves.

    .venv/bin/python -m benchmarks.bench_walk [--runs 5] [--objects 20000]

A temporary folder of 50 articles beside a `.git/objects/` of `--objects` files (a
modest repository). Prints the median time of `iter_article_paths` (the folder walk an
ingest starts with, which no longer goes into `.git/`) against `Path.rglob("*")` over the
same folder (what it did before). Writes only to a temporary folder, removed after.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.articles import iter_article_paths  # noqa: E402


def make_folder(root: Path, objects: int) -> None:
    for i in range(50):
        (root / f"article{i:02d}.txt").write_text("Des tirs ont visé la prison.", "utf-8")
    per_dir = max(1, objects // 256)
    for d in range(256):
        sub = root / ".git" / "objects" / f"{d:02x}"
        sub.mkdir(parents=True)
        for j in range(per_dir):
            (sub / f"{j:038x}").write_bytes(b"")


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--objects", type=int, default=20_000)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench-walk-"))
    try:
        make_folder(root, args.objects)
        found = iter_article_paths([root])
        assert len(found) == 50, len(found)
        now = median_ms(lambda: iter_article_paths([root]), args.runs)
        before = median_ms(lambda: [p for p in root.rglob("*") if p.is_file()], args.runs)
        print("| listing 50 articles beside a .git/ | median |")
        print("| --- | --- |")
        print(f"| before: every file, .git/ included (`rglob`) | {before:.1f} ms |")
        print(f"| now: hidden folders not walked into | {now:.1f} ms |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
