"""Where France is, for checking online answers: boxes around each department and region.

Why: an online geocoder's answer is only trusted if it lies where it should: in
France (a broken or hostile service answering Sydney is a failure, not a pin),
in the department it claims, and in the department or region it was asked
for. The boxes are computed from the offline gazetteer's own places (no
coordinate typed by hand), widened by `MARGIN_DEG` because the gazetteer lacks
the smallest communes near a border.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING

from geo.gazetteer import DEPT, KIND, LAT, LON, REGION

if TYPE_CHECKING:
    from geo.gazetteer import Gazetteer

#: (south, west, north, east) in degrees.
Box = tuple[float, float, float, float]

#: Degrees added around each box (about 20 km).
MARGIN_DEG = 0.2


class Bounds:
    """Department and region boxes of one gazetteer."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        departments: dict[str, list[float]] = {}
        regions: dict[str, list[float]] = {}
        for rec in gazetteer.records:
            if rec[KIND] not in ("commune", "facility"):
                continue
            lat, lon = rec[LAT], rec[LON]
            if lat is None or lon is None:
                continue
            for table, code in ((departments, rec[DEPT]), (regions, rec[REGION])):
                if not code:
                    continue
                box = table.get(code)
                if box is None:
                    table[code] = [lat, lon, lat, lon]
                else:
                    box[0], box[1] = min(box[0], lat), min(box[1], lon)
                    box[2], box[3] = max(box[2], lat), max(box[3], lon)
        self.departments = {k: _widen(v) for k, v in departments.items()}
        self.regions = {k: _widen(v) for k, v in regions.items()}

    def area(self, department: str | None, region: str | None) -> Box | None:
        """The box of a department code (else a region code); None if neither is known."""
        if department and department in self.departments:
            return self.departments[department]
        if region and region in self.regions:
            return self.regions[region]
        return None

    def in_france(self, lat: float, lon: float) -> bool:
        """Whether a point lies near any French department (overseas ones included)."""
        return any(inside(box, lat, lon) for box in self.departments.values())

    def in_department(self, code: str, lat: float, lon: float) -> bool:
        """Whether a point lies in a department's box; True for a code we do not know."""
        box = self.departments.get(code)
        return box is None or inside(box, lat, lon)

    def in_region(self, code: str, lat: float, lon: float) -> bool:
        box = self.regions.get(code)
        return box is None or inside(box, lat, lon)


def inside(box: Box, lat: float, lon: float) -> bool:
    if not (isinstance(lat, int | float) and isinstance(lon, int | float)
            and math.isfinite(lat) and math.isfinite(lon)):
        return False
    south, west, north, east = box
    return south <= lat <= north and west <= lon <= east


def _widen(box: list[float]) -> Box:
    south, west, north, east = box
    return (max(-90.0, south - MARGIN_DEG), max(-180.0, west - MARGIN_DEG),
            min(90.0, north + MARGIN_DEG), min(180.0, east + MARGIN_DEG))


_BOUNDS: dict[int, tuple[Gazetteer, Bounds]] = {}
_LOCK = threading.Lock()


def bounds_of(gazetteer: Gazetteer) -> Bounds:
    """The boxes of a gazetteer, computed once per gazetteer object (about 10 ms)."""
    with _LOCK:
        hit = _BOUNDS.get(id(gazetteer))
        if hit is None or hit[0] is not gazetteer:
            hit = _BOUNDS[id(gazetteer)] = (gazetteer, Bounds(gazetteer))
        return hit[1]
