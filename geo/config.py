"""Configuration from environment variables, read at call time (tests set them).

| variable | meaning | default |
| --- | --- | --- |
| GEO_DB | incident store (SQLite) | data/incidents.sqlite |
| GEO_CACHE | geocoding cache (SQLite) | data/geocache.sqlite |
| GEO_INDEX_DIR | where the compiled gazetteer index is kept | data/.index |
| GEO_ONLINE | comma-separated online providers to enable (nominatim, ban) | none |
| GEO_NOMINATIM_URL, GEO_BAN_URL | provider base URLs (tests: 127.0.0.1) | public |
| GEO_USER_AGENT | identifying user agent for Nominatim | prison-attacks-map/<version> |
| GEO_OFFLINE | 1: no request to any host but the app's own (geocoders and map tiles) | 0 |
| GEO_TILES | tile URL template, or "none" | OpenStreetMap |
| GEO_CORRECTIONS | analyst corrections file | data/corrections.json |
| GEO_ONLINE_TIMEOUT | total seconds one request to an online geocoder may take | 10 |
| GEO_ONLINE_MAX_BYTES | largest online geocoder answer read | 1 MB |
| GEO_CACHE_DAYS | days a cached online answer (a place found) is trusted | 90 |
| GEO_CACHE_NEGATIVE_DAYS | days a cached "no such place" is trusted | 30 |
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
SEEDS_DIR = ROOT / "seeds"


def _path(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser() if value else default


def db_path() -> Path:
    return _path("GEO_DB", DATA_DIR / "incidents.sqlite")


def cache_path() -> Path:
    return _path("GEO_CACHE", DATA_DIR / "geocache.sqlite")


def index_dir() -> Path:
    return _path("GEO_INDEX_DIR", DATA_DIR / ".index")


def corrections_path() -> Path:
    return _path("GEO_CORRECTIONS", DATA_DIR / "corrections.json")


def prisons_path() -> Path:
    return _path("GEO_PRISONS", DATA_DIR / "prisons.csv")


def offline() -> bool:
    return os.environ.get("GEO_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def online_providers() -> list[str]:
    """Enabled online geocoders, in order; always empty when GEO_OFFLINE is set."""
    if offline():
        return []
    raw = os.environ.get("GEO_ONLINE", "")
    return [p.strip().lower() for p in raw.split(",") if p.strip()]


#: Seconds to wait for an online geocoder's answer unless GEO_ONLINE_TIMEOUT says.
DEFAULT_ONLINE_TIMEOUT = 10.0


def online_timeout() -> float:
    """GEO_ONLINE_TIMEOUT: how long one request to an online geocoder may take."""
    raw = os.environ.get("GEO_ONLINE_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_ONLINE_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 < value < 3600:
        from geo.errors import GeoError

        raise GeoError(f"GEO_ONLINE_TIMEOUT={raw!r}: expected a number of seconds, e.g. 5")
    return value


def _number(var: str, default: float, *, low: float, high: float, example: str) -> float:
    """A positive number from the environment; GeoError naming the variable otherwise."""
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low < value <= high:
        from geo.errors import GeoError

        raise GeoError(f"{var}={raw!r}: expected {example}")
    return value


#: Largest answer read from an online geocoder unless GEO_ONLINE_MAX_BYTES says
#: (a Nominatim answer of 5 places with address details is about 10 KB).
DEFAULT_ONLINE_MAX_BYTES = 1_000_000


def online_max_bytes() -> int:
    """GEO_ONLINE_MAX_BYTES: a longer answer is a provider failure, not read to the end."""
    return int(_number("GEO_ONLINE_MAX_BYTES", DEFAULT_ONLINE_MAX_BYTES, low=0, high=1e9,
                       example="a number of bytes, e.g. 1000000"))


def cache_days() -> float:
    """GEO_CACHE_DAYS: how long a cached place found online is used before asking again."""
    return _number("GEO_CACHE_DAYS", 90.0, low=0, high=36500, example="a number of days, e.g. 90")


def cache_negative_days() -> float:
    """GEO_CACHE_NEGATIVE_DAYS: how long a cached "no such place" is used."""
    return _number("GEO_CACHE_NEGATIVE_DAYS", 30.0, low=0, high=36500,
                   example="a number of days, e.g. 30")


def user_agent() -> str:
    from geo import __version__

    return os.environ.get(
        "GEO_USER_AGENT",
        f"prison-attacks-map/{__version__} (set GEO_USER_AGENT to name yourself)",
    )


def nominatim_url() -> str | None:
    return os.environ.get("GEO_NOMINATIM_URL") or None


def ban_url() -> str | None:
    return os.environ.get("GEO_BAN_URL") or None


def tiles() -> str:
    """Tile URL template; "none" when offline or disabled."""
    if offline():
        return "none"
    return os.environ.get("GEO_TILES", "OpenStreetMap")
