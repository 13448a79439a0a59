"""Which department a point is in: point-in-polygon against the department boundaries.

The boundaries are `data/boundaries/departments.geojson`, written by
`python -m geo.communes_build` (the COG's communes unioned per department and
simplified to about 600 m). An approximate point ("85 miles northwest of
Paris") is given the department it falls in, not the nearest known commune's,
which near a border is often the neighbour's.

A small ray-casting test over ~100 polygons of a few hundred vertices, with a
bounding-box filter first: a few microseconds per point, no geometry library
at runtime.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo import config
from geo.model import PINNABLE_PRECISIONS, Incident

log = logging.getLogger(__name__)

DEPARTMENTS_GEOJSON = config.DATA_DIR / "boundaries" / "departments.geojson"
#: The country's outline (mainland, Corsica, overseas departments): the map's land.
COUNTRY_GEOJSON = config.DATA_DIR / "boundaries" / "country.geojson"

Ring = list[tuple[float, float]]  # (lon, lat) vertices, closed or not


@dataclass(frozen=True)
class Area:
    """One department: its codes and names, bounding box and polygons (outer ring, holes)."""

    code: str
    name: str
    region: str
    region_name: str
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    polygons: tuple[tuple[Ring, ...], ...]


def point_in_ring(lon: float, lat: float, ring: Ring) -> bool:
    """Even-odd ray casting: whether (lon, lat) is inside a closed ring."""
    inside = False
    n = len(ring)
    x1, y1 = ring[n - 1]
    for i in range(n):
        x2, y2 = ring[i]
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
        x1, y1 = x2, y2
    return inside


def point_in_polygon(lon: float, lat: float, rings: tuple[Ring, ...]) -> bool:
    """Inside the outer ring and in none of the holes."""
    if not rings or not point_in_ring(lon, lat, rings[0]):
        return False
    return not any(point_in_ring(lon, lat, hole) for hole in rings[1:])


def _area(feature: dict[str, Any]) -> Area:
    props, geom = feature["properties"], feature["geometry"]
    coords = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    polygons = tuple(tuple([(float(x), float(y)) for x, y in ring] for ring in poly)
                     for poly in coords)
    xs = [x for poly in polygons for x, _ in poly[0]]
    ys = [y for poly in polygons for _, y in poly[0]]
    return Area(str(props["code"]), str(props["name"]), str(props["region"]),
                str(props["region_name"]), (min(xs), min(ys), max(xs), max(ys)), polygons)


class Boundaries:
    """The department polygons, loaded once per process (`Boundaries.load()`)."""

    _shared: dict[str, Boundaries] = {}  # noqa: RUF012 - one copy per file and process
    _lock = threading.Lock()

    def __init__(self, areas: list[Area]) -> None:
        self.areas = areas

    @classmethod
    def load(cls, path: Path | None = None) -> Boundaries:
        """The boundaries of `path` (default: the committed file); empty if it is absent."""
        path = Path(path) if path else DEPARTMENTS_GEOJSON
        key = str(path)
        with cls._lock:
            if key not in cls._shared:
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                    areas = [_area(f) for f in data["features"]]
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    log.warning("department boundaries %s unreadable (%s): departments of "
                                "approximate points stay those of the nearest commune", path, exc)
                    areas = []
                cls._shared[key] = cls(areas)
            return cls._shared[key]

    def department_at(self, lat: float, lon: float) -> Area | None:
        """The department containing the point, None at sea or abroad."""
        for a in self.areas:
            x0, y0, x1, y1 = a.bbox
            if x0 <= lon <= x1 and y0 <= lat <= y1 and any(
                    point_in_polygon(lon, lat, rings) for rings in a.polygons):
                return a
        return None


def assign_departments(incidents: Iterable[Incident], boundaries: Boundaries | None = None,
                       gazetteer: Any = None) -> None:
    """Give every pinned incident the department and region its point lies in.

    Where the incident's commune is known by its INSEE code, that code's department
    stands (the simplified borders are about 600 m off, and a commune's point may
    lie that close to one); otherwise (approximate points, quarters) the polygon
    decides. Points outside every department keep what they have.
    """
    from geo.gazetteer import department_code_of_insee

    b = boundaries or Boundaries.load()
    for inc in incidents:
        if inc.lat is None or inc.lon is None or inc.geo_precision not in PINNABLE_PRECISIONS:
            continue
        area = b.department_at(inc.lat, inc.lon)
        if area is None:
            continue
        if inc.insee and department_code_of_insee(inc.insee) != area.code:
            continue
        inc.department, inc.region = department_names(area, gazetteer)


def department_names(area: Area, gazetteer: Any) -> tuple[str, str]:
    """The department's and region's names as the gazetteer spells them (the COG's)."""
    from geo.gazetteer import NAME, REGION

    if gazetteer is not None:
        di = gazetteer.departments.get(area.code)
        if di is not None:
            rec = gazetteer.records[di]
            ri = gazetteer.regions.get(rec[REGION])
            return rec[NAME], gazetteer.records[ri][NAME] if ri is not None else area.region_name
    return area.name, area.region_name
