"""Base Adresse Nationale (the French national address base) through geopy's BANFrance.

It knows every French commune by its INSEE code, which the offline gazetteer
lacks for small communes; it knows no English exonyms.
"""

from __future__ import annotations

from typing import Any, ClassVar

from geopy.geocoders import BANFrance

from geo import config
from geo.errors import ProviderResponseError
from geo.model import Place
from geo.providers.base import Box, Provider

_KINDS = {"municipality": ("commune", "commune")}


class BANProvider(Provider):
    name: ClassVar[str] = "ban"
    min_interval: ClassVar[float] = 0.05  # the service allows 50 requests/s per address
    default_url: ClassVar[str] = "https://api-adresse.data.gouv.fr"

    def __init__(self, url: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("user_agent", config.user_agent())
        super().__init__(url or config.provider_url(self.name), **kwargs)
        self.geocoder = BANFrance(user_agent=self.user_agent, **self.geopy_options())

    def _request(self, query: str, area: Box | None, limit: int) -> list[Any] | None:
        # BAN has no area filter and reads every word as part of the address: send
        # the name alone, more candidates when the caller keeps only an area's.
        return self.geocoder.geocode(query, exactly_one=False,
                                     limit=limit * 2 if area is not None else limit)

    def _check_json(self, data: Any) -> None:
        """BAN answers a GeoJSON FeatureCollection of Point features."""
        if not isinstance(data, dict) or not isinstance(data.get("features"), list):
            raise ProviderResponseError(f"{self.name}: answer is not a FeatureCollection")
        for item in data["features"]:
            geometry = item.get("geometry") if isinstance(item, dict) else None
            if not isinstance(geometry, dict) or not isinstance(item.get("properties"), dict):
                raise ProviderResponseError(f"{self.name}: malformed feature in the answer")

    def _parse(self, location: Any, query: str) -> Place | None:
        props = location.raw.get("properties") or {}
        kind, precision = _KINDS.get(props.get("type", ""), ("landmark", "commune"))
        # context: "26, Drôme, Auvergne-Rhône-Alpes"
        context = [c.strip() for c in str(props.get("context") or "").split(",")]
        dept_code = context[0] if context and context[0] else None
        citycode = props.get("citycode") or None
        name = props.get("name") if kind == "commune" else props.get("label")
        return Place(
            query=query,
            name=name or props.get("city") or location.address,
            lat=round(float(location.latitude), 6),
            lon=round(float(location.longitude), 6),
            kind=kind,
            precision=precision,
            provider=self.name,
            insee=citycode if kind == "commune" else None,
            department=context[1] if len(context) > 1 else None,
            department_code=dept_code,
            region=context[2] if len(context) > 2 else None,
        )
