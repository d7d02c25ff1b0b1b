"""The child's side of the protocol: one loop for every family.

A family supplies a module with a ``HANDLERS`` dict (request kind -> function
of the request's payload and a :class:`~core.runtime.jobs.JobContext`). The loop runs
one request at a time; the handler's progress and partial results go back
tagged with the request's id, and a cancel or stop that the parent sends while
the handler runs is noticed at the handler's next ``report()`` or
``check_cancelled()``, so a long request stops between batches of its own.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections import deque
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from typing import Any

from core.errors import BadInput
from core.runtime.jobs import Cancelled, JobContext
from core.runtime.protocol import (
    CANCEL,
    CANCELLED,
    ERROR,
    PARTIAL,
    PROGRESS,
    RESERVED,
    RESULT,
    STOP,
    Message,
    Progress,
)

Handler = Callable[[Any, JobContext], Any]


class Channel:
    """The child's two pipe ends, and the requests that arrived while another
    one was running (kept for the loop rather than lost)."""

    def __init__(self, inbox: Connection, outbox: Connection) -> None:
        self.inbox = inbox
        self.outbox = outbox
        self.waiting: deque[Message] = deque()
        self.stopping = False

    def send(self, message: Message) -> None:
        self.outbox.send(message)

    def next(self) -> Message | None:
        """The next message for the loop; None once the parent is gone."""
        if self.waiting:
            return self.waiting.popleft()
        if self.stopping:
            return None
        try:
            return self.inbox.recv()
        except (EOFError, OSError):
            return None

    def cancelled(self, request_id: int) -> bool:
        """Read what the parent sent meanwhile: has it cancelled this request
        or asked the child to stop? Never waits."""
        cancelled = False
        while not self.stopping and self.inbox.poll():
            try:
                message = self.inbox.recv()
            except (EOFError, OSError):
                self.stopping = True  # the parent is gone: nobody wants the rest
                break
            if message.kind == STOP:
                self.stopping = True
            elif message.kind == CANCEL:
                cancelled = cancelled or message.id == request_id
            else:
                self.waiting.append(message)
        return cancelled or self.stopping


class ChildContext(JobContext):
    """A handler's context: reports and partial results go to the parent
    tagged with the request's id; a cancel from the parent is noticed at the
    next report or check."""

    def __init__(self, channel: Channel, request_id: int) -> None:
        super().__init__(self._send_progress, self._send_partial)
        self.channel = channel
        self.request_id = request_id

    def _send_progress(self, done: int, total: int, message: str) -> None:
        self.channel.send(Message(self.request_id, PROGRESS, Progress(done, total, message)))

    def _send_partial(self, value: Any) -> None:
        self.channel.send(Message(self.request_id, PARTIAL, value))

    def check_cancelled(self) -> None:
        if not self.cancelled and self.channel.cancelled(self.request_id):
            self.cancel()
        super().check_cancelled()


def readable(error: BaseException) -> str:
    """What the parent shows: a bad input's own message says where and what;
    anything else is named by its type too."""
    if isinstance(error, BadInput):
        return str(error) or type(error).__name__
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def serve(handlers: Mapping[str, Handler], channel: Channel) -> None:
    """Answer requests until the parent says stop or goes away."""
    while True:
        message = channel.next()
        if message is None or message.kind == STOP:
            return
        if message.kind == CANCEL:  # its request had already finished
            continue
        ctx = ChildContext(channel, message.id)
        try:
            handler = handlers.get(message.kind)
            if handler is None or message.kind in RESERVED:
                raise ValueError(f"no such request: {message.kind!r}")
            answer = Message(message.id, RESULT, handler(message.payload, ctx))
        except Cancelled:
            answer = Message(message.id, CANCELLED)
        except Exception as e:  # the parent raises it again with this message
            answer = Message(message.id, ERROR, readable(e))
        try:
            channel.send(answer)
        except (BrokenPipeError, EOFError):
            return
        except Exception as e:  # an answer that cannot be pickled
            channel.send(Message(message.id, ERROR, f"the answer could not be sent: {readable(e)}"))


def _lower_priority() -> None:
    # SCHED_IDLE: the child runs only when nothing else wants the processor,
    # so the window gets a core the moment it needs one, even on a busy machine.
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(10)


def main(priority: str, handlers_module: str, inbox_fd: str, outbox_fd: str) -> None:
    """The child process's entry point (see :mod:`core.runtime.process`)."""
    if priority == "idle":
        _lower_priority()  # before the handlers' imports, which take a core too
    channel = Channel(
        Connection(int(inbox_fd), writable=False), Connection(int(outbox_fd), readable=False)
    )
    code = 1
    try:
        serve(importlib.import_module(handlers_module).HANDLERS, channel)
        code = 0
    except BaseException:
        traceback.print_exc()  # the parent says the child stopped; this says why
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # Skips the interpreter's teardown (TensorFlow's takes seconds): the
        # child keeps nothing that needs writing out.
        os._exit(code)
