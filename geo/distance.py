"""Great-circle distance: the one formula the gazetteer, the geocoder, relative places
and the store's merge rules share (a hand-written haversine: geopy's `great_circle`
builds Point objects, too slow for the geocoder's inner loops)."""

from __future__ import annotations

import math

#: Twice the mean Earth radius (6,371 km).
_EARTH_DIAMETER_KM = 12742.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return _EARTH_DIAMETER_KM * math.asin(min(1.0, math.sqrt(a)))
