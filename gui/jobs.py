"""Running core jobs off the UI thread.

A core job is a callable ``fn(ctx) -> result`` that reports progress through
``ctx.report(done, total, message)`` and stops when ``ctx`` is cancelled (see
``core.runtime.jobs``). :class:`Worker` runs one on a thread pool and turns what happens
into Qt signals; :class:`JobRunner` keeps at most one current job per owner (a
panel), drops results of jobs that were replaced, and runs TensorFlow work on a
single-thread lane so one model is never called from two threads at once.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from core.runtime.jobs import Cancelled, JobContext

# Progress signals are throttled: a job may report thousands of times a second.
_PROGRESS_INTERVAL = 0.05


class WorkerSignals(QObject):
    """The worker runs on a plain Python thread; its signals live here and
    reach the UI thread queued."""

    started = Signal()
    # Python objects cross threads wrapped in a 1-tuple and the ETA is -1 when
    # unknown: PySide6 on Python 3.11 miscounts references to a bare None sent
    # through a queued Signal(object), which ends in a crash after many sends.
    progress = Signal(int, int, str, float)  # done, total, message, eta seconds (-1: unknown)
    partial = Signal(object)  # (value,): intermediate results handed over as the job goes
    returned = Signal(object)  # (result,)
    errored = Signal(str, str)  # one-line message, full traceback
    cancelled = Signal()
    finished = Signal()


class Worker:
    def __init__(
        self, fn: Callable[[JobContext], Any], name: str = "", quiet: bool = False
    ) -> None:
        self.fn = fn
        self.name = name
        self.quiet = quiet  # not shown in the status bar (short background reads)
        self.signals = WorkerSignals()
        self.ctx = JobContext(self._on_progress, lambda value: self.signals.partial.emit((value,)))
        self._last_emit = 0.0
        self.done = False

    def _on_progress(self, done: int, total: int, message: str) -> None:
        now = time.monotonic()
        if now - self._last_emit >= _PROGRESS_INTERVAL or done >= total:
            self._last_emit = now
            eta = self.ctx.eta_seconds()
            self.signals.progress.emit(done, total, message, -1.0 if eta is None else eta)

    def cancel(self) -> None:
        self.ctx.cancel()

    def run(self) -> None:
        self.signals.started.emit()
        try:
            result = self.fn(self.ctx)
        except Cancelled:
            self.signals.cancelled.emit()
        except Exception as e:  # every failure reaches the window as a message
            message = str(e) or e.__class__.__name__
            self.signals.errored.emit(message.splitlines()[0], traceback.format_exc())
        else:
            if self.ctx.cancelled:
                self.signals.cancelled.emit()
            else:
                self.signals.returned.emit((result,))
        finally:
            self.done = True
            self.signals.finished.emit()


class JobRunner(QObject):
    """Owns the thread pools and the current job of each owner."""

    # For the status bar: any job's start, progress and end.
    job_started = Signal(str, str)  # owner, name
    job_progress = Signal(str, int, int, str, float)  # ..., eta seconds (-1: unknown)
    job_ended = Signal(str)
    job_failed = Signal(str, str, str)  # owner, message, traceback

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._general = ThreadPoolExecutor(2, thread_name_prefix="kgstudio-job")
        self._tensorflow = ThreadPoolExecutor(1, thread_name_prefix="kgstudio-tf")
        self._futures: list[Any] = []
        self._current: dict[str, Worker] = {}
        self._all: list[Worker] = []

    def submit(
        self,
        owner: str,
        fn: Callable[[JobContext], Any],
        *,
        name: str = "",
        tensorflow: bool = False,
        quiet: bool = False,
        on_result: Callable[[Any], None] | None = None,
        on_partial: Callable[[Any], None] | None = None,
        on_error: Callable[[str, str], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        on_finished: Callable[[], None] | None = None,
    ) -> Worker:
        """Run ``fn`` for ``owner``; a job the owner was still running is cancelled
        and whatever it returns later is ignored. A ``quiet`` job does not
        announce itself (job_started, job_progress, job_ended)."""
        self.cancel(owner)
        worker = Worker(fn, name, quiet)
        relay = _Relay(
            self, owner, worker, on_result, on_partial, on_error, on_cancelled, on_finished
        )
        worker.relay = relay  # keeps it alive as long as the worker
        self._current[owner] = worker
        self._all = [w for w in self._all if not w.done] + [worker]
        sig = worker.signals
        sig.started.connect(relay.started)
        sig.progress.connect(relay.progress)
        sig.partial.connect(relay.partial)
        sig.returned.connect(relay.returned)
        sig.errored.connect(relay.errored)
        sig.cancelled.connect(relay.cancelled)
        sig.finished.connect(relay.finished)
        pool = self._tensorflow if tensorflow else self._general
        self._futures = [f for f in self._futures if not f.done()]
        self._futures.append(pool.submit(worker.run))
        return worker

    def _is_current(self, owner: str, worker: Worker) -> bool:
        return self._current.get(owner) is worker

    def _release(self, owner: str, worker: Worker) -> bool:
        if self._current.get(owner) is worker:
            del self._current[owner]
            if not worker.quiet:
                self.job_ended.emit(owner)
            return True
        return False

    def current(self, owner: str) -> Worker | None:
        return self._current.get(owner)

    def is_busy(self, owner: str) -> bool:
        return owner in self._current

    def cancel(self, owner: str) -> None:
        worker = self._current.pop(owner, None)
        if worker is not None:
            worker.cancel()
            if not worker.quiet:
                self.job_ended.emit(owner)

    def cancel_all(self) -> None:
        for owner in list(self._current):
            self.cancel(owner)

    def shutdown(self, timeout_ms: int = 30000) -> bool:
        """Cancel everything and wait for the threads (on quit)."""
        self.cancel_all()
        for w in self._all:
            w.cancel()
        _, pending = wait(self._futures, timeout=timeout_ms / 1000)
        return not pending


class _Relay(QObject):
    """Lives on the UI thread, so the worker's signals reach it queued; drops
    everything from a worker that is no longer its owner's current job."""

    def __init__(
        self,
        runner: JobRunner,
        owner: str,
        worker: Worker,
        on_result,
        on_partial,
        on_error,
        on_cancelled,
        on_finished,
    ) -> None:
        super().__init__(runner)
        self.runner, self.owner, self.worker = runner, owner, worker
        self.on_result, self.on_partial, self.on_error = on_result, on_partial, on_error
        self.on_cancelled, self.on_finished = on_cancelled, on_finished

    def _current(self) -> bool:
        return self.runner._is_current(self.owner, self.worker)

    @Slot()
    def started(self) -> None:
        if self._current() and not self.worker.quiet:
            self.runner.job_started.emit(self.owner, self.worker.name)

    @Slot(int, int, str, float)
    def progress(self, done: int, total: int, message: str, eta: float) -> None:
        if self._current() and not self.worker.quiet:
            self.runner.job_progress.emit(self.owner, done, total, message, eta)

    @Slot(object)
    def partial(self, wrapped: tuple) -> None:
        if self._current() and self.on_partial:
            self.on_partial(wrapped[0])

    @Slot(object)
    def returned(self, wrapped: tuple) -> None:
        if self._current() and self.on_result:
            self.on_result(wrapped[0])

    @Slot(str, str)
    def errored(self, message: str, tb: str) -> None:
        if not self._current():
            return
        if self.on_error:
            self.on_error(message, tb)
        self.runner.job_failed.emit(self.owner, message, tb)

    @Slot()
    def cancelled(self) -> None:
        if self.on_cancelled:
            self.on_cancelled()

    @Slot()
    def finished(self) -> None:
        if self.runner._release(self.owner, self.worker) and self.on_finished:
            self.on_finished()
        self.deleteLater()
