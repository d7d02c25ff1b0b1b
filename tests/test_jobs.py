"""The job context: cancellation, ETA, console progress."""

from __future__ import annotations

import io
import threading

import pytest

from core.runtime.jobs import Cancelled, ConsoleProgress, JobContext, format_duration, format_rate


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
    monkeypatch.setattr("core.runtime.jobs.time.monotonic", lambda: next(clock))
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


class FakeClock:
    def __init__(self, monkeypatch) -> None:
        self.now = 1000.0
        monkeypatch.setattr("core.runtime.jobs.time.monotonic", lambda: self.now)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_eta_starts_over_when_a_new_phase_counts_from_zero(monkeypatch) -> None:
    clock = FakeClock(monkeypatch)
    ctx = JobContext()
    ctx.report(0, 100)
    clock.now += 100
    ctx.report(50, 100)
    assert ctx.eta_seconds() == pytest.approx(100.0)
    ctx.report(0, 10, "phase two")
    assert ctx.eta_seconds() is None
    clock.now += 1
    ctx.report(2, 10, "phase two")
    assert ctx.eta_seconds() == pytest.approx(4.0)


def test_check_cancelled_raises_once_cancelled_from_another_thread() -> None:
    ctx = JobContext.null()
    ctx.check_cancelled()
    thread = threading.Thread(target=ctx.cancel)
    thread.start()
    thread.join()
    with pytest.raises(Cancelled):
        ctx.check_cancelled()
    with pytest.raises(Cancelled):
        ctx.report(1, 2)


def test_console_progress_shows_rate_and_eta(monkeypatch) -> None:
    clock = FakeClock(monkeypatch)
    out = io.StringIO()
    bar = ConsoleProgress(out)
    bar(0, 100, "reading")
    clock.now += 3
    bar(25, 100, "reading")  # too soon after the first line for a log
    clock.now += 2
    bar(50, 100, "reading")
    bar.close()
    lines = out.getvalue().splitlines()
    assert lines[1] == "reading [############            ]  50% 50/100 10.0/s 0:05 left"
    assert len(lines) == 2 and "\r" not in out.getvalue()


def test_console_progress_redraws_a_terminal_line_at_most_ten_times_a_second(
    monkeypatch,
) -> None:
    clock = FakeClock(monkeypatch)
    out = Terminal()
    bar = ConsoleProgress(out)
    for done in range(1, 101):
        clock.now += 0.01
        bar(done, 200, "step")
    assert out.getvalue().count("\r") == 10
    bar(200, 200, "step")  # the end is always drawn
    bar.close()
    text = out.getvalue()
    assert text.count("\r") == 11 and text.endswith("\n")
    assert "100% 200/200" in text.split("\r")[-1]


def test_close_draws_the_last_state_a_log_skipped(monkeypatch) -> None:
    clock = FakeClock(monkeypatch)
    out = io.StringIO()
    bar = ConsoleProgress(out)
    bar(1, 10, "a")
    clock.now += 1
    bar(7, 10, "cancelled here")
    assert "cancelled here" not in out.getvalue()
    bar.close()
    assert out.getvalue().splitlines()[-1].startswith("cancelled here [")


def test_an_unknown_total_shows_a_count_without_a_percentage() -> None:
    out = io.StringIO()
    ConsoleProgress(out)(12, 0, "scanning")
    assert out.getvalue().startswith("scanning 12 ") and "%" not in out.getvalue()


def test_rates_read_well_fast_and_slow() -> None:
    assert format_rate(250.0) == "250/s"
    assert format_rate(2.5) == "2.5/s"
    assert format_rate(0.25) == "4.0 s each"
    assert format_rate(None) == "-/s"
