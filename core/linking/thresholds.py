"""Choosing the linker's thresholds on held-out queries: the NIL threshold
(cheap: one linking pass, then every threshold applied to the stored scores)
and the threshold for alias matches to count as mentions (one pass each)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.jobs import JobContext
from core.linking.candidates import AliasIndex
from core.linking.evaluation import LinkScores, score_links
from core.linking.kb import KnowledgeBase
from core.linking.model import LinkerModel, ScoredMention
from core.linking.queries import Query

ALIAS_GRID = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)


def choose_nil_threshold(
    scored: Sequence[Sequence[ScoredMention]], gold: Sequence[Query]
) -> tuple[float, LinkScores]:
    """The threshold (0.05 steps) with the best F1 on these queries; ties go to
    the better NIL accuracy, then to the middle of the grid."""
    best: tuple[tuple[float, float, float], float, LinkScores] | None = None
    for k in range(1, 20):
        th = k / 20
        s = score_links(
            [q.mentions for q in gold],
            [[m.decide(th) for m in found] for found in scored],
            [q.unlabelled() for q in gold],
        )
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
    threshold; the best pair is set in ``model.info``. The free-span pointer
    thresholds stay as they are."""
    ctx = ctx or JobContext.null()
    texts = [q.text for q in queries]
    before = LinkScores()
    grid = []
    for k, th in enumerate(ALIAS_GRID):
        ctx.report(k, len(ALIAS_GRID), f"alias threshold {th}")
        model.info.alias_threshold = th
        nil, scores = choose_nil_threshold(model.score(texts, kb, index), queries)
        grid.append({"alias_threshold": th, "nil_threshold": nil, **scores.summary()})
        before = scores if th == 0.5 else before
    ctx.report(len(ALIAS_GRID), len(ALIAS_GRID), "done")
    best = max(grid, key=lambda g: (g["f1"], g["nil_accuracy"] or 0.0))
    model.info.alias_threshold = best["alias_threshold"]
    model.info.nil_threshold = best["nil_threshold"]
    return {
        "alias_threshold": best["alias_threshold"],
        "nil_threshold": best["nil_threshold"],
        "f1": best["f1"],
        "nil_accuracy": best["nil_accuracy"],
        "f1_at_0.5": round(before.f1, 4),
        "grid": grid,
    }
