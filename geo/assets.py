"""Leaflet and its plugins, served by the app itself so the map works with no internet.

folium points every map at public CDNs. We instead take the files from registry
packages that the project's setup installs (`xstatic-leaflet`,
`xstatic-leaflet-markercluster`: the upstream release files, images included),
copy them at start-up into `static/vendor/` next to `dashboard.py` (git-ignored),
which Streamlit serves at `/app/static/vendor/` (`server.enableStaticServing`),
and `geo.mapview` rewrites folium's asset URLs to those paths. The offline
OpenStreetMap tiles (`geo.basemap`, committed as one MBTiles file) are exported the
same way, once, as `vendor/osm-tiles/{z}/{x}/{y}.png`. Nothing copied here is
committed, nothing is fetched from another host.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from geo import basemap, config
from geo.boundaries import COUNTRY_GEOJSON, DEPARTMENTS_GEOJSON
from geo.errors import GeoError

#: Where Streamlit serves `ROOT/static/` (see `server.enableStaticServing`).
STATIC_URL = "/app/static"
VENDOR_DIR_NAME = "vendor"
#: Map payloads published for the browser to fetch (`publish`), under static/.
DATA_DIR_NAME = "mapdata"
#: Published payloads kept: the newest ones, and any used in the last minutes.
KEEP_FILES = 32
KEEP_SECONDS = 600
#: Suffix of the gzip copy `publish` writes beside each payload. Streamlit gzips
#: JSON on every request (100,000 incidents: 6.4 MB, a third of a second of server
#: time per visitor); a `.gz` file it serves as it is (application/gzip), and the
#: browser inflates it natively (DecompressionStream).
GZIP_SUFFIX = ".gz"
#: Level 1: 6.4 MB in about 80 ms, a fifth of level 6's time for a file 20 % larger.
GZIP_LEVEL = 1


@dataclass(frozen=True)
class Bundle:
    """One registry package's files, copied under `vendor/<name>/`."""

    name: str
    module: str  # Python module exposing BASE_DIR and VERSION
    pip_name: str
    files: tuple[str, ...]  # paths relative to the package's data directory


BUNDLES: tuple[Bundle, ...] = (
    Bundle(
        "leaflet",
        "xstatic.pkg.leaflet",
        "xstatic-leaflet",
        (
            "leaflet.js",
            "leaflet.css",
            "images/layers.png",
            "images/layers-2x.png",
            "images/marker-icon.png",
            "images/marker-icon-2x.png",
            "images/marker-shadow.png",
        ),
    ),
    Bundle(
        "markercluster",
        "xstatic.pkg.leaflet_markercluster",
        "xstatic-leaflet-markercluster",
        ("leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"),
    ),
)

#: (folium resource name, bundle, file) for the scripts and style sheets a map needs.
LEAFLET_JS = ("leaflet", "leaflet", "leaflet.js")
LEAFLET_CSS = ("leaflet_css", "leaflet", "leaflet.css")
CLUSTER_JS = ("markerclusterjs", "markercluster", "leaflet.markercluster.js")
CLUSTER_CSS = ("markerclustercss", "markercluster", "MarkerCluster.css")
CLUSTER_DEFAULT_CSS = ("markerclusterdefaultcss", "markercluster", "MarkerCluster.Default.css")
#: The project's own map scripts and style sheets (geo/mapassets/), served beside Leaflet.
OWN_DIR = Path(__file__).resolve().parent / "mapassets"
OWN_BUNDLE = "geo"
MAP_UI_JS = ("geo_map_ui_js", OWN_BUNDLE, "map_ui.js")
MAP_UI_CSS = ("geo_map_ui_css", OWN_BUNDLE, "map_ui.css")
MAP_CSS = ("geo_map_css", OWN_BUNDLE, "map.css")
INCIDENTS_JS = ("geo_incidents_js", OWN_BUNDLE, "incidents.js")
AREAS_JS = ("geo_areas_js", OWN_BUNDLE, "areas.js")
AREAS_CSS = ("geo_areas_css", OWN_BUNDLE, "areas.css")
PRISONS_JS = ("geo_prisons_js", OWN_BUNDLE, "prisons.js")
PRELOAD_JS = ("geo_preload_js", OWN_BUNDLE, "preload.js")
#: The boundaries the map draws (country outline, departments), served beside them.
BOUNDARY_FILES = (COUNTRY_GEOJSON, DEPARTMENTS_GEOJSON)
#: Beside the exported offline tiles: the SHA-256 of the MBTiles file they came from.
TILES_STAMP = "source.sha256"


