"""The sign-in throttle's rule (geo.throttle) on a fake clock: N failures within the
window lock a key, each further lockout waits twice as long, a success forgets it."""

from __future__ import annotations

import threading

import pytest

from geo.throttle import Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_the_fifth_failure_locks_and_the_wait_runs_out(clock: Clock) -> None:
    th = Throttle(limit=5, window=900, delay=60, clock=clock)
    assert [th.failure("ana") for _ in range(4)] == [0, 0, 0, 0]
    assert th.wait("ana") == 0
    assert th.failure("ana") == 60 and th.wait("ana") == 60
    clock.now += 59.5
    assert th.wait("ana") == pytest.approx(0.5)
    clock.now += 0.5
    assert th.wait("ana") == 0


def test_failures_older_than_the_window_do_not_count(clock: Clock) -> None:
    th = Throttle(limit=3, window=100, delay=10, clock=clock)
    th.failure("k")
    th.failure("k")
    clock.now += 100
    assert th.failure("k") == 0 and th.failure("k") == 0  # two in the window, not three
    assert th.failure("k") == 10


def test_each_further_lockout_doubles_up_to_the_cap(clock: Clock) -> None:
    th = Throttle(limit=2, window=1000, delay=60, max_delay=200, clock=clock)
    waits = []
    for _ in range(4):
        th.failure("k")
        waits.append(th.failure("k"))
        clock.now += waits[-1]  # waited it out, then failed again
    assert waits == [60, 120, 200, 200]


def test_a_quiet_window_after_a_lockout_starts_afresh(clock: Clock) -> None:
    th = Throttle(limit=2, window=100, delay=60, clock=clock)
    th.failure("k")
    assert th.failure("k") == 60
    clock.now += 60 + 101
    th.failure("k")
    assert th.failure("k") == 60  # not 120


def test_a_success_forgets_the_key_and_keys_are_apart(clock: Clock) -> None:
    th = Throttle(limit=2, window=100, delay=60, clock=clock)
    th.failure("a")
    th.failure("b")
    th.success("a")
    assert th.failure("a") == 0  # the count started again
    assert th.failure("b") == 60 and th.wait("a") == 0


def test_memory_is_bounded(clock: Clock) -> None:
    th = Throttle(limit=5, clock=clock, max_keys=100)
    for i in range(1000):
        th.failure(f"name{i}")
    assert len(th) == 100


def test_failures_from_many_threads_are_all_counted(clock: Clock) -> None:
    th = Throttle(limit=10_000, window=10, delay=60, clock=clock)

    def fail() -> None:
        for _ in range(1000):
            th.failure("k")

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 8,000 failures: under the limit; 2,000 more reach it exactly.
    assert th.wait("k") == 0
    assert [th.failure("k") for _ in range(2000)][-1] == 60


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        Throttle(limit=0)
