"""URLs in, archived article files out: what `geo ingest URL` and `geo watch` share.

A URL is fetched once; its answer decides what it is: a feed (by content type
and content) whose new items are fetched as pages, or an HTML page. Every page
is read with trafilatura and archived (geo.web.archive); the archived text files
then go through the store's ordinary ingest, so dedup, merge, corrections and
atomicity are the same as for files. Every failure is a WebError naming its URL
and the run goes on. Items are marked seen, and a feed's ETag/Last-Modified
kept, only after the store committed them (`commit`), and a feed's validators
only when all its new items were taken, so a failed item is retried next time
instead of hidden behind a 304.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from geo import config
from geo.errors import WebError
from geo.web import is_url
from geo.web.archive import Archive
from geo.web.feeds import FeedItem, is_feed, parse_feed
from geo.web.fetch import ACCEPT_PAGE, Fetcher, Response, normalize_url
from geo.web.page import read_page
from geo.web.seen import SeenItems

if TYPE_CHECKING:
    from geo.store import IngestReport, Progress, ProgressFn, Store

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)[\s>]",
                         re.IGNORECASE | re.DOTALL)
#: A robots.txt Crawl-delay longer than this is capped (and said).
MAX_CRAWL_DELAY = 60.0


@dataclass(frozen=True)
class Taken:
    """One page fetched and archived, waiting for the store's ingest."""

    url: str  # the page's URL (as given, or the feed item's link)
    path: Path  # the archived text file
    title: str | None
    feed: str | None = None
    guid: str | None = None


