"""geo.assets: GEO_STATIC_DIR places the map's files; a folder that cannot be written
is a StaticNotWritable naming it by its name (the page shows it to visitors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo import assets, basemap
from geo.errors import GeoError
from tests.fakes.mbtiles import make_mbtiles, tile_bytes


def test_the_map_files_go_where_geo_static_dir_says(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setenv("GEO_STATIC_DIR", str(tmp_path / "served"))
    assert assets.static_root() == tmp_path / "served"
    vendor = assets.install()
    assert (vendor / "leaflet" / "leaflet.js").is_file() and vendor.parent == tmp_path / "served"
    url = assets.publish('{"n": 1}')
    assert (tmp_path / "served" / "mapdata" / url.rsplit("/", 1)[1]).is_file()


def test_an_unwritable_map_folder_is_a_clear_error(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    (tmp_path / "plain-file").write_text("x", "utf-8")
    monkeypatch.setenv("GEO_STATIC_DIR", str(tmp_path / "plain-file" / "static"))
    for call in (assets.install, lambda: assets.publish('{"n": 2}')):
        with pytest.raises(assets.StaticNotWritable) as info:
            call()
        message = str(info.value)
        assert message.startswith("the map's files cannot be written to the folder 'static'")
        assert "GEO_STATIC_DIR" in message and str(tmp_path) not in message


def test_a_map_folder_the_app_does_not_serve_is_named(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    assets.check_served()  # the default: static/ beside dashboard.py
    monkeypatch.setenv("GEO_STATIC_DIR", str(tmp_path / "served"))
    with pytest.raises(GeoError, match=r"^GEO_STATIC_DIR \('served'\) is not the folder"):
        assets.check_served()
    link = tmp_path / "static"
    link.symlink_to(assets.SERVED_DIR)
    monkeypatch.setenv("GEO_STATIC_DIR", str(link))
    assets.check_served()  # a link to the served folder is that folder


def test_the_offline_tiles_are_exported_once_as_xyz_files(tmp_path: Path) -> None:
    source = make_mbtiles(tmp_path / "a.mbtiles", [(0, 0, 0), (1, 1, 1), (6, 32, 41)])
    folder = tmp_path / "static" / "vendor" / "osm-tiles"
    assert assets.install_tiles(folder, source) == 3
    # TMS row 41 at zoom 6 is Leaflet's y 22 (rows counted from the north).
    assert (folder / "6" / "32" / "22.png").read_bytes() == tile_bytes(6, 32, 41)
    assert (folder / "1" / "1" / "0.png").read_bytes() == tile_bytes(1, 1, 1)
    before = (folder / "0" / "0" / "0.png").stat().st_mtime_ns
    assert assets.install_tiles(folder, source) == 0  # unchanged: nothing written
    assert (folder / "0" / "0" / "0.png").stat().st_mtime_ns == before
    # A new tile set: changed tiles rewritten, tiles it no longer holds removed.
    newer = make_mbtiles(tmp_path / "b.mbtiles", [(0, 0, 0), (1, 1, 1)], salt="v2")
    assert assets.install_tiles(folder, newer) == 2
    assert (folder / "1" / "1" / "0.png").read_bytes() == tile_bytes(1, 1, 1, "v2")
    assert not (folder / "6").exists() or not list((folder / "6").rglob("*.png"))
    assert not [p for p in folder.rglob(".*")]  # no temporary files left behind


def test_install_exports_the_committed_tiles_where_the_map_asks(tmp_path: Path) -> None:
    vendor = assets.install(tmp_path)
    tiles = vendor / basemap.BUNDLE
    assert len(list(tiles.rglob("*.png"))) == len(list(basemap.read_tiles()))
    template = assets.url(basemap.BUNDLE, basemap.TILE_PATH, "")
    paris = template.format(z=6, x=32, y=22).removeprefix("/vendor/")
    assert (vendor / paris).read_bytes().startswith(b"\x89PNG")


def test_a_tile_folder_that_cannot_be_written_is_the_clear_error(tmp_path: Path) -> None:
    vendor = tmp_path / "static" / assets.VENDOR_DIR_NAME
    vendor.mkdir(parents=True)
    (vendor / basemap.BUNDLE).write_text("in the way", "utf-8")
    with pytest.raises(assets.StaticNotWritable) as info:
        assets.install(tmp_path / "static")
    assert str(tmp_path) not in str(info.value) and "'static'" in str(info.value)
