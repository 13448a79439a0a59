"""The page archive: every fetched page kept as the article file the pipeline reads.

For a URL, named by the hash of its normalised form, in GEO_WEB_ARCHIVE
(data/web/):

- `KEY.html.gz`: the page as fetched (not `.html`, so that ingesting the archive
  folder does not read it as a second article);
- `KEY.txt`: the text trafilatura kept, the one evidence quotes index into;
- `KEY.meta.json`: the sidecar geo.articles reads (title, source, url, published,
  author, language), plus the fetch (requested and final URL, date, status,
  content type, extractor), what the page itself said and the overrides.

So `geo ingest data/web/` re-ingests every fetched page offline, and each quote
can be shown against the page as it was. Precedence of metadata: overrides (a
sidecar given by the user, the dashboard form) > the page > the feed item.
Overrides given once are kept on later fetches. A fetch that finds the same text
and metadata leaves the files alone, so a second ingest is "unchanged".
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from geo import config
from geo.articles import SIDECAR_KEYS
from geo.errors import GeoError, WebError
from geo.web.fetch import Response, normalize_url
from geo.web.page import Page, extractor_name


def url_key(url: str) -> str:
    return hashlib.sha256(normalize_url(url).encode("utf-8")).hexdigest()[:20]


def validate_overrides(data: object, where: str) -> dict[str, str | None]:
    """Overrides are sidecar fields: each a string or null; GeoError naming `where`."""
    if not isinstance(data, Mapping):
        raise GeoError(f"{where}: must be a JSON object")
    out: dict[str, str | None] = {}
    for key, value in data.items():
        if key not in SIDECAR_KEYS:
            continue
        if value is not None and not isinstance(value, str):
            raise GeoError(f"{where}: '{key}' must be a string or null")
        out[key] = value
    return out


class Archive:
    def __init__(self, folder: str | os.PathLike[str] | None = None) -> None:
        self.folder = Path(folder) if folder is not None else config.web_archive_dir()

    def text_path(self, url: str) -> Path:
        return self.folder / f"{url_key(url)}.txt"

    def sidecar_path(self, url: str) -> Path:
        return self.folder / f"{url_key(url)}.meta.json"

    def html_path(self, url: str) -> Path:
        return self.folder / f"{url_key(url)}.html.gz"

    def previous(self, url: str) -> dict[str, object]:
        try:
            data = json.loads(self.sidecar_path(url).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def save(
        self,
        response: Response,
        page: Page,
        *,
        item: Mapping[str, str | None] | None = None,
        overrides: Mapping[str, str | None] | None = None,
        feed: str | None = None,
        guid: str | None = None,
    ) -> Path:
        """Write the page's three files (atomically each); the text file's path."""
        url = response.url
        old = self.previous(url)
        if overrides is None:
            kept = old.get("overrides")
            overrides = dict(kept) if isinstance(kept, dict) else {}
        said = page.metadata()
        meta: dict[str, str | None] = {}
        for key in SIDECAR_KEYS:
            value = overrides.get(key) if key in overrides else None
            if value is None:
                value = said.get(key) or (item or {}).get(key)
            meta[key] = value
        record: dict[str, object] = {
            **meta,
            "fetched": {
                "url": url, "final_url": response.final_url,
                "at": response.fetched_at.isoformat(), "status": response.status,
                "content_type": response.headers.get("content-type"),
                "html": self.html_path(url).name, "extractor": extractor_name(),
            },
            "page": said,
            "feed": {"url": feed, "guid": guid, "item": dict(item or {})} if feed else None,
            "overrides": dict(overrides),
        }
        text_path = self.text_path(url)
        same = (
            {k: old.get(k) for k in SIDECAR_KEYS} == meta
            and old.get("overrides") == record["overrides"]
            and _read(text_path) == page.text
            and self.html_path(url).exists()
        )
        if same:
            return text_path
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _write(self.html_path(url), gzip.compress(response.body, mtime=0))
            _write(text_path, page.text.encode("utf-8"))
            _write(self.sidecar_path(url),
                   json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"))
        except OSError as exc:
            raise WebError(url, f"cannot archive the page in {self.folder}: "
                                f"{exc.strerror or exc}") from None
        return text_path


def _read(path: Path) -> str | None:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _write(path: Path, data: bytes) -> None:
    """Write through a temporary file and rename: a crash never leaves half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
