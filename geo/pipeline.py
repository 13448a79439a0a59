"""Articles -> extract -> geocode, for one file or a folder.

The store's ingest calls these functions one stage at a time (fingerprint, load,
extract) so it can skip unchanged or duplicate files before paying for
extraction and geocoding. They are looked up on this module at call time, which
also lets tests substitute a stage.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geo.errors import ArticleError, GeoError
from geo.model import Incident

if TYPE_CHECKING:
    from geo.articles import Article


@dataclass
class ArticleResult:
    """One article and the incidents extracted from it."""

    path: Path
    article: Article
    incidents: list[Incident]


def expand_paths(items: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[ArticleError]]:
    """Article files under files/folders (sorted, de-duplicated), and the missing items.

    A missing item is returned as an error rather than raised, so that one typo
    in a list of folders does not prevent ingesting the others. Inside a folder,
    a symbolic link (article or sidecar) leading out of that folder is not
    followed: it is an error naming the file, so a planted link cannot make the
    ingest read and quote a file from elsewhere.
    """
    from geo.articles import iter_article_paths, sidecar_path

    found: dict[Path, None] = {}
    errors: list[ArticleError] = []
    for item in items:
        try:
            root = Path(item).resolve() if Path(item).is_dir() else None
            for path in iter_article_paths([item]):
                if root is not None:
                    outside = _outside(path, root) or _outside(sidecar_path(path), root)
                    if outside:
                        errors.append(ArticleError(path, outside))
                        continue
                found.setdefault(path, None)
        except ArticleError as exc:
            errors.append(exc)
    return sorted(found), errors


def _outside(path: Path, root: Path) -> str | None:
    """Why `path` (in the folder `root`) is not read: a link out of the folder; or None."""
    if not os.path.lexists(path):
        return None
    try:
        target = path.resolve()
    except (OSError, RuntimeError):
        return "a symbolic link loop: not followed"
    if target == root or root in target.parents:
        return None
    what = "its sidecar is" if path.name.endswith(".meta.json") else "it is"
    return f"{what} a symbolic link out of the folder {root.name}: not followed"


def fingerprint(path: Path) -> str:
    """Hash of the file's bytes and its sidecar's: an edited sidecar is a change too.

    The first thing an ingest does with a file, so it refuses a file over the size
    limit before reading it, and hashes in chunks.
    """
    from geo.articles import MAX_SIDECAR_BYTES, check_size, sidecar_path

    check_size(path)
    digest = hashlib.sha256()
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        meta = sidecar_path(path)
        digest.update(b"\0sidecar\0")
        if meta.exists():
            with meta.open("rb") as f:
                digest.update(f.read(MAX_SIDECAR_BYTES + 1))
    except OSError as exc:
        raise ArticleError(path, f"cannot read: {exc.strerror or exc}") from exc
    return digest.hexdigest()[:32]


def load(path: Path) -> Article:
    """Read and clean one article (ArticleError naming the file otherwise)."""
    from geo.articles import load_article

    return load_article(path)


def make_geocoder() -> Any:
    """The default geocoder (gazetteer + cache, online providers from GEO_ONLINE)."""
    from geo.geocoder import Geocoder

    return Geocoder()


def extract(article: Article, geocoder: Any) -> list[Incident]:
    """The article's incidents, each stamped with the article as its one source, and
    each pinned one given the department its point lies in (`geo.boundaries`)."""
    from geo.boundaries import assign_departments
    from geo.extract import extract_incidents

    incidents = extract_incidents(article, geocoder)
    assign_departments(incidents, gazetteer=getattr(geocoder, "gazetteer", None))
    return [stamp(inc, article) for inc in incidents]


def stamp(incident: Incident, article: Article) -> Incident:
    """Make sure the incident's sources name this article (the merge counts articles)."""
    sources = incident.sources or [article.source]
    sources = [
        dataclasses.replace(s, article_id=s.article_id or article.id,
                            article=s.article or article.stem)
        for s in sources
    ]
    return dataclasses.replace(
        incident, sources=sources, article=incident.article or article.stem
    )


def process_file(path: str | os.PathLike[str], geocoder: Any = None) -> ArticleResult:
    """Load, extract and geocode one file."""
    path = Path(path)
    article = load(path)
    return ArticleResult(path, article, extract(article, geocoder or make_geocoder()))


def process_paths(
    items: Iterable[str | os.PathLike[str]], geocoder: Any = None
) -> Iterator[ArticleResult | GeoError]:
    """Every article under files/folders; a bad file yields its error and the loop goes on."""
    paths, errors = expand_paths(items)
    yield from errors
    for path in paths:
        try:
            if geocoder is None:
                geocoder = make_geocoder()
            yield process_file(path, geocoder)
        except GeoError as exc:
            yield exc
