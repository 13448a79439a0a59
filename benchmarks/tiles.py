"""What the offline tiles cost at start-up: `python -m benchmarks.tiles [--runs N]`.

- export: `geo.assets.install_tiles` of the committed `data/basemap.mbtiles` into a
  fresh folder (a server's first start), and again over the same folder (every
  later start: one hash of the file, then nothing written);
- size: the committed file and the exported folder on disk.
Medians of `--runs` runs, in a temporary folder; nothing is written to static/.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo import assets, basemap  # noqa: E402


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tiles")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    first, again, on_disk = [], [], 0
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="tiles-bench-") as tmp:
            folder = Path(tmp) / basemap.BUNDLE
            first.append(timed(lambda f=folder: assets.install_tiles(f)))
            again.append(timed(lambda f=folder: assets.install_tiles(f)))
            if run == 0:
                on_disk = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    tiles = len(list(basemap.read_tiles()))
    print(f"| offline tiles ({tiles}) | figure |\n| --- | --- |")
    print(f"| export into a fresh folder (first start) | {statistics.median(first) * 1e3:.0f} ms |")
    print(f"| export again, unchanged (later starts) | {statistics.median(again) * 1e3:.1f} ms |")
    print(f"| data/basemap.mbtiles | {basemap.MBTILES.stat().st_size / 1e6:.2f} MB |")
    print(f"| exported PNG files | {on_disk / 1e6:.2f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
