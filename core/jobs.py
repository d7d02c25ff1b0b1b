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
        now = time.monotonic()
        if self._first is None:
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

    def eta_seconds(self) -> float | None:
        """Remaining time at the average rate since the first report."""
        if self._first is None or self._last is None:
            return None
        t0, d0 = self._first
        t1, d1, total = self._last
        if d1 <= d0 or total <= 0 or t1 <= t0:
            return None
        return max(0.0, (total - d1) * (t1 - t0) / (d1 - d0))


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "--:--"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class ConsoleProgress:
    """A progress callback drawing ``message [#####     ] 45% 120/266 0:42 left``
    on a terminal, or a plain line every few seconds when not on one."""

    def __init__(self, stream: TextIO | None = None, width: int = 24) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._min_interval = 0.1 if self._tty else 5.0
        self._last_draw = 0.0
        self._started: tuple[float, int] | None = None
        self._drawn = False

    def __call__(self, done: int, total: int, message: str = "") -> None:
        now = time.monotonic()
        if self._started is None or done < self._started[1]:
            self._started = (now, done)
        if now - self._last_draw < self._min_interval and done < total:
            return
        self._last_draw = now
        t0, d0 = self._started
        eta = (total - done) * (now - t0) / (done - d0) if done > d0 and total else None
        pct = 100.0 * done / total if total else 0.0
        filled = int(self.width * done / total) if total else 0
        bar = "#" * filled + " " * (self.width - filled)
        line = f"{message} [{bar}] {pct:3.0f}% {done}/{total} {format_duration(eta)} left"
        if self._tty:
            self.stream.write("\r" + line + "\x1b[K")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn and self._tty:
            self.stream.write("\n")
            self.stream.flush()
        self._drawn = False
        self._started = None
