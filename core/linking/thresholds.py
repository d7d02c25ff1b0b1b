"""Choosing the linker's settings on held-out queries: the ranker's
calibration and the NIL threshold on the calibrated probability (cheap: one
linking pass, then every threshold applied to the stored scores) and the
threshold for alias matches to count as mentions (one pass each).
They are chosen on one half of the queries and reported on the other
(core/runtime/tuning.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from core.linking.calibration import (
    IDENTITY,
    apply_calibration,
    candidate_pairs,
    expected_calibration_error,
    fit_calibration,
)
from core.linking.candidates import AliasIndex
from core.linking.evaluation import LinkScores, score_links
from core.linking.kb import KnowledgeBase
from core.linking.model import LinkerModel, ScoredMention
from core.linking.queries import Query
from core.runtime.jobs import JobContext
from core.runtime.tuning import require_two_halves, split_held_out

ALIAS_GRID = (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)
# Spans no alias matches (the names a KB lacks, whose mentions are NIL) need
# both pointer probabilities above this, tried with the best alias threshold.
FREE_SPAN_GRID = (0.3, 0.4, 0.5, 0.6)


def scores_at(
    scored: Sequence[Sequence[ScoredMention]], gold: Sequence[Query], nil_threshold: float
) -> LinkScores:
    """The scores of the links ``scored`` makes with this NIL threshold."""
    return score_links(
        [q.mentions for q in gold],
        [[m.decide(nil_threshold) for m in found] for found in scored],
        [q.unscored() for q in gold],
    )


def choose_nil_threshold(
    scored: Sequence[Sequence[ScoredMention]],
    gold: Sequence[Query],
    min_nil_accuracy: float = 0.0,
) -> tuple[float, LinkScores]:
    """The threshold (0.05 steps) with the best F1 on these queries among
    those that keep at least ``min_nil_accuracy`` of the NIL mentions NIL
    (when none does, among all); ties go to the better NIL accuracy, then to
    the middle of the grid. A higher threshold trades links for NILs: the
    floor says how much a NIL must be worth trusting."""
    best: tuple[tuple[float, float, float, float], float, LinkScores] | None = None
    for k in range(1, 20):
        th = k / 20
        s = scores_at(scored, gold, th)
        nil = s.nil_accuracy if s.nil_accuracy is not None else 1.0
        key = (float(nil >= min_nil_accuracy), round(s.f1, 6), nil, -abs(th - 0.5))
        if best is None or key > best[0]:
            best = (key, th, s)
    assert best is not None
    return best[1], best[2]


def recalibrated(
    scored: Sequence[Sequence[ScoredMention]], calibration: Sequence[float]
) -> list[list[ScoredMention]]:
    """The same mentions with raw ranker scores made probabilities by
    ``calibration`` (core/linking/calibration.py), candidates best first again."""
    out = []
    for found in scored:
        row = []
        for m in found:
            ids = [c[0] for c in m.candidates]
            raw = [c[1] for c in m.candidates]
            probs = apply_calibration(raw, [m.mention_score] * len(raw), calibration) if ids else []
            ranked = sorted(zip(ids, map(float, probs), strict=True), key=lambda c: -c[1])
            row.append(replace(m, candidates=ranked))
        out.append(row)
    return out


@dataclass
class Decision:
    """Calibration and NIL threshold chosen on some queries, and their scores."""

    calibration: tuple[float, float, float]
    nil_threshold: float
    scores: LinkScores


def calibrate_and_choose(
    raw: Sequence[Sequence[ScoredMention]], gold: Sequence[Query], min_nil_accuracy: float = 0.0
) -> Decision:
    """Fit the ranker's calibration on these queries' candidates (raw scores),
    then the NIL threshold with the best F1 on the calibrated probabilities."""
    calibration = fit_calibration(*candidate_pairs(raw, gold))
    nil, scores = choose_nil_threshold(recalibrated(raw, calibration), gold, min_nil_accuracy)
    return Decision(calibration, nil, scores)


def raw_scores(
    model: LinkerModel, texts: Sequence[str], kb: KnowledgeBase, index: AliasIndex, **kw: Any
) -> list[list[ScoredMention]]:
    """Every proposed mention with its candidates' uncalibrated ranker scores."""
    kept = model.info.calibration
    model.info.calibration = IDENTITY
    try:
        return model.score(texts, kb, index, **kw)
    finally:
        model.info.calibration = kept