class AssetsMissing(GeoError):
    """A package that provides the map's JavaScript is not installed."""


class StaticNotWritable(GeoError):
    """The map's files cannot be written (read-only code tree or GEO_STATIC_DIR). The
    message names the folder by its name only: the page shows it to visitors."""

    def __init__(self, folder: Path, exc: OSError) -> None:
        self.folder = folder
        super().__init__(
            f"the map's files cannot be written to the folder {folder.name!r} "
            f"({exc.strerror or type(exc).__name__}): set GEO_STATIC_DIR to a writable "
            f"folder that the app serves as static/ (README: read-only deployments)")


def static_root() -> Path:
    """GEO_STATIC_DIR, by default `static/` next to `dashboard.py`: the folder
    Streamlit serves at /app/static."""
    return config.static_dir()  # SERVED_DIR unless GEO_STATIC_DIR says


#: The folder Streamlit serves at /app/static: `static/` beside the app's script.
SERVED_DIR = config.ROOT / "static"


def check_served(root: Path | None = None) -> None:
    """GeoError when the map's folder (GEO_STATIC_DIR) is not the one the app serves:
    the page would load without Leaflet. Names folders by their names only."""
    folder = root or static_root()
    if SERVED_DIR.resolve() != folder.resolve():
        raise GeoError(
            f"GEO_STATIC_DIR ({folder.name!r}) is not the folder the app serves: make "
            f"{SERVED_DIR.name}/ beside dashboard.py a symbolic link to it "
            f"(README: read-only deployments)")


@contextmanager
def _writing(folder: Path) -> Iterator[None]:
    """OSError while writing the map's files -> StaticNotWritable naming the folder."""
    try:
        yield
    except OSError as exc:
        raise StaticNotWritable(folder, exc) from None


def _bundle_source(bundle: Bundle) -> tuple[Path, str]:
    try:
        mod = importlib.import_module(bundle.module)
    except ImportError as exc:
        raise AssetsMissing(
            f"the map needs the {bundle.pip_name!r} package: "
            f"run `pip install -e .` (or `pip install {bundle.pip_name}`)"
        ) from exc
    return Path(mod.BASE_DIR), str(getattr(mod, "VERSION", "unknown"))


def versions() -> dict[str, str]:
    """Version of each bundled library, for the map's attribution and the README."""
    return {b.name: _bundle_source(b)[1] for b in BUNDLES}


def install(root: Path | None = None) -> Path:
    """Copy every bundled file into `root/vendor/` (default `static/`); return that folder.

    Idempotent and cheap on later calls: a file is copied only when missing or of
    a different size than the package's copy (a package upgrade).
    """
    vendor = (root or static_root()) / VENDOR_DIR_NAME
    with _writing(vendor.parent):
        _install(vendor)
    return vendor


def _install(vendor: Path) -> None:
    for bundle in BUNDLES:
        base, _version = _bundle_source(bundle)
        for rel in bundle.files:
            src = base / rel
            if not src.is_file():
                raise AssetsMissing(f"{bundle.pip_name} has no {rel} (at {src})")
            dest = vendor / bundle.name / rel
            if not dest.is_file() or dest.stat().st_size != src.stat().st_size:
                dest.parent.mkdir(parents=True, exist_ok=True)
                _write_atomic(dest, src.read_bytes())
    own = [p for p in sorted(OWN_DIR.glob("*.*")) if p.suffix in {".js", ".css"}]
    for src in [*own, *BOUNDARY_FILES]:  # ours: replaced whenever they change
        if not src.is_file():
            raise AssetsMissing(f"the map's file {src.name} is missing (reinstall the package)")
        dest = vendor / OWN_BUNDLE / src.name
        data = src.read_bytes()
        if not dest.is_file() or dest.read_bytes() != data:
            dest.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(dest, data)
    install_tiles(vendor / basemap.BUNDLE)


