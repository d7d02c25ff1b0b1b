"""Choosing the linker's thresholds on held-out queries: the NIL threshold
(cheap: one linking pass, then every threshold applied to the stored scores)
and the threshold for alias matches to count as mentions (one pass each).
They are chosen on one half of the queries and reported on the other
(core/runtime/tuning.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.linking.candidates import AliasIndex
from core.linking.evaluation import LinkScores, score_links
from core.linking.kb import KnowledgeBase
from core.linking.model import LinkerModel, ScoredMention
from core.linking.queries import Query
from core.runtime.jobs import JobContext
from core.runtime.tuning import require_two_halves, split_held_out

ALIAS_GRID = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)


def scores_at(
    scored: Sequence[Sequence[ScoredMention]], gold: Sequence[Query], nil_threshold: float
) -> LinkScores:
    """The scores of the links ``scored`` makes with this NIL threshold."""
    return score_links(
        [q.mentions for q in gold],
        [[m.decide(nil_threshold) for m in found] for found in scored],
        [q.unlabelled() for q in gold],
    )


def choose_nil_threshold(
    scored: Sequence[Sequence[ScoredMention]], gold: Sequence[Query]
) -> tuple[float, LinkScores]:
    """The threshold (0.05 steps) with the best F1 on these queries; ties go to
    the better NIL accuracy, then to the middle of the grid."""
    best: tuple[tuple[float, float, float], float, LinkScores] | None = None
    for k in range(1, 20):
        th = k / 20
        s = scores_at(scored, gold, th)
        key = (round(s.f1, 6), s.nil_accuracy or 0.0, -abs(th - 0.5))
        if best is None or key > best[0]:
            best = (key, th, s)
    assert best is not None
    return best[1], best[2]


def tune_thresholds(
    model: LinkerModel,
    queries: Sequence[Query],
    kb: KnowledgeBase,
    index: AliasIndex,
    ctx: JobContext | None = None,
) -> dict[str, Any]:
    """Every alias-match threshold of the grid, each with its best NIL
    threshold, on one half of the queries; the best pair is set in
    ``model.info``, and the other half is scored with the thresholds the
    model had and with the chosen ones. The free-span pointer thresholds stay
    as they are."""
    ctx = ctx or JobContext.null()
    require_two_halves(len(queries), "queries")
    tune, report = split_held_out(queries)
    texts = [q.text for q in tune]
    steps = len(ALIAS_GRID) + 2
    alias_before, nil_before = model.info.alias_threshold, model.info.nil_threshold
    grid = []
    for k, th in enumerate(ALIAS_GRID):
        ctx.report(k, steps, f"alias threshold {th}")
        model.info.alias_threshold = th
        nil, scores = choose_nil_threshold(model.score(texts, kb, index), tune)
        grid.append({"alias_threshold": th, "nil_threshold": nil, **scores.summary()})
    best = max(grid, key=lambda g: (g["f1"], g["nil_accuracy"] or 0.0))
    report_texts = [q.text for q in report]
    ctx.report(len(ALIAS_GRID), steps, "held-out half, thresholds before")
    model.info.alias_threshold = alias_before
    scored = model.score(report_texts, kb, index)
    before = scores_at(scored, report, nil_before)
    ctx.report(len(ALIAS_GRID) + 1, steps, "held-out half, chosen thresholds")
    model.info.alias_threshold = best["alias_threshold"]
    model.info.nil_threshold = best["nil_threshold"]
    if best["alias_threshold"] != alias_before:
        scored = model.score(report_texts, kb, index)
    after = scores_at(scored, report, best["nil_threshold"])
    ctx.report(steps, steps, "done")
    return {
        "alias_threshold": best["alias_threshold"],
        "nil_threshold": best["nil_threshold"],
        "tune_f1": best["f1"],
        "report_f1_before": round(before.f1, 4),
        "report_f1_after": round(after.f1, 4),
        "report_nil_accuracy_before": _rounded(before.nil_accuracy),
        "report_nil_accuracy_after": _rounded(after.nil_accuracy),
        "tune_queries": len(tune),
        "report_queries": len(report),
        "grid": grid,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
