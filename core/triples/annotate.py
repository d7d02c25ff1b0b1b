"""Pre-annotating many documents with a model: a core job that hands results
over batch by batch, so a cancelled run keeps everything it finished."""

from __future__ import annotations

from collections.abc import Sequence

from core.formats.duie import Triple
from core.runtime.batches import run_in_batches
from core.runtime.jobs import JobContext
from core.triples.decode import Thresholds
from core.triples.model import TripleModel

Batch = list[tuple[int, list[Triple]]]


def model_identity(model: TripleModel) -> str:
    """What annotations record as their origin: ``name@version``."""
    return f"{model.info.name}@{model.info.version}"


def predict_documents(
    model: TripleModel,
    documents: Sequence[tuple[int, str]],
    ctx: JobContext | None = None,
    batch_size: int = 64,
    thresholds: Thresholds | None = None,
) -> int:
    """Extract triples for ``(doc_id, text)`` pairs, handing each batch of
    results to ``ctx.partial`` as ``(origin, [(doc_id, triples), ...])``, so
    the caller can store it at once. ``thresholds`` replace the model's own
    for this call. A cancel is noticed inside a long document too. Returns
    the number of documents done."""
    ctx = ctx or JobContext.null()
    inner = ctx.silent()
    return run_in_batches(
        documents,
        batch_size,
        lambda texts: model.extract(texts, batch_size=32, ctx=inner, thresholds=thresholds),
        model_identity(model),
        ctx,
        "pre-annotating",
    )