def install_tiles(folder: Path, source: Path = basemap.MBTILES) -> int:
    """Export the offline tiles as `folder/{z}/{x}/{y}.png`; return how many were written.

    Skipped (0) when the folder's stamp names the same source file, so a restart
    costs one hash of the file; otherwise a tile is written only when it differs,
    tiles of an older set are removed, and the stamp is written last."""
    digest = basemap.fingerprint(source)
    stamp = folder / TILES_STAMP
    if stamp.is_file() and stamp.read_text(encoding="ascii").strip() == digest:
        return 0
    written, kept = 0, set()
    for z, x, y, data in basemap.read_tiles(source):
        dest = folder / str(z) / str(x) / f"{y}.png"
        kept.add(dest)
        if not dest.is_file() or dest.read_bytes() != data:
            dest.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(dest, data)
            written += 1
    for old in folder.glob("*/*/*.png"):
        if old not in kept:
            old.unlink(missing_ok=True)
    _write_atomic(stamp, digest.encode("ascii"))
    return written


def url(bundle: str, rel: str, base: str = STATIC_URL) -> str:
    """The URL path under which the app serves one bundled file."""
    return f"{base.rstrip('/')}/{VENDOR_DIR_NAME}/{bundle}/{rel}"


def resource(item: tuple[str, str, str], base: str = STATIC_URL) -> tuple[str, str]:
    """(folium resource name, local URL) for a `*_JS`/`*_CSS` constant above."""
    name, bundle, rel = item
    return name, url(bundle, rel, base)


def static_base_url() -> str:
    """`/app/static`, under Streamlit's `server.baseUrlPath` when one is set."""
    try:
        import streamlit as st

        prefix = str(st.get_option("server.baseUrlPath") or "").strip("/")
    except Exception:  # streamlit missing or not configured: plain path
        prefix = ""
    return f"/{prefix}{STATIC_URL}" if prefix else STATIC_URL


def content_name(text: str) -> str:
    """The file name `publish` gives a text: its hash, so a name means one content."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32] + ".json"


def publish(text: str, name: str | None = None, *, root: Path | None = None,
            base: str = STATIC_URL) -> str:
    """Serve `text` (a map's JSON payload) from the app; return its URL path.

    The file goes to `static/mapdata/NAME` (git-ignored), with its gzip copy
    `NAME.gz` beside it (URL + GZIP_SUFFIX, what browsers fetch), named by its
    content (`content_name`, or `name` when the caller already knows it), so
    publishing an unchanged payload again is one `stat`. Files beyond the newest
    KEEP_FILES that nobody published for KEEP_SECONDS are removed; a page that
    already loaded its map does not need its file any more.
    """
    name = name or content_name(text)
    folder = (root or static_root()) / DATA_DIR_NAME
    path = folder / name
    copy = path.with_name(name + GZIP_SUFFIX)
    try:
        os.utime(copy)  # still in use: keep them
        os.utime(path)
    except FileNotFoundError:
        with _writing(folder.parent):
            folder.mkdir(parents=True, exist_ok=True)
            data = text.encode("utf-8")
            # The copy first: a page that finds the payload finds its copy too.
            _write_atomic(copy, gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0))
            _write_atomic(path, data)
            _prune(folder)
    except OSError as exc:  # e.g. ENOTDIR: GEO_STATIC_DIR under a regular file
        raise StaticNotWritable(folder.parent, exc) from None
    return f"{base.rstrip('/')}/{DATA_DIR_NAME}/{name}"


def _write_atomic(path: Path, data: bytes) -> None:
    """Write through a temporary file: a concurrent reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _prune(folder: Path) -> None:
    files = []
    for entry in os.scandir(folder):
        if entry.name.endswith(".json") and entry.is_file():
            try:
                files.append((entry.stat().st_mtime, entry.path))
            except FileNotFoundError:  # pruned by another process meanwhile
                continue
    files.sort(reverse=True)
    cutoff = time.time() - KEEP_SECONDS
    for mtime, path in files[KEEP_FILES:]:
        if mtime < cutoff:
            Path(path).unlink(missing_ok=True)
            Path(path + GZIP_SUFFIX).unlink(missing_ok=True)
