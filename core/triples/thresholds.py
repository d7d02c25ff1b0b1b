"""Choosing the decoding thresholds on held-out data.

The article's 0.6 / 0.5 suit a large pretrained encoder; a small model is
less confident and finds more triples with lower thresholds. Tuning searches
a grid on one half of the held-out sentences and reports F1 on the other
half, so the reported figure was not used to choose (core/runtime/tuning.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from core.evaluation import SourcePredicates, score_by_source
from core.formats.duie import Sentence
from core.runtime.jobs import JobContext
from core.runtime.tuning import require_two_halves, split_held_out
from core.triples.decode import Thresholds
from core.triples.model import TripleModel

STARTS = (0.6, 0.5, 0.4, 0.3, 0.2)


def _end(start: float) -> float:
    """The end threshold that goes with a start one (rounded: 0.4 - 0.1 is
    0.30000000000000004 in floating point, which model.json would keep)."""
    return round(max(0.1, start - 0.1), 2)


def f1_with(
    model: TripleModel,
    sentences: Sequence[Sentence],
    th: Thresholds,
    sources: SourcePredicates | None = None,
) -> float:
    saved = model.info.thresholds
    model.info.thresholds = th
    try:
        predicted = model.extract([s.text for s in sentences], batch_size=64)
    finally:
        model.info.thresholds = saved
    return score_by_source(
        ((s.extra.get("source"), [t.key() for t in s.triples]) for s in sentences),
        ([t.key() for t in p] for p in predicted),
        sources,
    )["own"].f1


def tune_thresholds(
    model: TripleModel,
    sentences: Sequence[Sentence],
    ctx: JobContext | None = None,
    sources: SourcePredicates | None = None,
) -> dict:
    """Best thresholds on one half of the sentences; F1 of the current and
    the chosen thresholds on the other half."""
    ctx = ctx or JobContext.null()
    require_two_halves(len(sentences), "sentences")
    tune, report = split_held_out(sentences)
    grid = [Thresholds(s, _end(s), o, _end(o)) for s in STARTS for o in STARTS]
    results = []
    for k, th in enumerate(grid):
        ctx.report(k, len(grid), f"thresholds {th.subject_start}/{th.object_start}")
        results.append((f1_with(model, tune, th, sources), th))
    best_f1, best = max(results, key=lambda r: r[0])
    current = model.info.thresholds
    return {
        "thresholds": best,
        "tune_f1": best_f1,
        "report_f1_before": f1_with(model, report, current, sources),
        "report_f1_after": f1_with(model, report, best, sources),
        "grid": [(th.subject_start, th.object_start, round(f, 4)) for f, th in results],
        "tune_sentences": len(tune),
        "report_sentences": len(report),
    }


def with_thresholds(model: TripleModel, th: Thresholds) -> TripleModel:
    model.info = replace(model.info, thresholds=th)
    return model
