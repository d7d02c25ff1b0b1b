"""Choosing how far apart an answerer's windows start (the stride) on
held-out questions, by the one tuning rule (core/runtime/tuning.py).

Windows that overlap more show each answer nearer the middle of some
window, with context on both sides, at the cost of reading more windows
(stride 25 of 100 reads three times as many as 75). The stride is a
setting of answering only: the network is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from core.mrc.metric import score_predictions
from core.mrc.model import MrcModel
from core.mrc.squad import Question
from core.runtime.jobs import JobContext
from core.runtime.tuning import require_two_halves, split_held_out

SHARES = (0.75, 0.5, 0.25)  # stride as a share of the window


def f1_with_stride(
    model: MrcModel, questions: Sequence[Question], stride: int, ctx: JobContext
) -> float:
    saved = model.info.layout
    model.info.layout = replace(saved, stride=stride)
    try:
        answers = model.answer_many([(q.question, q.context) for q in questions], ctx=ctx)
    finally:
        model.info.layout = saved
    gold = {q.id: q.answer_texts() for q in questions}
    return score_predictions(
        gold, {q.id: a.text for q, a in zip(questions, answers, strict=True)}
    ).f1


def tune_stride(
    model: MrcModel, questions: Sequence[Question], ctx: JobContext | None = None
) -> dict[str, Any]:
    """The stride with the best F1 on one half of the questions; F1 of the
    current and the chosen stride on the other half. The model's layout is
    left as it was.

    A smaller stride reads two or three times as many windows, so it has to
    earn its cost: it is chosen only when it beats every larger stride by at
    least one question's worth of F1 (1 / the questions that choose), more
    than the noise of a few boundaries moving by a character."""
    ctx = ctx or JobContext.null()
    require_two_halves(len(questions), "questions")
    choose, report = split_held_out(questions)
    size = model.info.layout.passage_len
    strides = sorted({max(1, round(size * s)) for s in SHARES}, reverse=True)
    grid = []
    for k, stride in enumerate(strides):
        ctx.report(k, len(strides), f"stride {stride}")
        grid.append((f1_with_stride(model, choose, stride, ctx), stride))
    margin = 1.0 / len(choose)
    best_f1, best = grid[0]  # the largest stride first
    for k, (f, stride) in enumerate(grid[1:], start=1):
        if f >= max(g for g, _ in grid[:k]) + margin:
            best_f1, best = f, stride
    current = model.info.layout.stride
    return {
        "stride": best,
        "choose_f1": round(best_f1, 4),
        "report_f1_before": round(f1_with_stride(model, report, current, ctx), 4),
        "report_f1_after": round(f1_with_stride(model, report, best, ctx), 4),
        "grid": [{"stride": s, "f1": round(f, 4)} for f, s in grid],
        "choose_questions": len(choose),
        "report_questions": len(report),
    }
