"""What every online provider shares: geopy set-up, pacing, and error translation.

A provider turns a name into candidate `Place`s through one geopy geocoder, and
raises only `geo.errors.GeocoderError` subclasses, so the geocoder can log one
line and fall back to the offline answer whatever went wrong on the wire.
"""

from __future__ import annotations

import functools
import logging
import math
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar
from urllib.error import HTTPError
from urllib.parse import urlsplit

from geopy import exc as geopy_exc
from geopy.adapters import AdapterHTTPError

from geo import config
from geo.errors import (
    GeocoderError,
    ProviderRateLimited,
    ProviderResponseError,
    ProviderUnavailable,
)
from geo.model import Place
from geo.providers.adapter import BoundedAdapter

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds to stay away from a provider that answered 429 without a Retry-After.
DEFAULT_BACKOFF = 60.0
#: Seconds to wait for an answer before giving up on a request (GEO_ONLINE_TIMEOUT).
DEFAULT_TIMEOUT = config.DEFAULT_ONLINE_TIMEOUT
#: A Retry-After longer than this is read as this: a hostile or broken service must
#: not switch a provider off for days in a long-running dashboard.
MAX_RETRY_AFTER = 900.0

#: (south, west, north, east) in degrees: the area a request is narrowed to.
Box = tuple[float, float, float, float]


class RequestGate:
    """Process-wide pacing for one service: a minimum interval, and Retry-After blocks.

    One gate per service host, shared by every provider instance in the process,
    so that two Geocoders together still send at most one request per interval.
    """

    _gates: ClassVar[dict[str, RequestGate]] = {}
    _gates_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.next_allowed = 0.0  # time.monotonic() before which no request may start
        self.blocked_until = 0.0  # set from Retry-After

    @classmethod
    def for_host(cls, host: str) -> RequestGate:
        with cls._gates_lock:
            gate = cls._gates.get(host)
            if gate is None:
                gate = cls._gates[host] = cls()
            return gate

    def wait_turn(self, min_interval: float, name: str) -> None:
        """Sleep until this process may send the next request; refuse while blocked."""
        with self._lock:
            now = time.monotonic()
            if self.blocked_until > now:
                raise ProviderRateLimited(
                    f"{name}: rate-limited, honouring Retry-After for "
                    f"{self.blocked_until - now:.0f} more s",
                    retry_after=self.blocked_until - now,
                )
            if self.next_allowed > now:
                time.sleep(self.next_allowed - now)
                now = time.monotonic()
            self.next_allowed = now + min_interval

    def block(self, seconds: float) -> None:
        with self._lock:
            self.blocked_until = max(self.blocked_until, time.monotonic() + seconds)


