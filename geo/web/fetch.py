"""Polite, bounded HTTP GET for pages and feeds.

Article URLs come from people and feeds, so they are untrusted: only http(s);
the host's addresses are resolved once and every one must be public (no
loopback, private, link-local... unless GEO_WEB_ALLOW lists it), and the
connection goes to the address that was checked, so a DNS answer cannot change
between the check and the connect; every redirect hop is checked the same way
and at most MAX_REDIRECTS are followed; one deadline covers the whole request
(connect, redirects, headers, body: a server dripping bytes cannot hold a run);
the body is capped (GEO_WEB_MAX_BYTES, gzip included). Politeness: an
identifying User-Agent (GEO_USER_AGENT), GEO_WEB_DELAY seconds between two
requests to one host, conditional GET (ETag / Last-Modified) when the caller
has validators. Built on http.client rather than a client library because
address pinning and a hard total deadline need the socket.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from geo import config
from geo.errors import WebError

MAX_REDIRECTS = 5
_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024
ACCEPT_PAGE = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
ACCEPT_ANY = ("text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
              "application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.5")


@dataclass(frozen=True)
class Response:
    """A complete answer: the body is whole (decompressed) and within the size cap."""

    url: str  # as requested
    final_url: str  # after redirects
    status: int  # 200, or 304 for a conditional GET that found nothing new
    headers: dict[str, str]  # lower-case names
    body: bytes
    fetched_at: dt.datetime

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None


def normalize_url(url: str) -> str:
    """The URL without its fragment and with a lower-case scheme and host: the
    identity of a page for the archive and the seen-items table."""
    parts = urlsplit(url.strip())
    netloc = parts.netloc.lower() if "@" not in parts.netloc else parts.netloc
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def _networks(items: list[str], url: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    out = []
    for item in items:
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise WebError(url, f"GEO_WEB_ALLOW: {item!r} is not an IP address or network") \
                from None
    return out


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_reserved or ip.is_unspecified)


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address that was checked, not to a fresh DNS answer."""

    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self) -> None:
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, ip: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._ip = ip

    def connect(self) -> None:
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


