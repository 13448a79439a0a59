"""Online geocoding providers (opt-in): one module per service over `base.Provider`.

`SERVICE_TO_PROVIDER` (geopy's SERVICE_TO_GEOCODER habit) is the one registry: it
drives `make_provider`, the names GEO_ONLINE and `--online` accept, the CLI help
and each provider's URL setting (`GEO_<NAME>_URL`, `geo.config.provider_url`).
Importing this package stays cheap (no geopy) until a provider is made.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from geo.errors import GeoError

if TYPE_CHECKING:
    from geo.providers.base import Provider, RequestGate

__all__ = ["PROVIDERS", "SERVICE_TO_PROVIDER", "Provider", "RequestGate", "make_provider",
           "url_variable"]

#: Registry name -> "module:class" of its provider, imported when first made.
SERVICE_TO_PROVIDER: dict[str, str] = {
    "nominatim": "geo.providers.nominatim:NominatimProvider",
    "ban": "geo.providers.ban:BANProvider",
}
#: Registry names accepted by GEO_ONLINE and `--online`, in registry order.
PROVIDERS = tuple(SERVICE_TO_PROVIDER)


def url_variable(name: str) -> str:
    """The environment variable that points a provider elsewhere (tests: 127.0.0.1)."""
    return f"GEO_{name.upper()}_URL"


def make_provider(name: str, **kwargs: Any) -> Provider:
    """A provider by registry name; GeoError for an unknown one."""
    target = SERVICE_TO_PROVIDER.get(name.strip().lower())
    if target is None:
        raise GeoError(f"unknown online provider {name!r} (known: {', '.join(PROVIDERS)})")
    module, cls = target.split(":")
    return getattr(import_module(module), cls)(**kwargs)


def __getattr__(name: str) -> Any:
    """`Provider` and `RequestGate` from `base`, imported on first use."""
    if name in ("Provider", "RequestGate"):
        from geo.providers import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
