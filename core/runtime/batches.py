"""Documents through a model in batches, each batch's results handed over as
soon as they exist, so that a cancelled run keeps everything it finished."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from core.runtime.jobs import JobContext


def run_in_batches(
    documents: Sequence[tuple[int, str]],
    batch_size: int,
    work: Callable[[list[str]], Sequence[Any]],
    origin: str,
    ctx: JobContext,
    verb: str,
) -> int:
    """``work`` maps a batch's texts to one result each; every batch goes to
    ``ctx.partial`` as ``(origin, [(doc_id, result), ...])``, the origin being
    what the results are stored under. A cancel stops the run between batches
    (and inside one, if ``work`` checks ``ctx`` too). Returns the number of
    documents done."""
    total, done = len(documents), 0
    step = max(1, int(batch_size))
    for begin in range(0, total, step):
        ctx.report(done, total, f"{verb} {done}/{total}")
        chunk = documents[begin : begin + step]
        results = work([text for _, text in chunk])
        ctx.partial((origin, [(doc_id, r) for (doc_id, _), r in zip(chunk, results, strict=True)]))
        done += len(chunk)
    ctx.report(done, total, f"{verb} {done}/{total}")
    return done
