"""The parent's side of a child process: every model family and InfoMap run
their slow work through one :class:`ChildProcess`.

Importing TensorFlow, building a network and running Infomap hold Python's
global interpreter lock for long stretches; in a thread of the window's
process that freezes the window. A child process does that work instead and
answers requests over a pipe (see :mod:`core.runtime.child`).

The child is a fresh interpreter started with ``python -c``, not a
``multiprocessing`` process: that would import the caller's main script again
in the child, and could not lower the child's priority before its imports.

The parent's rules, whatever the family:
- one request at a time; every message carries its request's id, and whatever
  arrives for another request is dropped;
- progress and partial results are handed to the caller's context as they
  come, and no more of them once the caller has cancelled;
- a cancel is sent to the child, which stops at its next check; a child that
  has not answered within ``stop_within`` seconds is killed;
- a request the parent gives up on (an error raised by the caller's
  callbacks, an interrupt) is cancelled too, and what the child still sends
  for it is read and dropped, so the next request starts on an idle child;
- a child that dies is a readable error, and the next request starts a new one;
- :meth:`ChildProcess.close` never takes longer than its timeout, even while
  a request runs on another thread.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from core.runtime.jobs import Cancelled, JobContext
from core.runtime.protocol import (
    CANCEL,
    CANCELLED,
    ERROR,
    FINAL,
    PARTIAL,
    PROGRESS,
    STOP,
    Message,
)

# How long a cancelled or stopping child may take before it is killed.
STOP_WITHIN_SECONDS = 2.0
# How long a killed child is waited for before a thread is left to reap it.
_REAP_SECONDS = 0.1
# How often the parent looks at its caller's cancel while it waits.
_POLL_SECONDS = 0.05
_ROOT = str(Path(__file__).resolve().parents[2])
# sys.path[0] is the caller's folder under -c: the project's own comes first.
_START = (
    "import sys; sys.path[0] = sys.argv[1]\n"
    "from core.runtime.child import main; main(*sys.argv[2:])\n"
)


class ChildError(RuntimeError):
    """The handler failed in the child; the message is the child's."""


class ChildDied(RuntimeError):
    """The child process ended while it had a request."""


class _Child:
    """One started child process and the parent's ends of its pipes."""

    def __init__(self, handlers: str, idle: bool, env: Mapping[str, str]) -> None:
        inbox_r, inbox_w = os.pipe()
        outbox_r, outbox_w = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _START, _ROOT, "idle" if idle else "normal", handlers]
                + [str(inbox_r), str(outbox_w)],
                pass_fds=(inbox_r, outbox_w),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,  # the caller's stdout may be its output
                env={**os.environ, **env},
            )
        except BaseException:
            os.close(inbox_w)
            os.close(outbox_r)
            raise
        finally:
            os.close(inbox_r)
            os.close(outbox_w)
        self.inbox = Connection(inbox_w, readable=False)
        self.outbox = Connection(outbox_r, writable=False)
        self.send_lock = threading.Lock()
        self.lock = threading.Lock()  # guards current and the pipes' closing
        self.current: int | None = None  # the request being answered
        self.closing = False
        self.released = False

    def send(self, message: Message, wait: float = -1) -> bool:
        """Send unless the pipe is gone (False then) or, with ``wait`` >= 0,
        another thread holds the pipe longer than that."""
        if not self.send_lock.acquire(timeout=wait):
            return False
        try:
            with self.lock:
                if self.released:
                    return False
            self.inbox.send(message)
            return True
        except OSError:
            return False
        finally:
            self.send_lock.release()

    def receive(self, timeout: float) -> Message | None:
        """The next message, None if none came within ``timeout``; EOFError
        once the child has ended."""
        if not self.outbox.poll(timeout):
            if self.process.poll() is not None and not self.outbox.poll():
                raise EOFError
            return None
        try:
            return self.outbox.recv()
        except OSError as e:
            raise EOFError from e

    def begin(self, request_id: int) -> None:
        with self.lock:
            self.current = request_id

    def end(self, request_id: int) -> None:
        with self.lock:
            if self.current == request_id:
                self.current = None

    def exit_code(self) -> int | None:
        try:
            return self.process.wait(1.0)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        self.signal_kill()
        self.reap(time.monotonic() + _REAP_SECONDS)

    def signal_kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()

    def reap(self, deadline: float) -> None:
        """Wait for a killed child until ``deadline``, then leave it to a
        thread of its own: a child at idle priority on a busy machine takes
        seconds to tear down its memory after SIGKILL, and nobody (least of
        all a closing window) should wait for that; it runs no more of its
        work either way."""
        try:
            self.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            threading.Thread(target=self.process.wait, name="kgstudio-reap", daemon=True).start()

    def release(self) -> None:
        """Close the pipes, once nobody reads from them."""
        with self.lock:
            if self.released or self.current is not None:
                return
            self.released = True
        with self.send_lock:  # a send under way finishes first
            self.inbox.close()
        self.outbox.close()


