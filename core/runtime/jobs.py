"""The context every slow core operation receives: progress and cancellation.

Core code calls ``ctx.report(done, total, message)`` between steps, which also
raises :class:`Cancelled` once someone called ``ctx.cancel()``. Core knows
nothing about threads or Qt; the GUI's worker adapter and the CLI's progress
bar are just different ``on_progress`` callbacks.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

ProgressCallback = Callable[[int, int, str], None]


class Cancelled(Exception):
    """The job was cancelled; whatever it had saved stays valid."""


class JobContext:
    """Progress reporting and cooperative cancellation for one running job.

    ``cancel()`` may be called from any thread; the job notices at its next
    ``report()`` or ``check_cancelled()``.
    """

    def __init__(
        self,
        on_progress: ProgressCallback | None = None,
        on_partial: Callable[[Any], None] | None = None,
    ) -> None:
        self._on_progress = on_progress
        self._on_partial = on_partial
        self._cancel = threading.Event()
        self._first: tuple[float, int] | None = None
        self._last: tuple[float, int, int] | None = None

    @staticmethod
    def null() -> JobContext:
        """A context that reports nowhere and is never cancelled: scripts, tests."""
        return JobContext()

    def report(self, done: int, total: int, message: str = "") -> None:
        """Forward progress to the callback, then raise :class:`Cancelled` if asked to stop."""
        now = time.monotonic()
        # A count going backwards is a new phase (next epoch, next stage): the
        # rate of the previous one says nothing about this one.
        if self._first is None or (self._last is not None and done < self._last[1]):
            self._first = (now, done)
        self._last = (now, done, total)
        if self._on_progress is not None:
            self._on_progress(done, total, message)
        self.check_cancelled()

    def partial(self, value: Any) -> None:
        """Hand over a finished part of the result (a batch of predictions) so
        that it is kept even if the job is cancelled later."""
        if self._on_partial is not None:
            self._on_partial(value)

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def silent(self) -> JobContext:
        """A context for a step of this job whose own progress would be noise
        in the job's (the batches inside one document): it reports nowhere,
        and stops as soon as this job is cancelled."""
        return _Silent(self)

    def eta_seconds(self) -> float | None:
        """Remaining time at the average rate since the first report of the
        current phase; None until two reports with different counts arrived."""
        if self._first is None or self._last is None:
            return None
        t0, d0 = self._first
        t1, d1, total = self._last
        if d1 <= d0 or total <= 0 or t1 <= t0:
            return None
        return max(0.0, (total - d1) * (t1 - t0) / (d1 - d0))


class NestedContext(JobContext):
    """A context inside another: cancelled with it, reporting to it; partial
    results go to ``on_partial`` (nowhere by default)."""

    def __init__(self, outer: JobContext, on_partial: Callable[[Any], None] | None = None) -> None:
        super().__init__(on_partial=on_partial)
        self.outer = outer

    def report(self, done: int, total: int, message: str = "") -> None:
        self.outer.report(done, total, message)

    def check_cancelled(self) -> None:
        self.outer.check_cancelled()

    def cancel(self) -> None:
        self.outer.cancel()

    @property
    def cancelled(self) -> bool:
        return self.outer.cancelled


class _Silent(NestedContext):
    def report(self, done: int, total: int, message: str = "") -> None:
        self.outer.check_cancelled()


def format_duration(seconds: float | None) -> str:
    """``1:23`` or ``1:02:05``; ``--:--`` when unknown."""
    if seconds is None:
        return "--:--"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def format_rate(per_second: float | None) -> str:
    """``12.5/s``, or ``4.0 s each`` for slow steps where a rate below one reads badly."""
    if per_second is None or per_second <= 0:
        return "-/s"
    if per_second >= 100:
        return f"{per_second:.0f}/s"
    if per_second >= 1:
        return f"{per_second:.1f}/s"
    return f"{1 / per_second:.1f} s each"


class ConsoleProgress:
    """A progress callback drawing ``message [#####     ]  45% 120/266 3.1/s 0:42 left``.

    On a terminal the line is redrawn in place at most ten times a second; on
    anything else (a log file, a pipe) a plain line is written at most every five
    seconds, so logs stay readable. ``close()`` writes the last state if it was
    skipped and ends the line.
    """

    def __init__(self, stream: TextIO | None = None, width: int = 24) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._min_interval = 0.1 if self._tty else 5.0
        self._last_draw: float | None = None
        self._started: tuple[float, int] | None = None
        self._last_done = 0
        self._pending: tuple[int, int, str, float] | None = None
        self._drawn = False

    def __call__(self, done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        if self._started is None or done < self._last_done:
            self._started = (now, done)
        self._last_done = done
        finished = total > 0 and done >= total
        recent = self._last_draw is not None and now - self._last_draw < self._min_interval
        if recent and not finished:
            self._pending = (done, total, message, now)
            return
        self._draw(done, total, message, now)

    def _line(self, done: int, total: int, message: str, now: float) -> str:
        t0, d0 = self._started if self._started is not None else (now, done)
        rate = (done - d0) / (now - t0) if done > d0 and now > t0 else None
        parts = [message] if message else []
        if total > 0:
            fraction = min(max(done / total, 0.0), 1.0)
            filled = int(self.width * fraction)
            # Floored so that 100% means finished, not 99.6%.
            percent = int(100 * fraction)
            parts.append(f"[{'#' * filled}{' ' * (self.width - filled)}] {percent:3d}%")
            parts.append(f"{done}/{total}")
        else:
            parts.append(str(done))  # total unknown: no bar, no percentage, no ETA
        parts.append(format_rate(rate))
        if total > 0:
            eta = (total - done) / rate if rate else None
            parts.append(f"{format_duration(max(eta, 0.0) if eta is not None else None)} left")
        return " ".join(parts)

    def _draw(self, done: int, total: int, message: str, now: float) -> None:
        text = self._line(done, total, message, now)
        if self._tty:
            # \x1b[K clears what a longer previous line left behind.
            self.stream.write("\r" + text + "\x1b[K")
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self._last_draw = now
        self._pending = None
        self._drawn = True

    def close(self) -> None:
        if self._pending is not None:
            self._draw(*self._pending)
        if self._drawn and self._tty:
            self.stream.write("\n")
            self.stream.flush()
        self._drawn = False
        self._started = None
        self._last_draw = None
        self._last_done = 0
