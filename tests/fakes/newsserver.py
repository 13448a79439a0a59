"""A real HTTP server on 127.0.0.1 that plays news sites and feeds, and misbehaves.

Why: the web intake must be tested over real sockets (status codes, headers,
redirects, slow and huge answers) without ever reaching an outside host.

    with FakeNewsServer() as server:
        server.page("/fr/article", html)                         # text/html
        server.feed("/feed.xml", rss_bytes)                      # ETag + 304 support
        server.route("/gone", status=404)
        server.route("/slow", body=b"...", delay=3)              # answers too late
        server.redirect("/a", "/b")
        server.huge("/big", 20_000_000, announce=True)           # streamed, 20 MB
        server.url + "/fr/article"
        server.hits("/feed.xml")                                 # requests received

It stops by itself after `lifetime` seconds if a test forgets to stop it.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    etag: bool = False  # answer If-None-Match with 304
    huge: int = 0  # stream this many bytes of filler instead of `body`
    announce: bool = True  # with `huge`: send Content-Length


@dataclass
class Hit:
    path: str
    headers: dict[str, str]


@dataclass
class _State:
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeNewsServer:
    def __init__(self, lifetime: float = 300.0) -> None:
        self.state = _State()
        state = self.state

        class Handler(_Handler):
            pass

        Handler.state = state
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)
        self._watchdog = threading.Timer(lifetime, self._httpd.shutdown)
        self._watchdog.daemon = True
        self._stopped = False

    def start(self) -> FakeNewsServer:
        self._thread.start()
        self._watchdog.start()
        return self

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._watchdog.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeNewsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # -- routes --

    def route(self, path: str, **kwargs: Any) -> str:
        with self.state.lock:
            self.state.routes[path] = Route(**kwargs)
        return self.url + path

    def page(self, path: str, html: str | bytes, **kwargs: Any) -> str:
        body = html.encode("utf-8") if isinstance(html, str) else html
        return self.route(path, body=body, **kwargs)

    def feed(self, path: str, xml: str | bytes,
             content_type: str = "application/rss+xml; charset=utf-8") -> str:
        body = xml.encode("utf-8") if isinstance(xml, str) else xml
        return self.route(path, body=body, content_type=content_type, etag=True)

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        return self.route(path, status=status, headers={"Location": to})

    def huge(self, path: str, size: int, announce: bool = True) -> str:
        return self.route(path, huge=size, announce=announce)

    def hits(self, path: str | None = None) -> list[Hit]:
        with self.state.lock:
            return [h for h in self.state.hits if path is None or h.path == path]


def short_story(n: int) -> str:
    """A small page of its own for feed item n: a story with no incident in it."""
    return (f"<html lang='fr'><head><title>Brève {n}</title></head><body><nav>Menu</nav>"
            f"<article><h1>Brève {n}</h1><p>Le conseil municipal de la commune s'est réuni "
            f"pour la séance numéro {n} et a voté le budget annuel des écoles, des routes et "
            "de la bibliothèque municipale.</p></article></body></html>")


def rss(base: str, paths: list[str]) -> str:
    """An RSS 2.0 feed whose items link to BASE+path, with a GUID each."""
    items = "".join(f"<item><title>Item {p}</title><link>{base}{p}</link>"
                    f"<guid>tag:fake,2025:{p}</guid></item>" for p in paths)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}'
            "</channel></rss>")


class _Handler(BaseHTTPRequestHandler):
    state: _State
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        with self.state.lock:
            self.state.hits.append(Hit(path, dict(self.headers)))
            route = self.state.routes.get(path)
        if route is None:
            self._send(404, b"<html><body>Not found</body></html>", "text/html")
            return
        if route.delay:
            time.sleep(route.delay)
        if route.huge:
            self._stream(route)
            return
        headers = dict(route.headers)
        if route.etag:
            tag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
            headers["ETag"] = tag
            if self.headers.get("If-None-Match") == tag:
                self._send(304, b"", None, headers)
                return
        self._send(route.status, route.body, route.content_type, headers)

    def _send(self, status: int, body: bytes, content_type: str | None,
              headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            if content_type:
                self.send_header("Content-Type", content_type)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _stream(self, route: Route) -> None:
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if route.announce:
                self.send_header("Content-Length", str(route.huge))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            block = b"<p>" + b"x" * 65_000 + b"</p>\n"
            sent = 0
            while sent < route.huge:
                piece = block[: route.huge - sent]
                self.wfile.write(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
