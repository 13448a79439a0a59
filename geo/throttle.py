"""Failed sign-ins slow down whoever makes them: after `limit` failures within `window`
seconds, a key is refused for `delay` seconds, twice as long at each further lockout
(at most `max_delay`); a success forgets the key.

Why written here rather than taken from a library: `limits` (the usual in-memory rate
limiter) counts requests in a window but has no lockout that grows, and reads
`time.time()` itself, so its windows cannot be tested without sleeping; the rule is a
few lines over a dict. State is in this process's memory, behind one lock: the dashboard
is one Streamlit process whose sessions are threads. A restart forgets it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

#: Keys remembered at most; the oldest is forgotten first (a flood of made-up names
#: cannot grow the server's memory without bound).
MAX_KEYS = 10_000


@dataclass
class _Entry:
    failures: list[float] = field(default_factory=list)  # times within the window
    locked_until: float = 0.0
    lockouts: int = 0  # lockouts in a row: each one doubles the delay
    last: float = 0.0


class Throttle:
    """Counts failures per key; thread-safe; `clock` (seconds) is injectable for tests."""

    def __init__(self, *, limit: int = 5, window: float = 900.0, delay: float = 60.0,
                 max_delay: float = 3600.0, clock: Callable[[], float] = time.time,
                 max_keys: int = MAX_KEYS) -> None:
        if limit < 1 or window <= 0 or delay <= 0:
            raise ValueError("limit, window and delay must be positive")
        self.limit, self.window, self.delay = limit, window, delay
        self.max_delay = max(max_delay, delay)
        self.clock, self.max_keys = clock, max_keys
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, key: Hashable) -> float:
        """Seconds before `key` may try again; 0 when it may try now."""
        with self._lock:
            entry = self._entries.get(key)
            return max(0.0, entry.locked_until - self.clock()) if entry else 0.0

    def failure(self, key: Hashable) -> float:
        """Count a failed attempt; the wait it brings (0 while under the limit)."""
        now = self.clock()
        with self._lock:
            entry = self._entries.pop(key, None) or _Entry()
            if entry.lockouts and now - max(entry.last, entry.locked_until) > self.window:
                entry.lockouts = 0  # quiet for a whole window since: start afresh
            entry.failures = [t for t in entry.failures if now - t < self.window]
            entry.failures.append(now)
            entry.last = now
            if len(entry.failures) >= self.limit:
                wait = min(self.delay * 2 ** entry.lockouts, self.max_delay)
                entry.locked_until = max(entry.locked_until, now + wait)
                entry.lockouts += 1
                entry.failures.clear()
            self._entries[key] = entry
            while len(self._entries) > self.max_keys:
                self._entries.popitem(last=False)
            return max(0.0, entry.locked_until - now)

    def success(self, key: Hashable) -> None:
        """A right password: the key starts afresh."""
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