@dataclass
class Fetcher:
    """One per run: it remembers when each host was last asked (GEO_WEB_DELAY).

    `clock` and `sleep` are injectable so the politeness delay is tested without
    waiting; the limits default to the configuration.
    """

    timeout: float = field(default_factory=config.web_timeout)
    max_bytes: int = field(default_factory=config.web_max_bytes)
    delay: float = field(default_factory=config.web_delay)
    allow: list[str] = field(default_factory=config.web_allow)
    user_agent: str = field(default_factory=config.user_agent)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    host_delay: dict[str, float] = field(default_factory=dict)  # robots.txt Crawl-delay
    _last: dict[str, float] = field(default_factory=dict)

    def fetch(self, url: str, *, accept: str = ACCEPT_ANY, etag: str | None = None,
              last_modified: str | None = None) -> Response:
        """GET `url`, following redirects; WebError naming the URL and the cause."""
        if config.offline():
            raise WebError(url, "not fetched: GEO_OFFLINE=1 forbids web requests")
        deadline = [self.clock() + self.timeout]  # politeness waits extend it
        current = normalize_url(url)
        visited = [current]
        headers = {"User-Agent": self.user_agent, "Accept": accept,
                   "Accept-Encoding": "gzip", "Accept-Language": "fr,en;q=0.8"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        for _ in range(MAX_REDIRECTS + 1):
            status, reason, got, body = self._one(url, current, headers, deadline)
            if status in _REDIRECTS:
                location = got.get("location", "").strip()
                if not location:
                    raise WebError(url, f"HTTP {status} redirect without a Location")
                target = normalize_url(urljoin(current, location))
                if target in visited:
                    raise WebError(url, f"redirect loop ({current} -> {target})")
                visited.append(target)
                current = target
                continue
            if status == 304 and (etag or last_modified):
                return Response(url, current, 304, got, b"", _now())
            if status >= 400 or status < 200 or status == 304:
                raise WebError(url, f"HTTP {status} {reason}".strip()
                               + (f" (at {current})" if current != normalize_url(url) else ""),
                               status=status)
            return Response(url, current, status, got, body, _now())
        raise WebError(url, f"more than {MAX_REDIRECTS} redirects")

    # -- one request --

    def _one(self, url: str, target: str, headers: dict[str, str], deadline: list[float]
             ) -> tuple[int, str, dict[str, str], bytes]:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https"):
            raise WebError(url, f"only http and https URLs are fetched, not {target}")
        if parts.username or parts.password:
            raise WebError(url, "URLs with a user name or password are refused")
        host = parts.hostname
        if not host:
            raise WebError(url, f"no host in {target}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise WebError(url, f"invalid port in {target}") from None
        ip = self._resolve(url, host, port)
        deadline[0] += self._wait_turn(host)
        remaining = deadline[0] - self.clock()
        if remaining <= 0:
            raise WebError(url, f"no complete answer within {self.timeout:g} s")
        cls = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
        conn = cls(host, port, ip, timeout=remaining)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        expired = threading.Event()

        def cut() -> None:  # the deadline: unblock whatever read is waiting
            expired.set()
            sock = conn.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

        timer = threading.Timer(remaining, cut)
        timer.daemon = True
        timer.start()
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            got = {k.lower(): v for k, v in resp.getheaders()}
            body = b"" if resp.status in _REDIRECTS or resp.status == 304 \
                else self._body(url, resp, got, expired)
            return resp.status, resp.reason or "", got, body
        except WebError:
            raise
        except TimeoutError:
            raise WebError(url, f"no complete answer within {self.timeout:g} s") from None
        except ssl.SSLError as exc:
            raise WebError(url, f"TLS error: {exc.reason or exc}") from None
        except (OSError, http.client.HTTPException) as exc:
            if expired.is_set():
                raise WebError(url, f"no complete answer within {self.timeout:g} s") from None
            if isinstance(exc, ConnectionRefusedError):
                raise WebError(url, f"connection refused by {host}:{port}") from None
            detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise WebError(url, f"connection failed: {detail}") from None
        finally:
            timer.cancel()
            conn.close()
            self._last[host] = self.clock()

    def _body(self, url: str, resp: http.client.HTTPResponse, headers: dict[str, str],
              expired: threading.Event) -> bytes:
        limit = self.max_bytes
        too_large = f"too large (more than {limit / 1e6:.1f} MB; the limit is GEO_WEB_MAX_BYTES)"
        length = headers.get("content-length", "").strip()
        if length.isdigit() and int(length) > limit:
            raise WebError(url, f"too large ({int(length) / 1e6:.1f} MB announced; "
                                f"the limit is {limit / 1e6:.1f} MB)")
        encoding = headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("identity", "gzip", "x-gzip", ""):
            raise WebError(url, f"unsupported Content-Encoding {encoding!r}")
        inflate = zlib.decompressobj(wbits=31) if "gzip" in encoding else None
        out = bytearray()
        while True:
            chunk = resp.read(_CHUNK)
            if expired.is_set():
                raise WebError(url, f"no complete answer within {self.timeout:g} s")
            if not chunk:
                break
            if inflate is not None:
                try:
                    chunk = inflate.decompress(chunk, limit + 1 - len(out))
                except zlib.error as exc:
                    raise WebError(url, f"broken gzip body: {exc}") from None
            out += chunk
            if len(out) > limit:
                raise WebError(url, too_large)
        return bytes(out)

    def _resolve(self, url: str, host: str, port: int) -> str:
        """The address to connect to; every address of the host must be allowed."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise WebError(url, f"cannot resolve host {host}: "
                                f"{getattr(exc, 'strerror', None) or exc}") from None
        allowed = _networks(self.allow, url)
        chosen = None
        for info in infos:
            address = str(info[4][0]).split("%")[0]
            ip = ipaddress.ip_address(address)
            if not _is_public(ip) and not any(ip in net for net in allowed):
                raise WebError(url, f"refused: {host} is a private or local address ({ip}); "
                                    "GEO_WEB_ALLOW can permit it")
            chosen = chosen or address
        if chosen is None:
            raise WebError(url, f"cannot resolve host {host}")
        return chosen

    def _wait_turn(self, host: str) -> float:
        """Sleep until GEO_WEB_DELAY (or the host's Crawl-delay) has passed since the
        last request to this host; the seconds slept (they do not count against the
        request's deadline)."""
        last = self._last.get(host)
        if last is None:
            return 0.0
        wait = last + max(self.delay, self.host_delay.get(host, 0.0)) - self.clock()
        if wait <= 0:
            return 0.0
        self.sleep(wait)
        return wait


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
