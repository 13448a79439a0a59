"""Configuration from environment variables, read at call time (tests set them).

| variable | meaning | default |
| --- | --- | --- |
| GEO_DB | incident store (SQLite) | data/incidents.sqlite |
| GEO_CACHE | geocoding cache (SQLite) | data/geocache.sqlite |
| GEO_INDEX_DIR | where the compiled gazetteer index is kept | data/.index |
| GEO_STATIC_DIR | where the dashboard writes the map's files (served as static/) | static/ |
| GEO_ONLINE | comma-separated online providers to enable (nominatim, ban) | none |
| GEO_<NAME>_URL | base URL of each online provider (GEO_NOMINATIM_URL, GEO_BAN_URL) | public |
| GEO_USER_AGENT | identifying user agent for Nominatim | prison-attacks-map/<version> |
| GEO_OFFLINE | 1: no request to any host but the app's own (geocoders and map tiles) | 0 |
| GEO_TILES | tile URL template, or "none" | OpenStreetMap |
| GEO_CORRECTIONS | analyst corrections file | data/corrections.json |
| GEO_USERS | editors' sign-in file (argon2 hashes; `geo users add NAME`) | data/users.json |
| GEO_SIGNIN_ATTEMPTS | failed sign-ins (one name, one client) before a wait | 5 |
| GEO_SIGNIN_WINDOW | seconds within which those failures count | 900 |
| GEO_SIGNIN_DELAY | seconds of the first wait; each further one doubles (at most 1 h) | 60 |
| GEO_ONLINE_TIMEOUT | total seconds one request to an online geocoder may take | 10 |
| GEO_ONLINE_MAX_BYTES | largest online geocoder answer read | 1 MB |
| GEO_CACHE_DAYS | days a cached online answer (a place found) is trusted | 90 |
| GEO_CACHE_NEGATIVE_DAYS | days a cached "no such place" is trusted | 30 |
| GEO_PRISONS | the prison establishments file | data/prisons.csv |
| GEO_MAX_ARTICLE_BYTES | largest article file read (bigger ones are refused by name) | 5 MB |
| GEO_INGEST_WORKERS | processes extracting a large ingest (1: serial) | the CPUs, at most 8 |
| GEO_LANG_PACKS | extra folders of extraction language packs (path-separated) | none |
| GEO_EXTRACT_SECONDS | most seconds extraction may spend on one article | 5 |
| GEO_WEB_ARCHIVE | folder of fetched pages (HTML + text + sidecar) | web/ beside GEO_DB |
| GEO_WEB_TIMEOUT | total seconds one web request may take, redirects included | 30 |
| GEO_WEB_MAX_BYTES | largest web answer read (page or feed) | 10 MB |
| GEO_WEB_DELAY | seconds between two requests to the same host | 1 |
| GEO_WEB_MAX_ITEMS | feed items fetched per feed and run (the rest: next run) | 100 |
| GEO_WEB_ALLOW | private or loopback addresses/networks allowed (tests: 127.0.0.1) | none |
"""

from __future__ import annotations

import os
from functools import lru_cache
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


def static_dir() -> Path:
    """GEO_STATIC_DIR: the dashboard writes Leaflet's files and map payloads there, so
    the code tree can be read-only (`static/` there is then a link to this folder)."""
    return _path("GEO_STATIC_DIR", ROOT / "static")


def corrections_path() -> Path:
    return _path("GEO_CORRECTIONS", DATA_DIR / "corrections.json")


def users_path() -> Path:
    """GEO_USERS: the editors allowed to sign in to the dashboard (hashes, never passwords)."""
    return _path("GEO_USERS", DATA_DIR / "users.json")


def signin_attempts() -> int:
    """GEO_SIGNIN_ATTEMPTS: failed sign-ins of one name from one client before a wait."""
    return int(_number("GEO_SIGNIN_ATTEMPTS", 5, 1, 1000,
                       "a number of attempts between 1 and 1000", above=False))


def signin_window() -> float:
    """GEO_SIGNIN_WINDOW: the seconds within which failed sign-ins are counted."""
    return _number("GEO_SIGNIN_WINDOW", 900.0, 0, 86400, "a number of seconds, e.g. 900")


def signin_delay() -> float:
    """GEO_SIGNIN_DELAY: the first wait after too many failures (doubled each time after)."""
    return _number("GEO_SIGNIN_DELAY", 60.0, 0, 86400, "a number of seconds, e.g. 60")


def prisons_path() -> Path:
    return _path("GEO_PRISONS", DATA_DIR / "prisons.csv")


