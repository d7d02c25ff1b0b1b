"""The child-process protocol, on real child processes serving
``tests/runtime_handlers.py``: leftovers of a request never reach the next,
cancel, a crashing child, closing while a request runs."""

from __future__ import annotations

import os
import threading
import time

import pytest

from core.runtime.jobs import Cancelled, JobContext
from core.runtime.process import ChildDied, ChildError, ChildProcess, close_all

HANDLERS = "tests.runtime_handlers"


@pytest.fixture()
def child():
    process = ChildProcess(HANDLERS, "test")
    yield process
    process.close()


def test_a_request_given_up_in_the_parent_leaves_nothing_for_the_next(child) -> None:
    """The caller's own callback fails on the first of 50 batches: the next
    request, for 3, gets its 3 and nothing of the 50."""

    def store(part: int) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        child.request("count", 50, JobContext(on_partial=store))
    pid = child.pid
    parts: list[int] = []
    assert child.request("count", 3, JobContext(on_partial=parts.append)) == 3
    assert parts == [0, 1, 2]
    assert child.pid == pid  # the child stopped the request itself: drained, not killed


def test_a_child_that_goes_on_after_the_parent_s_failure_is_killed(child) -> None:
    child.stop_within = 0.3
    pid = child.request("pid", None)

    def store(part: int) -> None:
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        child.request("flood", 1000, JobContext(on_partial=store))
    parts: list[int] = []
    assert child.request("count", 3, JobContext(on_partial=parts.append)) == 3
    assert parts == [0, 1, 2]
    assert child.pid != pid


def test_a_handler_s_error_is_readable_and_keeps_the_child(child) -> None:
    pid = child.request("pid", None)
    with pytest.raises(ChildError, match="^ValueError: boom$"):
        child.request("fail", "boom")
    assert child.request("pid", None) == pid


def test_a_child_that_does_not_stop_within_two_seconds_of_cancel_is_killed(child) -> None:
    pid = child.request("pid", None)
    ctx = JobContext()
    threading.Timer(0.2, ctx.cancel).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        child.request("stubborn", 60, ctx)
    assert time.monotonic() - started < 0.2 + 2.0 + 0.5
    assert child.request("pid", None) != pid  # a new child answers


def test_a_request_cancelled_before_it_starts_starts_no_child(child) -> None:
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(Cancelled):
        child.request("stubborn", 60, ctx)
    assert child.pid is None


def test_cancel_is_honoured_inside_a_long_request_without_killing(child) -> None:
    pid = child.request("pid", None)
    seen: list[int] = []
    ctx = JobContext(on_partial=seen.append)
    timer = threading.Timer(0.3, ctx.cancel)
    timer.start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        child.request("count", 100_000, ctx)
    assert time.monotonic() - started < 0.3 + 1.0
    assert 0 < len(seen) < 100_000
    assert child.request("pid", None) == pid
    parts: list[int] = []
    assert child.request("count", 2, JobContext(on_partial=parts.append)) == 2
    assert parts == [0, 1]


def test_a_crashing_child_is_a_clear_error_and_the_next_request_restarts_it(child) -> None:
    pid = child.request("pid", None)
    with pytest.raises(ChildDied, match=r"the test process stopped unexpectedly \(exit code 3\)"):
        child.request("crash", 3)
    assert child.pid is None
    assert child.request("pid", None) != pid
    with pytest.raises(ChildError, match="no such request: 'nothing'"):
        child.request("nothing", None)


def test_close_during_a_request_returns_within_two_seconds() -> None:
    """Quitting the window: one child stops at its next check, one never
    checks and is killed; both within one 2 s deadline, and the requests
    waiting on them end as cancelled."""
    polite, stubborn = ChildProcess(HANDLERS, "polite"), ChildProcess(HANDLERS, "stubborn")
    polite.request("pid", None)
    stubborn.request("pid", None)
    outcomes: list[str] = []

    def run(process: ChildProcess, kind: str, payload: object) -> None:
        try:
            process.request(kind, payload)
            outcomes.append("finished")
        except Cancelled:
            outcomes.append("cancelled")

    threads = [
        threading.Thread(target=run, args=(polite, "count", 100_000)),
        threading.Thread(target=run, args=(stubborn, "stubborn", 60)),
    ]
    for t in threads:
        t.start()
    time.sleep(0.5)
    started = time.monotonic()
    close_all([polite, stubborn], timeout=2.0)
    took = time.monotonic() - started
    for t in threads:
        t.join(5)
    assert took < 2.5, took
    assert outcomes == ["cancelled", "cancelled"]
    assert polite.pid is None and stubborn.pid is None
    assert polite.request("count", 1) == 1  # usable again: a new child starts


def test_an_idle_child_runs_at_idle_priority() -> None:
    with ChildProcess(HANDLERS, "idle", idle=True) as idle:
        policy, nice = idle.request("priority", None)
    assert policy == getattr(os, "SCHED_IDLE", -1) or nice >= 10