@dataclass
class IntakeReport:
    taken: list[Taken] = field(default_factory=list)
    failed: list[WebError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # "feed URL: 12 items, 3 new"
    feeds: list[tuple[str, str | None, str | None]] = field(default_factory=list)


def is_html(response: Response) -> bool:
    if response.content_type in _HTML_TYPES:
        return True
    return response.content_type in ("", "text/plain", "application/octet-stream") and bool(
        _HTML_START.match(response.body[:4096]))


class Robots:
    """robots.txt per origin (RFC 9309): a 4xx means no rules; a 5xx or no answer
    means "do not crawl now"; Crawl-delay slows the fetcher down for that host."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher
        self.agent = fetcher.user_agent.split("/")[0].split()[0] or "*"
        self._rules: dict[str, RobotFileParser | WebError | None] = {}

    def check(self, url: str) -> None:
        """WebError naming `url` when robots.txt forbids it or cannot be read."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._rules:
            self._rules[origin] = self._load(origin, parts.hostname or "")
        rules = self._rules[origin]
        if isinstance(rules, WebError):
            raise WebError(url, f"not fetched: robots.txt unreadable ({rules.cause})")
        if rules is not None and not rules.can_fetch(self.agent, url):
            raise WebError(url, f"not fetched: {origin}/robots.txt disallows it")

    def _load(self, origin: str, host: str) -> RobotFileParser | WebError | None:
        try:
            response = self.fetcher.fetch(origin + "/robots.txt", accept="text/plain")
        except WebError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return None
            return exc
        rules = RobotFileParser()
        rules.parse(response.body.decode("utf-8", errors="replace").splitlines())
        delay = rules.crawl_delay(self.agent)
        if delay:
            self.fetcher.host_delay[host] = min(float(delay), MAX_CRAWL_DELAY)
        return rules


class Intake:
    """Fetch and archive URLs for one run; `commit` after the store's ingest."""

    def __init__(
        self,
        seen: SeenItems,
        *,
        fetcher: Fetcher | None = None,
        archive: Archive | None = None,
        robots: bool = False,
        max_items: int | None = None,
        overrides: Mapping[str, str | None] | None = None,
        say: Callable[[str], None] | None = None,
    ) -> None:
        self.seen = seen
        self.fetcher = fetcher or Fetcher()
        self.archive = archive or Archive()
        self.robots = Robots(self.fetcher) if robots else None
        self.max_items = max_items or config.web_max_items()
        self.overrides = overrides
        self.say = say or (lambda line: None)
        self.report = IntakeReport()
        self._taken_urls: set[str] = set()

    def take_all(self, urls: Iterable[str]) -> IntakeReport:
        for url in urls:
            self.take(url)
        return self.report

    def take(self, url: str) -> None:
        """One URL given by a person or a feeds file: a page or a feed."""
        try:
            if self.robots is not None:
                self.robots.check(url)
            etag, modified = self.seen.validators(normalize_url(url))
            response = self.fetcher.fetch(url, etag=etag, last_modified=modified)
        except WebError as exc:
            self._fail(exc)
            return
        if response.status == 304:
            self._note(f"feed {url}: not modified since the last check")
            return
        if is_feed(response.content_type, response.body):
            self._feed(url, response)
        elif is_html(response):
            self._page(response, overrides=self.overrides)
        else:
            self._fail(WebError(url, "neither an HTML page nor a news feed (Content-Type: "
                                     f"{response.content_type or 'none'})"))

    def _feed(self, url: str, response: Response) -> None:
        try:
            feed = parse_feed(response.body, url, response.content_type)
        except WebError as exc:
            self._fail(exc)
            return
        self.report.warnings.extend(feed.warnings)
        new = [item for item in feed.items
               if normalize_url(item.link) not in self._taken_urls
               and not self.seen.is_seen(normalize_url(item.link), item.guid)]
        now, later = new[: self.max_items], new[self.max_items :]
        line = f"feed {url}: {len(feed.items)} items, {len(new)} new"
        if later:
            line += f"; {len(now)} fetched now, {len(later)} left for the next run " \
                    "(GEO_WEB_MAX_ITEMS)"
        self._note(line)
        complete = not later
        for item in now:
            complete = self._item(url, item) and complete
        if complete:  # saved at commit: a 304 next time then hides nothing untaken
            self.report.feeds.append((normalize_url(url), response.headers.get("etag"),
                                      response.headers.get("last-modified")))

    def _item(self, feed: str, item: FeedItem) -> bool:
        try:
            if self.robots is not None:
                self.robots.check(item.link)
            response = self.fetcher.fetch(item.link, accept=ACCEPT_PAGE)
        except WebError as exc:
            self._fail(exc)
            return False
        if not is_html(response):
            self._fail(WebError(item.link, "feed item is not an HTML page (Content-Type: "
                                           f"{response.content_type or 'none'})"))
            return False
        meta = {"title": item.title, "published": item.published, "author": item.author}
        return self._page(response, item=meta, feed=feed, guid=item.guid)

    def _page(self, response: Response, *, item: Mapping[str, str | None] | None = None,
              overrides: Mapping[str, str | None] | None = None, feed: str | None = None,
              guid: str | None = None) -> bool:
        try:
            page = read_page(response.body, response.final_url)
            path = self.archive.save(response, page, item=item, overrides=overrides,
                                     feed=feed, guid=guid)
        except WebError as exc:
            exc = exc if exc.url == response.url else WebError(response.url, exc.cause)
            self._fail(exc)
            return False
        self._taken_urls.add(normalize_url(response.url))
        title = (overrides or {}).get("title") or page.title or (item or {}).get("title")
        self.report.taken.append(Taken(response.url, path, title, feed, guid))
        self.say(f"fetched {response.url} -> {path}")
        return True

    def commit(self, failed_paths: Iterable[str | Path] = ()) -> None:
        """After the store committed: mark taken items seen, keep complete feeds' validators."""
        failed = {Path(p).resolve() for p in failed_paths}
        good = [t for t in self.report.taken if t.path.resolve() not in failed]
        self.seen.mark((normalize_url(t.url), t.guid, t.feed, str(t.path)) for t in good)
        broken_feeds = {normalize_url(t.feed) for t in self.report.taken
                        if t.feed and t not in good}
        for feed, etag, modified in self.report.feeds:
            if feed not in broken_feeds and (etag or modified):
                self.seen.save_validators(feed, etag, modified)

    def _fail(self, exc: WebError) -> None:
        self.report.failed.append(exc)
        self.say(f"skipped {exc.url}: {exc.cause}")

    def _note(self, line: str) -> None:
        self.report.notes.append(line)
        self.say(line)


def ingest(
    store: Store,
    items: Iterable[str | os.PathLike[str]],
    progress: ProgressFn | None = None,
    *,
    robots: bool = False,
    overrides: Mapping[str, str | None] | None = None,
    say: Callable[[str], None] | None = None,
    fetcher: Fetcher | None = None,
    archive: Archive | None = None,
    max_items: int | None = None,
    **options: Any,
) -> tuple[IngestReport, IntakeReport]:
    """`Store.ingest` for files, folders and URLs together.

    URLs are fetched and archived first (refused one by one with GEO_OFFLINE=1,
    the files still go in), then everything is ingested in the store's one
    transaction. In the report and the progress lines an archived page is named
    by its URL, and each URL that could not be taken is a failure naming it.
    `options` go to `Store.ingest` (geocoder, force, corrections_path).
    """
    from geo.store import IngestReport

    items = list(items)
    urls = [str(item) for item in items if is_url(item)]
    paths: list[str | os.PathLike[str]] = [item for item in items if not is_url(item)]
    archive = archive or Archive(config.web_archive_dir(store.path))
    intake = Intake(SeenItems(store.path), fetcher=fetcher, archive=archive, robots=robots,
                    max_items=max_items, overrides=overrides, say=say)
    try:
        if urls and config.offline():
            for url in urls:
                intake._fail(WebError(url, "not fetched: GEO_OFFLINE=1 forbids web requests "
                                           "(ingest the archive folder to re-read fetched pages)"))
        elif urls:
            intake.take_all(urls)
        web = intake.report
        by_path = {t.path.resolve(): t.url for t in web.taken}

        def named(shown: str) -> str:
            return by_path.get(Path(shown).resolve(), shown)

        def relay(p: Progress) -> None:
            if progress is not None:
                progress(dataclasses.replace(p, path=named(p.path)))

        files = [*paths, *(t.path for t in web.taken)]
        if files:
            report = store.ingest(files, progress=relay, **options)
        else:
            report = IngestReport(incidents=store.count())
        intake.commit(path for path, _ in report.failed)
    finally:
        intake.seen.close()
    report.added = [named(p) for p in report.added]
    report.updated = [named(p) for p in report.updated]
    report.skipped = [(named(p), why) for p, why in report.skipped]
    report.failed = [(exc.url, exc.cause) for exc in web.failed] + [
        (named(p), why) for p, why in report.failed]
    report.warnings = web.warnings + report.warnings
    return report, web
