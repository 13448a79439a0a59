"""geo.assets: GEO_STATIC_DIR places the map's files; a folder that cannot be written
is a StaticNotWritable naming it by its name (the page shows it to visitors)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo import assets
from geo.errors import GeoError


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
