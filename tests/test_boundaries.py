"""Point-in-polygon departments: the ray casting, the committed boundaries, the rule."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from geo.boundaries import Boundaries, assign_departments, point_in_polygon, point_in_ring
from geo.model import Incident

SQUARE = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0), (0.0, 0.0)]
HOLE = [(1.0, 1.0), (3.0, 1.0), (3.0, 3.0), (1.0, 3.0), (1.0, 1.0)]


@pytest.mark.parametrize(("lon", "lat", "inside"), [
    (2.0, 0.5, True), (0.1, 3.9, True), (-0.1, 2.0, False), (4.1, 2.0, False),
    (2.0, 4.5, False), (2.0, 2.0, True),
])
def test_point_in_ring(lon, lat, inside):
    assert point_in_ring(lon, lat, SQUARE) is inside


def test_holes_are_outside():
    assert point_in_polygon(0.5, 0.5, (SQUARE, HOLE))
    assert not point_in_polygon(2.0, 2.0, (SQUARE, HOLE))
    assert not point_in_polygon(5.0, 5.0, (SQUARE, HOLE))


@pytest.fixture(scope="module")
def bounds() -> Boundaries:
    return Boundaries.load()


@pytest.mark.parametrize(("lat", "lon", "code"), [
    (49.23492, 1.17657, "27"),  # Incarville (Eure), the seed's toll plaza
    (49.30808, 1.11641, "27"),  # the seed's approximate ambush point, 3 km from the border
    (49.44, 1.10, "76"),  # Rouen
    (48.8566, 2.3522, "75"),
    (41.9192, 8.7386, "2A"),  # Ajaccio
    (42.6973, 9.4509, "2B"),  # Bastia
    (-20.8823, 55.4504, "974"),  # Saint-Denis (La Réunion)
    (16.2411, -61.5331, "971"),  # Pointe-à-Pitre
    (-12.7806, 45.2279, "976"),  # Mamoudzou
    (43.5093, 5.1194, "13"),  # the Étang de Berre, in no commune: a filled hole
    (44.3836, 4.9903, "84"),  # Valréas, in the Enclave des Papes: a hole in the Drôme
])
def test_known_points_fall_in_their_department(bounds, lat, lon, code):
    area = bounds.department_at(lat, lon)
    assert area is not None and area.code == code


@pytest.mark.parametrize(("lat", "lon"), [(46.0, -4.0), (51.5, -0.12), (46.2, 6.15)])
def test_sea_and_abroad_are_in_no_department(bounds, lat, lon):
    assert bounds.department_at(lat, lon) is None  # Bay of Biscay, London, Geneva


def _incident(**kw) -> Incident:
    return Incident(incident_id="x", types=["ambush"], primary_type="ambush", **kw)


def test_an_approximate_point_takes_the_polygon_department():
    inc = _incident(lat=49.30808, lon=1.11641, geo_precision="approximate",
                    department="Seine-Maritime", region="Normandie")
    assign_departments([inc])
    assert (inc.department, inc.region) == ("Eure", "Normandie")


def test_a_known_commune_keeps_its_insee_department():
    # a point put in the Eure by mistake, but the commune's code says Seine-Maritime:
    # the code wins over a simplified border
    inc = _incident(lat=49.30808, lon=1.11641, geo_precision="commune", insee="76351",
                    department="Seine-Maritime", region="Normandie")
    assign_departments([inc])
    assert inc.department == "Seine-Maritime"


def test_unpinned_and_offshore_incidents_are_left_alone():
    country = _incident(geo_precision="country")
    dept = _incident(lat=49.3, lon=1.1, geo_precision="department", department="Seine-Maritime")
    sea = _incident(lat=46.0, lon=-4.0, geo_precision="approximate", department="Finistère")
    assign_departments([country, dept, sea])
    assert country.department is None and dept.department == "Seine-Maritime"
    assert sea.department == "Finistère"


def test_a_missing_file_leaves_departments_unchanged(tmp_path: Path, caplog):
    with caplog.at_level(logging.WARNING, logger="geo.boundaries"):
        empty = Boundaries.load(tmp_path / "absent.geojson")
    assert empty.areas == [] and "unreadable" in caplog.text
    inc = _incident(lat=49.30808, lon=1.11641, geo_precision="approximate",
                    department="Seine-Maritime")
    assign_departments([inc], empty)
    assert inc.department == "Seine-Maritime"


def test_a_small_file_is_read_with_its_names(tmp_path: Path):
    path = tmp_path / "d.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature",
        "properties": {"code": "99", "name": "Test", "region": "00", "region_name": "R"},
        "geometry": {"type": "Polygon", "coordinates": [SQUARE]}}]}), encoding="utf-8")
    area = Boundaries.load(path).department_at(1.0, 1.0)
    assert area is not None and (area.code, area.name, area.region_name) == ("99", "Test", "R")