def calibration_errors(
    raw: Sequence[Sequence[ScoredMention]], gold: Sequence[Query], calibration: Sequence[float]
) -> dict[str, float | int]:
    """Expected calibration error of the raw ranker scores and of the
    calibrated link probabilities."""
    scores, mentions, labels = candidate_pairs(raw, gold)
    calibrated = apply_calibration(scores, mentions, calibration)
    return {
        "pairs": len(scores),
        "ece_raw": round(expected_calibration_error(scores, labels), 4),
        "ece_calibrated": round(expected_calibration_error(list(calibrated), labels), 4),
    }


def tune_thresholds(
    model: LinkerModel,
    queries: Sequence[Query],
    kb: KnowledgeBase,
    index: AliasIndex,
    ctx: JobContext | None = None,
    min_nil_accuracy: float = 0.0,
) -> dict[str, Any]:
    """Every alias-match threshold of the grid, each with the ranker's
    calibration fitted and the best NIL threshold, on one half of the
    queries, then the free-span threshold with the best of them; the best is
    set in ``model.info``, and the other half is scored
    with the settings the model had and with the chosen ones (and the
    calibration error of its candidates, raw and calibrated)."""
    ctx = ctx or JobContext.null()
    require_two_halves(len(queries), "queries")
    tune, report = split_held_out(queries)
    texts = [q.text for q in tune]
    steps = len(ALIAS_GRID) + len(FREE_SPAN_GRID) + 2
    before_info = replace(model.info)
    grid = []

    def attempt(alias: float, free: float) -> dict[str, Any]:
        model.info.alias_threshold = alias
        model.info.mention_start = model.info.mention_end = free
        d = calibrate_and_choose(raw_scores(model, texts, kb, index), tune, min_nil_accuracy)
        row = {
            "alias_threshold": alias,
            "free_span_threshold": free,
            "nil_threshold": d.nil_threshold,
            "calibration": [round(v, 4) for v in d.calibration],
            **d.scores.summary(),
        }
        grid.append(row)
        return row

    def better(g: dict[str, Any]) -> tuple[float, float, float]:
        nil = g["nil_accuracy"] if g["nil_accuracy"] is not None else 1.0
        return (float(nil >= min_nil_accuracy), g["f1"], nil)

    free = before_info.mention_start
    for k, th in enumerate(ALIAS_GRID):
        ctx.report(k, steps, f"alias threshold {th}")
        attempt(th, free)
    best = max(grid, key=better)
    for k, th in enumerate(FREE_SPAN_GRID):
        ctx.report(len(ALIAS_GRID) + k, steps, f"free-span threshold {th}")
        if th != free:
            attempt(best["alias_threshold"], th)
    best = max(grid, key=better)
    report_texts = [q.text for q in report]
    ctx.report(steps - 2, steps, "held-out half, settings before")
    model.info = before_info
    before = scores_at(model.score(report_texts, kb, index), report, before_info.nil_threshold)
    ctx.report(steps - 1, steps, "held-out half, chosen settings")
    model.info = replace(
        before_info,
        alias_threshold=best["alias_threshold"],
        mention_start=best["free_span_threshold"],
        mention_end=best["free_span_threshold"],
        nil_threshold=best["nil_threshold"],
        calibration=tuple(best["calibration"]),
    )
    raw = raw_scores(model, report_texts, kb, index)
    after = scores_at(recalibrated(raw, model.info.calibration), report, best["nil_threshold"])
    ctx.report(steps, steps, "done")
    return {
        "alias_threshold": best["alias_threshold"],
        "free_span_threshold": best["free_span_threshold"],
        "nil_threshold": best["nil_threshold"],
        "calibration": best["calibration"],
        "tune_f1": best["f1"],
        "report_f1_before": round(before.f1, 4),
        "report_f1_after": round(after.f1, 4),
        "report_nil_accuracy_before": _rounded(before.nil_accuracy),
        "report_nil_accuracy_after": _rounded(after.nil_accuracy),
        "report_calibration": calibration_errors(raw, report, model.info.calibration),
        "min_nil_accuracy": min_nil_accuracy,
        "tune_queries": len(tune),
        "report_queries": len(report),
        "grid": grid,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
