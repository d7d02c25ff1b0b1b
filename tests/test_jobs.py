"""The job context: cancellation, ETA, console progress."""

from __future__ import annotations

import io
import threading

import pytest

from core.jobs import Cancelled, ConsoleProgress, JobContext, format_duration


def test_cancel_stops_the_job_at_its_next_report() -> None:
    ctx = JobContext()
    seen = []

    def job() -> None:
        for i in range(100):
            ctx.report(i, 100)
            seen.append(i)
            if i == 3:
                threading.Thread(target=ctx.cancel).start()
                threading.Event().wait(0.05)

    with pytest.raises(Cancelled):
        job()
    assert seen == [0, 1, 2, 3]
    assert ctx.cancelled


def test_progress_is_forwarded_and_an_eta_is_estimated(monkeypatch) -> None:
    calls = []
    ctx = JobContext(lambda d, t, m: calls.append((d, t, m)))
    clock = iter([100.0, 110.0])
    monkeypatch.setattr("core.jobs.time.monotonic", lambda: next(clock))
    ctx.report(0, 10, "start")
    ctx.report(5, 10, "half")
    assert calls == [(0, 10, "start"), (5, 10, "half")]
    assert ctx.eta_seconds() == pytest.approx(10.0)


def test_null_context_never_cancels() -> None:
    ctx = JobContext.null()
    ctx.report(1, 2, "x")
    ctx.check_cancelled()
    assert ctx.eta_seconds() is None


def test_console_progress_prints_message_and_percentage() -> None:
    out = io.StringIO()
    bar = ConsoleProgress(out)
    bar(50, 200, "epoch 1/3")
    bar(200, 200, "epoch 1/3")
    bar.close()
    text = out.getvalue()
    assert "epoch 1/3" in text and "25%" in text and "100%" in text


def test_durations_read_like_a_clock() -> None:
    assert format_duration(83) == "1:23"
    assert format_duration(3725) == "1:02:05"
    assert format_duration(None) == "--:--"
