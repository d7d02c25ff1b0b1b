"""Handlers for the child-process tests: a child process serves this module."""

from __future__ import annotations

import os
import time
from typing import Any

from core.runtime.jobs import JobContext


def count(n: int, ctx: JobContext) -> int:
    """``n`` batches, each a partial result, checking for a cancel between them."""
    for i in range(n):
        ctx.report(i, n, "counting")
        time.sleep(0.01)
        ctx.partial(i)
    ctx.report(n, n, "counted")
    return n


def flood(n: int, ctx: JobContext) -> int:
    """``n`` partial results, never looking for a cancel."""
    for i in range(n):
        time.sleep(0.01)
        ctx.partial(i)
    return n


def stubborn(seconds: float, ctx: JobContext) -> None:
    """Work that never looks for a cancel."""
    time.sleep(seconds)


def crash(code: int, ctx: JobContext) -> None:
    os._exit(code)


def fail(message: str, ctx: JobContext) -> None:
    raise ValueError(message)


def pid(_: Any, ctx: JobContext) -> int:
    return os.getpid()


def priority(_: Any, ctx: JobContext) -> tuple[int, int]:
    return os.sched_getscheduler(0), os.nice(0)


HANDLERS = {
    "count": count,
    "flood": flood,
    "stubborn": stubborn,
    "crash": crash,
    "fail": fail,
    "pid": pid,
    "priority": priority,
}