class Provider(ABC):
    """One online geocoding service reached through geopy."""

    #: Registry name, as in GEO_ONLINE and `--online`.
    name: ClassVar[str]
    #: Minimum seconds between two requests to this service from this process.
    min_interval: ClassVar[float] = 0.0
    #: Base URL when none is configured.
    default_url: ClassVar[str]

    def __init__(self, url: str | None = None, *, timeout: float | None = None,
                 user_agent: str | None = None, min_interval: float | None = None,
                 max_bytes: int | None = None) -> None:
        base = (url or self.default_url).rstrip("/")
        parts = urlsplit(base if "://" in base else f"https://{base}")
        self.url = base
        self.scheme = parts.scheme or "https"
        self.domain = parts.netloc + parts.path
        self.timeout = timeout if timeout is not None else config.online_timeout()
        self.user_agent = user_agent
        self.max_bytes = max_bytes if max_bytes is not None else config.online_max_bytes()
        if min_interval is not None:
            self.min_interval = min_interval  # type: ignore[misc]  # per-instance override
        self.gate = RequestGate.for_host(parts.netloc)
        # A proxy can never reach this machine's loopback: don't let one intercept tests.
        host = parts.hostname or ""
        self.proxies: dict[str, str] | None = (
            {} if host in {"127.0.0.1", "localhost", "::1"} else None
        )

    def geopy_options(self) -> dict[str, Any]:
        """Keyword arguments every geopy geocoder here gets: no retries, our deadline."""
        options: dict[str, Any] = {
            "domain": self.domain,
            "scheme": self.scheme,
            "timeout": self.timeout,
            # One attempt per request, a total deadline, a size cap, same-host
            # redirects, and the answer's shape checked (geo.providers.adapter).
            "adapter_factory": functools.partial(BoundedAdapter, max_bytes=self.max_bytes,
                                                 check=self._check_json),
        }
        if self.proxies is not None:
            options["proxies"] = self.proxies
        return options

    def search(self, query: str, *, area: Box | None = None, limit: int = 5) -> list[Place]:
        """Candidate places for a name, best first by the service's own ranking.

        Only the name is sent: never "France" nor a department's name, which
        services match as words of the place. `area` (the department's or region's
        box) narrows the request where the service can; the caller checks that
        each answer lies in it. Raises a `GeocoderError` subclass on any failure,
        a malformed answer included; [] means "no such place".
        """
        self.gate.wait_turn(self.min_interval, self.name)
        started = time.monotonic()
        raw = self._call(lambda: self._request(query, area, limit))
        log.debug("%s: %r answered in %.3f s", self.name, query, time.monotonic() - started)
        try:
            places = [p for p in (self._parse(item, query) for item in raw or ()) if p]
        except Exception as exc:  # any surprise in an answer is the service's failure
            raise ProviderResponseError(f"{self.name}: unexpected answer ({_short(exc)})") from exc
        for place in places:
            problem = _malformed(place)
            if problem:
                raise ProviderResponseError(f"{self.name}: malformed answer ({problem})")
        return places

    @abstractmethod
    def _check_json(self, data: Any) -> None:
        """Raise ProviderResponseError unless `data` has the service's answer shape."""

    @abstractmethod
    def _request(self, query: str, area: Box | None, limit: int) -> list[Any] | None:
        """Call geopy; return its list of Locations (or None)."""

    @abstractmethod
    def _parse(self, location: Any, query: str) -> Place | None:
        """One geopy Location -> a Place, or None to skip it."""

    def _call(self, fn: Callable[[], T]) -> T:
        """Run a geopy call, translating its exceptions into ours (and noting 429s)."""
        try:
            return fn()
        except geopy_exc.GeocoderRateLimited as exc:
            wait = float(exc.retry_after) if exc.retry_after is not None else DEFAULT_BACKOFF
            wait = min(max(wait, 0.0), MAX_RETRY_AFTER) if math.isfinite(wait) else DEFAULT_BACKOFF
            self.gate.block(wait)
            raise ProviderRateLimited(
                f"{self.name}: rate-limited (HTTP 429), retry after {wait:.0f} s",
                retry_after=wait,
            ) from exc
        except geopy_exc.GeocoderQuotaExceeded as exc:
            self.gate.block(DEFAULT_BACKOFF)
            raise ProviderRateLimited(f"{self.name}: quota exceeded ({exc})") from exc
        except geopy_exc.GeocoderTimedOut as exc:
            raise ProviderUnavailable(f"{self.name}: timed out after {self.timeout:g} s") from exc
        except geopy_exc.GeocoderUnavailable as exc:
            raise ProviderUnavailable(f"{self.name}: unreachable ({_short(exc)})") from exc
        except geopy_exc.GeocoderParseError as exc:
            raise ProviderResponseError(f"{self.name}: unreadable answer ({_short(exc)})") from exc
        except geopy_exc.GeopyError as exc:
            if _network_failure(exc):  # refused, reset, DNS: geopy calls these service errors
                raise ProviderUnavailable(f"{self.name}: unreachable ({_short(exc)})") from exc
            raise ProviderResponseError(f"{self.name}: service error ({_short(exc)})") from exc
        except ProviderResponseError as exc:  # from the adapter: name the provider
            if str(exc).startswith(f"{self.name}:"):
                raise
            raise ProviderResponseError(f"{self.name}: {exc}") from exc
        except GeocoderError:
            raise
        except OSError as exc:  # a socket error geopy did not wrap
            raise ProviderUnavailable(f"{self.name}: unreachable ({_short(exc)})") from exc
        except Exception as exc:  # geopy choking on an answer (NaN, no display_name...)
            raise ProviderResponseError(
                f"{self.name}: unexpected answer ({type(exc).__name__}: {_short(exc)})"
            ) from exc


def _malformed(place: Place) -> str | None:
    """What is wrong with a parsed place, or None: finite coordinates in range, a name."""
    lat, lon = place.lat, place.lon
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return "no coordinates"
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        return f"coordinates {lat!r}, {lon!r}"
    if not str(place.name or "").strip():
        return "a place without a name"
    return None


def _network_failure(exc: BaseException) -> bool:
    """Whether a geopy error was caused by the network rather than by an HTTP answer."""
    seen: BaseException | None = exc.__cause__ or exc.__context__
    while seen is not None:
        if isinstance(seen, AdapterHTTPError | HTTPError):
            return False
        if isinstance(seen, OSError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _short(exc: BaseException) -> str:
    """The first line of an exception's message, trimmed for a log line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]
