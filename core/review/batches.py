"""Storing a model's results batch by batch while a pre-annotation runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.runtime.jobs import JobContext, NestedContext


def storing_context(ctx: JobContext, replace_many: Callable[[list, str], Any]) -> NestedContext:
    """A context for the model's job: each ``(origin, batch)`` it delivers is
    stored with ``replace_many(batch, origin)`` and the stored document ids go
    on to ``ctx.partial``. Once cancelled, later batches are dropped: the
    project may be closing, and what is stored stays."""

    def store(part: tuple[str, list]) -> None:
        origin, batch = part
        if ctx.cancelled:
            return
        replace_many(batch, origin)
        ctx.partial([doc_id for doc_id, _ in batch])

    return NestedContext(ctx, store)
