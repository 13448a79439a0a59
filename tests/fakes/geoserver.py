"""A real HTTP server on 127.0.0.1 that speaks the Nominatim and BAN JSON formats.

Why: provider and failing-service tests must exercise geopy's real HTTP path
(sockets, status codes, headers, timeouts) without ever reaching an outside host.

    with FakeGeocodingServer() as server:
        os.environ["GEO_NOMINATIM_URL"] = server.nominatim_url   # .../nominatim
        os.environ["GEO_BAN_URL"] = server.ban_url               # .../ban
        server.fail("429", retry_after=30)   # the next request gets a 429
        ...
        server.requests   # what reached it: path, params, headers, monotonic time

Faults, queued with `fail(mode, times=1)` or made permanent with `always(mode)`:
"timeout" (answers after `delay` s), "429" (with Retry-After), "500",
"malformed" (200 with broken JSON), "close" (drops the connection unanswered),
"nan" (a place with NaN coordinates), "abroad" (a place in Sydney claiming the
department asked), "drip" (one byte every `delay` s), "huge" (a body of
`HUGE_BYTES`), "error_json" (200 with {"error": ...}), "list_json" (200 with
[1, 2, 3]), "redirect" (302 to another host).
`refused_url()` gives an address where nothing listens (connection refused).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from geo.normalize import fold

FAULTS = ("timeout", "429", "500", "malformed", "close", "nan", "abroad", "drip", "huge",
          "error_json", "list_json", "redirect")
#: Size of the "huge" fault's body (streamed, never held in memory).
HUGE_BYTES = 50_000_000


@dataclass(frozen=True)
class FakePlace:
    """A place the fake services know; the data is made up for tests."""

    name: str
    lat: float
    lon: float
    department_code: str
    department: str
    region: str
    insee: str | None = None
    kind: str = "municipality"  # BAN type; Nominatim gets place/village


#: Default gazetteer of the fake services: places the offline gazetteer lacks or
#: homonyms in another department, so that online answers are distinguishable.
DEFAULT_PLACES: tuple[FakePlace, ...] = (
    FakePlace("Bey", 46.2211, 4.8536, "01", "Ain", "Auvergne-Rhône-Alpes", "01040"),
    FakePlace("Bey", 46.8199, 4.9676, "71", "Saône-et-Loire", "Bourgogne-Franche-Comté", "71033"),
    FakePlace("Hameau-Imaginaire", 45.1000, 5.2000, "38", "Isère", "Auvergne-Rhône-Alpes",
              "38999"),
    # a made-up homonym: the real Villepintes are in Seine-Saint-Denis and the Aude
    FakePlace("Villepinte", 46.6700, 5.5500, "39", "Jura", "Bourgogne-Franche-Comté", "39999"),
)


@dataclass
class RecordedRequest:
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    at: float  # time.monotonic()


@dataclass
class _Fault:
    mode: str
    retry_after: str | None = None
    delay: float = 2.0


@dataclass
class _State:
    places: list[FakePlace]
    faults: list[_Fault] = field(default_factory=list)
    always: _Fault | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeGeocodingServer:
    """Nominatim under /nominatim/search, BAN under /ban/search, on an ephemeral port."""

    def __init__(self, places: list[FakePlace] | tuple[FakePlace, ...] = DEFAULT_PLACES) -> None:
        self.state = _State(places=list(places))
        state = self.state

        class Handler(_Handler):
            pass

        Handler.state = state
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,),
                                        daemon=True)

    # ------------------------------------------------------------- lifecycle

    def start(self) -> FakeGeocodingServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeGeocodingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ addresses

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def nominatim_url(self) -> str:
        return f"{self.url}/nominatim"

    @property
    def ban_url(self) -> str:
        return f"{self.url}/ban"

    # --------------------------------------------------------------- script

    def fail(self, mode: str, *, times: int = 1, retry_after: str | None = "1",
             delay: float = 2.0) -> None:
        """Answer the next `times` requests with a fault."""
        if mode not in FAULTS:
            raise ValueError(f"unknown fault {mode!r}; one of {FAULTS}")
        with self.state.lock:
            self.state.faults.extend(_Fault(mode, retry_after, delay) for _ in range(times))

    def always(self, mode: str | None, *, retry_after: str | None = "1",
               delay: float = 2.0) -> None:
        """Answer every request with a fault (None: behave again)."""
        if mode is not None and mode not in FAULTS:
            raise ValueError(f"unknown fault {mode!r}; one of {FAULTS}")
        with self.state.lock:
            self.state.always = _Fault(mode, retry_after, delay) if mode else None

    @property
    def requests(self) -> list[RecordedRequest]:
        with self.state.lock:
            return list(self.state.requests)

    def requests_to(self, service: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path.startswith(f"/{service}/")]


def refused_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# ---------------------------------------------------------------- handler


class _Handler(BaseHTTPRequestHandler):
    state: _State
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        st = self.state
        with st.lock:
            st.requests.append(RecordedRequest(parts.path, params, dict(self.headers),
                                               time.monotonic()))
            fault = st.faults.pop(0) if st.faults else st.always
        if fault is not None and self._fault(fault, parts.path):
            return
        if parts.path.rstrip("/") == "/nominatim/search":
            body = self._nominatim(params)
            if fault is not None and fault.mode in ("nan", "abroad"):
                body = self._spoiled(body, fault.mode)
        elif parts.path.rstrip("/") == "/ban/search":
            body = self._ban(params)
            if fault is not None and fault.mode in ("nan", "abroad"):
                if not body["features"]:
                    body = self._ban({"q": self.state.places[0].name})
                for f in body["features"]:
                    f["geometry"]["coordinates"] = (
                        [float("nan"), float("nan")] if fault.mode == "nan" else [151.2, -33.87])
        else:
            self._send(404, b'{"error": "not found"}')
            return
        self._send(200, json.dumps(body).encode())

    def _spoiled(self, body: list[dict[str, Any]], mode: str) -> list[dict[str, Any]]:
        if not body:  # spoil an answer whatever was asked
            body = self._nominatim({"q": self.state.places[0].name})
        for place in body:
            if mode == "nan":
                place["lat"], place["lon"] = "nan", "inf"
            else:  # Sydney, still claiming the French department
                place["lat"], place["lon"] = "-33.87", "151.21"
        return body

    def _fault(self, fault: _Fault, path: str = "") -> bool:
        """Play a fault; True when the request is fully handled."""
        if fault.mode in ("nan", "abroad"):
            return False  # answered normally, then spoiled
        if fault.mode == "drip":
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                for _ in range(200):  # bounded: 200 bytes at most
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(fault.delay)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return True
        if fault.mode == "huge":
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(HUGE_BYTES))
                self.end_headers()
                block = b" " * 65536
                for _ in range(HUGE_BYTES // len(block)):
                    self.wfile.write(block)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return True
        if fault.mode == "error_json":
            self._send(200, b'{"error": "internal failure"}')
            return True
        if fault.mode == "list_json":
            self._send(200, b"[1, 2, 3]")
            return True
        if fault.mode == "redirect":
            self._send(302, b"", {"Location": f"http://example.org{path}"})
            return True
        if fault.mode == "timeout":
            time.sleep(fault.delay)
            return False  # then answer normally, too late for the client
        if fault.mode == "429":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._send(429, b'{"error": "rate limited"}', headers)
        elif fault.mode == "500":
            self._send(500, b"Internal Server Error", {"Content-Type": "text/plain"})
        elif fault.mode == "malformed":
            self._send(200, b'[{"lat": "43.1", "lon": ', {})
        elif fault.mode == "close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        return True

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout tests)

    def _matches(self, query: str) -> list[FakePlace]:
        """Places whose name starts the query; other words must name their department."""
        q = fold(query.replace(",", " "))
        out = []
        for p in self.state.places:
            name = fold(p.name)
            if q == name or q.startswith(name + " "):
                rest = q[len(name):].strip()
                if not rest or rest == "france" or fold(p.department) in rest.split(" france")[0]:
                    out.append(p)
        return out

    def _nominatim(self, params: dict[str, str]) -> list[dict[str, Any]]:
        limit = int(params.get("limit", "10"))
        out = []
        for i, p in enumerate(self._matches(params.get("q", ""))[:limit]):
            out.append({
                "place_id": 1000 + i,
                "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
                "lat": f"{p.lat}",
                "lon": f"{p.lon}",
                "class": "boundary",
                "type": "administrative",
                "addresstype": "village",
                "name": p.name,
                "display_name": f"{p.name}, {p.department}, {p.region}, France",
                "address": {
                    "village": p.name,
                    "county": p.department,
                    "ISO3166-2-lvl6": f"FR-{p.department_code}",
                    "state": p.region,
                    "country": "France",
                    "country_code": "fr",
                },
                "extratags": {"ref:INSEE": p.insee} if p.insee else {},
                "importance": 0.4,
            })
        return out

    def _ban(self, params: dict[str, str]) -> dict[str, Any]:
        limit = int(params.get("limit", "5"))
        features = []
        for p in self._matches(params.get("q", ""))[:limit]:
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": {
                    "label": p.name,
                    "score": 0.95,
                    "id": p.insee,
                    "type": p.kind,
                    "name": p.name,
                    "postcode": f"{p.department_code}000",
                    "citycode": p.insee,
                    "city": p.name,
                    "context": f"{p.department_code}, {p.department}, {p.region}",
                    "importance": 0.5,
                },
            })
        return {"type": "FeatureCollection", "version": "draft", "features": features,
                "query": params.get("q", "")}
