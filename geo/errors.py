"""The exception hierarchy: every error the product raises on purpose is a GeoError.

Callers catch the narrowest class they can handle; the CLI turns any GeoError
into a one-line message and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import os


class GeoError(Exception):
    """Base class of the project's deliberate errors."""


class ArticleError(GeoError):
    """An article file cannot be read; the message names the file and the cause."""

    def __init__(self, path: object, cause: str) -> None:
        self.path = str(path)
        self.cause = cause
        super().__init__(f"{self.path}: {cause}")


class MetadataError(ArticleError):
    """A `NAME.meta.json` sidecar is malformed or has wrongly typed fields.

    `path` is the sidecar's. An ingest reports the failure against the article
    ("skipped x.txt: <cause>"), so `cause` names the sidecar too: otherwise people
    look for the broken JSON in the article.
    """

    def __init__(self, path: object, cause: str) -> None:
        super().__init__(path, cause)
        self.cause = f"sidecar {os.path.basename(self.path)}: {cause}"


class GeocoderError(GeoError):
    """A geocoding provider failed (network, protocol or quota)."""


class ProviderUnavailable(GeocoderError):
    """The provider cannot be reached: connection refused, DNS, timeout."""


class ProviderRateLimited(GeocoderError):
    """The provider answered 429; `retry_after` is in seconds when it said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class ProviderResponseError(GeocoderError):
    """The provider answered, but with a server error or unreadable content."""


class DataError(GeoError):
    """A project data file (prisons, corrections) fails validation."""


class StoreError(GeoError):
    """The incident store cannot be opened or written."""


class WebError(GeoError):
    """A URL cannot be fetched or read (refused, unreachable, HTTP error, too large,
    not a page or feed); the message names the URL and the cause."""

    def __init__(self, url: str, cause: str, status: int | None = None) -> None:
        self.url = url
        self.cause = cause
        self.status = status  # the HTTP status, when the server answered with an error
        super().__init__(f"{url}: {cause}")


class PermissionDenied(GeoError):
    """A write (upload, review action) asked for by someone who is not an editor."""