class ChildProcess:
    """A lazily started child process answering the requests of one family.

    ``handlers`` names the module whose ``HANDLERS`` the child serves; ``idle``
    runs the child only when nothing else wants the processor; ``env`` is
    added to the child's environment. Requests from several threads are
    answered one after the other.
    """

    def __init__(
        self,
        handlers: str,
        name: str,
        *,
        idle: bool = False,
        env: Mapping[str, str] | None = None,
        stop_within: float = STOP_WITHIN_SECONDS,
    ) -> None:
        self.handlers = handlers
        self.name = name
        self.idle = idle
        self.env = dict(env or {})
        self.stop_within = stop_within
        self._request_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._child: _Child | None = None
        self._ids = itertools.count(1)

    @property
    def pid(self) -> int | None:
        """The running child's process id (None before the first request)."""
        child = self._child
        return child.process.pid if child is not None and child.process.poll() is None else None

    def request(self, kind: str, payload: Any, ctx: JobContext | None = None) -> Any:
        """Have the child run the handler ``kind`` on ``payload``; its progress
        goes to ``ctx.report``, its partial results to ``ctx.partial``. Returns
        the handler's result; raises Cancelled once ``ctx`` is cancelled,
        :class:`ChildError` with the child's message when the handler fails,
        :class:`ChildDied` when the child ends without answering."""
        ctx = ctx or JobContext.null()
        with self._request_lock:
            ctx.check_cancelled()  # cancelled before it started: no child needed
            child = self._running()
            request_id = next(self._ids)
            child.begin(request_id)
            try:
                if not child.send(Message(request_id, kind, payload)):
                    raise EOFError
                return self._await(child, request_id, ctx)
            except EOFError:
                child.end(request_id)
                self._forget(child)
                if child.closing:
                    raise Cancelled() from None
                code = child.exit_code()
                raise ChildDied(
                    f"the {self.name} process stopped unexpectedly (exit code {code})"
                ) from None
            finally:
                if child.current == request_id:  # given up on before its answer came
                    self._settle(child, request_id)
                    child.end(request_id)
                if child.closing or child.process.poll() is not None:
                    child.release()

    def _await(self, child: _Child, request_id: int, ctx: JobContext) -> Any:
        cancelled_at: float | None = None
        while True:
            if cancelled_at is None and (ctx.cancelled or child.closing):
                child.send(Message(request_id, CANCEL))
                cancelled_at = time.monotonic()
            if cancelled_at is not None and time.monotonic() - cancelled_at > self.stop_within:
                self._kill(child)
                raise Cancelled()
            message = child.receive(_POLL_SECONDS)
            if message is None or message.id != request_id:
                continue  # another request's leftovers: never the caller's
            if message.kind in FINAL:
                child.end(request_id)
                if cancelled_at is not None or message.kind == CANCELLED:
                    raise Cancelled()
                if message.kind == ERROR:
                    raise ChildError(message.payload)
                return message.payload
            if cancelled_at is not None:
                continue  # the caller wants nothing more of this request
            try:
                if message.kind == PROGRESS:
                    ctx.report(*message.payload)
                elif message.kind == PARTIAL:
                    ctx.partial(message.payload)
            except Cancelled:
                ctx.cancel()  # sent to the child at the top of the loop

    def _settle(self, child: _Child, request_id: int) -> None:
        """The caller gave up on the request: cancel it and read until the child
        answers, or kill the child."""
        if child.process.poll() is not None:
            self._forget(child)
            return
        child.send(Message(request_id, CANCEL))
        deadline = time.monotonic() + self.stop_within
        try:
            while time.monotonic() < deadline:
                message = child.receive(_POLL_SECONDS)
                if message is not None and message.id == request_id and message.kind in FINAL:
                    return
        except EOFError:
            pass
        self._kill(child)

    def _running(self) -> _Child:
        with self._state_lock:
            child = self._child
            if child is None or child.process.poll() is not None:
                if child is not None:
                    child.release()
                child = self._child = _Child(self.handlers, self.idle, self.env)
            return child

    def _forget(self, child: _Child) -> None:
        with self._state_lock:
            if self._child is child:
                self._child = None

    def _kill(self, child: _Child) -> None:
        self._forget(child)
        child.kill()

    def _begin_close(self) -> _Child | None:
        with self._state_lock:
            child, self._child = self._child, None
        if child is None:
            return None
        child.closing = True
        current = child.current
        if current is not None:
            child.send(Message(current, CANCEL), wait=0.1)
        child.send(Message(0, STOP), wait=0.1)
        return child

    def close(self, timeout: float = STOP_WITHIN_SECONDS) -> None:
        """Stop the child: it ends its request at the next check and exits; one
        that has not within ``timeout`` seconds is killed. A request running on
        another thread raises Cancelled. The next request starts a new child."""
        close_all([self], timeout)

    def __enter__(self) -> ChildProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def close_all(processes: Iterable[ChildProcess], timeout: float = STOP_WITHIN_SECONDS) -> None:
    """Close several child processes within one ``timeout`` (quitting the
    window): all are asked to stop first, then each is waited for until the
    common deadline, then killed."""
    deadline = time.monotonic() + timeout
    children = [c for c in (p._begin_close() for p in processes) if c is not None]
    for child in children:
        try:
            child.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    late = [c for c in children if c.process.poll() is None]
    for child in late:  # all at once: the late ones die together
        child.signal_kill()
    reaped_by = time.monotonic() + _REAP_SECONDS
    for child in late:
        child.reap(reaped_by)
    for child in children:
        child.release()
