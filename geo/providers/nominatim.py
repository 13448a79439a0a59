"""OpenStreetMap Nominatim through geopy: identifying user agent, one request per second.

Nominatim's usage policy asks for an identifying user agent and at most one
request per second; the gate in `base` enforces the interval for the whole
process and honours Retry-After after a 429.
"""

from __future__ import annotations

from typing import Any, ClassVar

from geopy.geocoders import Nominatim

from geo import config
from geo.errors import ProviderResponseError
from geo.model import Place
from geo.providers.base import Box, Provider

#: France and its overseas territories, as Nominatim's country filter spells them.
COUNTRY_CODES = ["fr", "gp", "mq", "gf", "re", "yt", "pm", "bl", "mf", "wf", "pf", "nc"]

_COMMUNE_TYPES = {"city", "town", "village", "municipality", "hamlet", "administrative"}
_AREA_KIND = {"county": "department", "state": "region", "country": "country"}


class NominatimProvider(Provider):
    name: ClassVar[str] = "nominatim"
    min_interval: ClassVar[float] = 1.0
    default_url: ClassVar[str] = "https://nominatim.openstreetmap.org"

    def __init__(self, url: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("user_agent", config.user_agent())
        super().__init__(url or config.provider_url(self.name), **kwargs)
        self.geocoder = Nominatim(user_agent=self.user_agent, **self.geopy_options())

    def _request(self, query: str, area: Box | None, limit: int) -> list[Any] | None:
        # The area as a bounded view box, not as words: "Bey, Ain" makes Nominatim
        # look for a place whose address contains "Ain".
        box = None
        if area is not None:
            south, west, north, east = area
            box = [(north, west), (south, east)]
        return self.geocoder.geocode(
            query, exactly_one=False, limit=limit, addressdetails=True, extratags=True,
            country_codes=COUNTRY_CODES, language="fr", viewbox=box, bounded=box is not None,
        )

    def _check_json(self, data: Any) -> None:
        """Nominatim answers a JSON array of objects with lat, lon and display_name."""
        if not isinstance(data, list):
            raise ProviderResponseError(f"{self.name}: answer is not a list of places "
                                        f"({type(data).__name__})")
        for item in data:
            if not isinstance(item, dict) or not all(k in item for k in
                                                     ("lat", "lon", "display_name")):
                raise ProviderResponseError(f"{self.name}: malformed place in the answer")

    def _parse(self, location: Any, query: str) -> Place | None:
        raw = location.raw
        address = raw.get("address") or {}
        osm_class, osm_type = raw.get("class", ""), raw.get("type", "")
        addresstype = raw.get("addresstype") or osm_type
        if osm_class == "amenity" and osm_type == "prison":
            kind, precision = "facility", "facility"
        elif addresstype in _AREA_KIND:
            kind = _AREA_KIND[addresstype]
            precision = kind
        elif osm_class in {"place", "boundary"} and addresstype in _COMMUNE_TYPES:
            kind, precision = "commune", "commune"
        else:
            # A named spot inside a commune: the point is good to the commune at least.
            kind, precision = "landmark", "commune"
        iso6 = address.get("ISO3166-2-lvl6") or ""
        dept_code = iso6[3:] if iso6.startswith("FR-") else None
        if dept_code is None:
            iso4 = address.get("ISO3166-2-lvl4") or ""
            if iso4[3:].isdigit():  # overseas departments are level 4 (FR-971...)
                dept_code = iso4[3:]
        extratags = raw.get("extratags") or {}
        name = raw.get("name") or str(location.address).split(",")[0].strip()
        return Place(
            query=query,
            name=name,
            lat=round(float(location.latitude), 6),
            lon=round(float(location.longitude), 6),
            kind=kind,
            precision=precision,
            provider=self.name,
            insee=extratags.get("ref:INSEE") or None,
            department=address.get("county") or None,
            department_code=dept_code,
            region=address.get("state") or None,
        )
