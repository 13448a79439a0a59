"""A geopy adapter that bounds each request: total deadline, size cap, same-host redirects.

Why not geopy's `URLLibAdapter`: its timeout limits each socket read, not the
request, so a server dripping one byte every 2 s holds a request for minutes;
it reads the whole body into memory whatever its size; and urllib follows
redirects to any host. Here:

- the deadline (GEO_ONLINE_TIMEOUT) covers connect, headers and body: a watchdog
  timer shuts the socket down when it passes, whatever the server does;
- the body is read in chunks and refused past `max_bytes` (GEO_ONLINE_MAX_BYTES);
- a redirect is followed only to the same scheme, host and port (3 at most);
- `check` (the provider's) validates the decoded JSON before geopy parses it,
  so a 200 carrying `{"error": ...}` is a failure, not "no such place".

Errors are geopy's (`GeocoderTimedOut`, `GeocoderUnavailable`,
`GeocoderParseError`, `AdapterHTTPError`) or ours (`ProviderResponseError`), so
`Provider._call` translates them as before.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.request import getproxies, proxy_bypass

from geopy.adapters import AdapterHTTPError, BaseSyncAdapter
from geopy.exc import GeocoderParseError, GeocoderTimedOut, GeocoderUnavailable

from geo.errors import ProviderResponseError

#: Redirects followed at most (same host only).
MAX_REDIRECTS = 3
_CHUNK = 64 * 1024
_REDIRECTS = {301, 302, 303, 307, 308}


class BoundedAdapter(BaseSyncAdapter):
    """geopy adapter: one attempt per request, bounded in time, size and destination."""

    def __init__(self, *, proxies: dict[str, str] | None, ssl_context: ssl.SSLContext | None,
                 max_bytes: int, check: Callable[[Any], None] | None = None) -> None:
        super().__init__(proxies=proxies, ssl_context=ssl_context)
        self.proxies = getproxies() if proxies is None else dict(proxies)
        self.ssl_context = ssl_context
        self.max_bytes = max_bytes
        self.check = check

    def get_json(self, url: str, *, timeout: float, headers: dict[str, str]) -> Any:
        text = self.get_text(url, timeout=timeout, headers=headers)
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise GeocoderParseError(f"not JSON ({type(exc).__name__})") from None
        if self.check is not None:
            self.check(data)
        return data

    def get_text(self, url: str, *, timeout: float, headers: dict[str, str]) -> str:
        deadline = time.monotonic() + timeout
        origin = _origin(url)
        for _ in range(MAX_REDIRECTS + 1):
            status, reason, response_headers, body = self._fetch(url, headers, timeout,
                                                                  deadline)
            if status in _REDIRECTS and response_headers.get("location"):
                target = urljoin(url, response_headers["location"])
                if _origin(target) != origin:
                    host = urlsplit(target).hostname or target[:80]
                    raise ProviderResponseError(f"redirect to another host ({host}) refused")
                url = target
                continue
            text = _decode(body, response_headers)
            if status >= 400:
                raise AdapterHTTPError(f"HTTP Error {status}: {reason}", status_code=status,
                                       headers=response_headers, text=text)
            return text
        raise ProviderResponseError(f"more than {MAX_REDIRECTS} redirects")

    def _connection(self, url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
        """A connection for `url` (through the proxy the environment names, if any) and
        the request target to send on it."""
        parts = urlsplit(url)
        host, scheme = parts.hostname or "", parts.scheme
        port = parts.port or (443 if scheme == "https" else 80)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        proxy = self.proxies.get(scheme) if self.proxies else None
        if proxy and not proxy_bypass(host):
            p = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
            if scheme == "https":
                conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                    p.hostname or "", p.port or 8080, timeout=timeout, context=self._context())
                conn.set_tunnel(host, port)
                return conn, target
            return http.client.HTTPConnection(p.hostname or "", p.port or 8080,
                                              timeout=timeout), url
        if scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=timeout,
                                               context=self._context()), target
        return http.client.HTTPConnection(host, port, timeout=timeout), target

    def _context(self) -> ssl.SSLContext:
        return self.ssl_context or ssl.create_default_context()

    def _fetch(self, url: str, headers: dict[str, str], timeout: float, deadline: float
               ) -> tuple[int, str, dict[str, str], bytes]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise GeocoderTimedOut("Service timed out")
        conn, target = self._connection(url, min(timeout, remaining))
        expired = threading.Event()
        held: list[socket.socket | None] = [None]  # the response keeps it after conn lets go

        def cut() -> None:  # the deadline passed: stop whatever the socket is doing
            expired.set()
            sock = held[0] or conn.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)

        watchdog = threading.Timer(remaining, cut)
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.connect()
            held[0] = conn.sock
            conn.request("GET", target, headers={**headers, "Accept-Encoding": "identity"})
            resp = conn.getresponse()
            response_headers = {k.lower(): v for k, v in resp.getheaders()}
            length = response_headers.get("content-length", "")
            if length.isdigit() and int(length) > self.max_bytes:
                raise ProviderResponseError(
                    f"answer of {int(length):,} bytes refused (limit {self.max_bytes:,})")
            chunks: list[bytes] = []
            size = 0
            while chunk := resp.read1(_CHUNK):
                size += len(chunk)
                if size > self.max_bytes:
                    raise ProviderResponseError(
                        f"answer larger than {self.max_bytes:,} bytes refused")
                chunks.append(chunk)
            if expired.is_set():
                raise GeocoderTimedOut("Service timed out")
            return resp.status, resp.reason, response_headers, b"".join(chunks)
        except ProviderResponseError:
            raise
        except TimeoutError as exc:
            raise GeocoderTimedOut("Service timed out") from exc
        except (OSError, http.client.HTTPException) as exc:
            if expired.is_set():
                raise GeocoderTimedOut("Service timed out") from exc
            raise GeocoderUnavailable(str(exc) or type(exc).__name__) from exc
        finally:
            watchdog.cancel()
            conn.close()


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def _decode(body: bytes, headers: dict[str, str]) -> str:
    charset = "utf-8"
    content_type = headers.get("content-type", "")
    for piece in content_type.split(";")[1:]:
        key, _, value = piece.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"')
    try:
        return body.decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise GeocoderParseError("Unable to decode the response bytes") from None
