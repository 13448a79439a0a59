"""Online geocoding providers (opt-in): one module per service over `base.Provider`."""

from __future__ import annotations

from typing import Any

from geo.errors import GeoError
from geo.providers.base import Provider, RequestGate

__all__ = ["PROVIDERS", "Provider", "RequestGate", "make_provider"]

#: Registry names accepted by GEO_ONLINE and `--online`.
PROVIDERS = ("nominatim", "ban")


def make_provider(name: str, **kwargs: Any) -> Provider:
    """A provider by registry name; GeoError for an unknown one."""
    key = name.strip().lower()
    if key == "nominatim":
        from geo.providers.nominatim import NominatimProvider

        return NominatimProvider(**kwargs)
    if key == "ban":
        from geo.providers.ban import BANProvider

        return BANProvider(**kwargs)
    raise GeoError(f"unknown online provider {name!r} (known: {', '.join(PROVIDERS)})")
