"""geo.basemap: the tile arithmetic (XYZ against MBTiles' TMS rows) and reading the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo import basemap
from geo.errors import DataError
from tests.fakes.mbtiles import make_mbtiles, tile_bytes


def test_paris_is_in_the_tile_that_osm_names_for_it() -> None:
    # openstreetmap.org's tile of Paris at zoom 6 is 6/32/22 (XYZ, rows from the north).
    assert (basemap.tile_x(2.35, 6), basemap.tile_y(48.85, 6)) == (32, 22)
    assert basemap.tms_row(6, 22) == 41 and basemap.tms_row(6, 41) == 22
    assert (basemap.tile_x(-180, 0), basemap.tile_y(85, 0)) == (0, 0)


def test_covering_adds_a_margin_and_wraps_around_the_antimeridian() -> None:
    paris = (48.85, 2.35, 48.85, 2.35)
    assert basemap.covering(paris, 6, margin=0) == {(32, 22)}
    assert basemap.covering(paris, 6) == {(x, y) for x in (31, 32, 33) for y in (21, 22, 23)}
    wallis = (-14.4, -178.3, -13.1, -176.0)  # column 0 at zoom 6: its margin is column 63
    assert {x for x, _ in basemap.covering(wallis, 6)} == {63, 0, 1}
    assert basemap.covering((80, -180, 85, 180), 1) == {(0, 0), (1, 0), (0, 1), (1, 1)}


def test_read_tiles_turns_tms_rows_into_xyz(tmp_path: Path) -> None:
    db = make_mbtiles(tmp_path / "t.mbtiles", [(0, 0, 0), (1, 0, 1), (6, 32, 41)])
    got = list(basemap.read_tiles(db))
    assert got == [(0, 0, 0, tile_bytes(0, 0, 0)), (1, 0, 0, tile_bytes(1, 0, 1)),
                   (6, 32, 22, tile_bytes(6, 32, 41))]


def test_a_missing_or_foreign_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"^the offline base map nothing.mbtiles is missing"):
        list(basemap.read_tiles(tmp_path / "nothing.mbtiles"))
    (tmp_path / "notes.mbtiles").write_text("not a database", "utf-8")
    with pytest.raises(DataError, match=r"^notes.mbtiles: not an MBTiles file"):
        list(basemap.read_tiles(tmp_path / "notes.mbtiles"))
    too_deep = make_mbtiles(tmp_path / "deep.mbtiles", [(7, 0, 0)])
    with pytest.raises(DataError, match=r"tile 7/0/0 is outside zoom 0-6"):
        list(basemap.read_tiles(too_deep))