def lang_pack_dirs() -> tuple[Path, ...]:
    """Extra folders holding extraction language packs, one sub-folder per language."""
    return _pack_dirs(lang_packs_setting())


def lang_packs_setting() -> str:
    """GEO_LANG_PACKS as written: the cheap cache key of compiled extraction rules."""
    return os.environ.get("GEO_LANG_PACKS", "")


#: Largest article file read unless GEO_MAX_ARTICLE_BYTES says otherwise.
DEFAULT_MAX_ARTICLE_BYTES = 5 * 1024 * 1024


def max_article_bytes() -> int:
    """GEO_MAX_ARTICLE_BYTES, or 5 MB; a clear error rather than a traceback on a typo."""
    raw = os.environ.get("GEO_MAX_ARTICLE_BYTES", "").strip()
    if not raw:
        return DEFAULT_MAX_ARTICLE_BYTES
    try:
        return int(raw)
    except ValueError:
        from geo.errors import GeoError

        raise GeoError(f"GEO_MAX_ARTICLE_BYTES={raw!r}: expected a number of bytes") from None


def ingest_workers() -> int | None:
    """GEO_INGEST_WORKERS: a positive number of worker processes, None for automatic."""
    wanted = os.environ.get("GEO_INGEST_WORKERS", "")
    return int(wanted) if wanted.isdigit() and int(wanted) > 0 else None


@lru_cache(maxsize=8)
def _pack_dirs(raw: str) -> tuple[Path, ...]:
    return tuple(Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip())


def extract_seconds() -> float:
    """GEO_EXTRACT_SECONDS: the time one article may take to extract (a hostile or
    runaway file fails with a message instead of holding a worker for minutes)."""
    raw = os.environ.get("GEO_EXTRACT_SECONDS", "").strip()
    try:
        value = float(raw) if raw else 5.0
    except ValueError:
        from geo.errors import GeoError

        raise GeoError(f"GEO_EXTRACT_SECONDS={raw!r}: expected a number of seconds") from None
    return value if value > 0 else 5.0


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


def _number(var: str, default: float, low: float, high: float, example: str, *,
            above: bool = True) -> float:
    """A bounded number from the environment (over `low`, or from it when `above` is
    False, up to `high`); GeoError naming the variable otherwise."""
    raw = os.environ.get(var, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not (low < value if above else low <= value) or not value <= high:
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


def provider_url(name: str) -> str | None:
    """GEO_<NAME>_URL: an online provider's base URL (geo.providers.url_variable)."""
    from geo.providers import url_variable

    return os.environ.get(url_variable(name)) or None


def tiles() -> str:
    """Tile URL template; "none" when offline or disabled."""
    if offline():
        return "none"
    return os.environ.get("GEO_TILES", "OpenStreetMap")


# --- Web intake (geo.web) -----------------------------------------------------------


def web_archive_dir(store: Path | None = None) -> Path:
    """GEO_WEB_ARCHIVE: where fetched pages are kept, so a re-ingest works offline;
    by default `web/` beside the store they fed (data/web), like the dashboard's uploads."""
    return _path("GEO_WEB_ARCHIVE", (store or db_path()).parent / "web")


def web_timeout() -> float:
    """GEO_WEB_TIMEOUT: the total time one request may take (connect, redirects, body)."""
    return _number("GEO_WEB_TIMEOUT", 30.0, 0.1, 600, "a number of seconds between 0.1 and 600",
                   above=False)


def web_max_bytes() -> int:
    """GEO_WEB_MAX_BYTES: a news page is well under 10 MB; more is a mistake or an attack."""
    return int(_number("GEO_WEB_MAX_BYTES", 10 * 1024 * 1024, 1024, 1 << 31,
                       "a number of bytes between 1024 and 2147483648", above=False))


def web_delay() -> float:
    """GEO_WEB_DELAY: seconds between two requests to one host (politeness)."""
    return _number("GEO_WEB_DELAY", 1.0, 0, 3600, "a number of seconds between 0 and 3600",
                   above=False)


def web_max_items() -> int:
    """GEO_WEB_MAX_ITEMS: items fetched per feed and run; the others wait for the next run."""
    return int(_number("GEO_WEB_MAX_ITEMS", 100, 1, 100_000,
                       "a number of items between 1 and 100000", above=False))


def web_allow() -> list[str]:
    """GEO_WEB_ALLOW: private or loopback addresses/networks that may be fetched anyway."""
    raw = os.environ.get("GEO_WEB_ALLOW", "")
    return [p.strip() for p in raw.split(",") if p.strip()]
