"""Pre-annotating many documents with a model: a core job that hands results
over batch by batch, so a cancelled run keeps everything it finished."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from core.formats.duie import Triple
from core.jobs import JobContext
from core.triples.model import TripleModel

Batch = list[tuple[int, list[Triple]]]

_cache: dict[tuple[str, float], TripleModel] = {}
_cache_lock = threading.Lock()


def load_model_cached(folder: str | Path) -> TripleModel:
    """Each model folder is loaded once per process and shared (a folder saved
    again, e.g. after retraining, is loaded anew)."""
    folder = Path(folder).resolve()
    weights = folder / "weights.h5"
    key = (str(folder), weights.stat().st_mtime if weights.exists() else 0.0)
    with _cache_lock:
        model = _cache.get(key)
        if model is None:
            model = TripleModel.load(folder)
            _cache[key] = model
        return model


def model_identity(model: TripleModel) -> str:
    """What annotations record as their origin: ``name@version``."""
    return f"{model.info.name}@{model.info.version}"


def predict_documents(
    model: TripleModel,
    documents: Sequence[tuple[int, str]],
    ctx: JobContext | None = None,
    batch_size: int = 64,
) -> int:
    """Extract triples for ``(doc_id, text)`` pairs, handing each batch of
    results to ``ctx.partial`` as a list of ``(doc_id, triples)``, so the
    caller can store it at once. Returns the number of documents done."""
    ctx = ctx or JobContext.null()
    done = 0
    for begin in range(0, len(documents), batch_size):
        ctx.report(done, len(documents), f"pre-annotating {done}/{len(documents)}")
        chunk = documents[begin : begin + batch_size]
        results = model.extract([text for _, text in chunk], batch_size=32)
        ctx.partial(
            [(doc_id, triples) for (doc_id, _), triples in zip(chunk, results, strict=True)]
        )
        done += len(chunk)
    ctx.report(done, len(documents), "pre-annotation finished")
    return done
