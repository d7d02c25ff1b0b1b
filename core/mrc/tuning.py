"""Choosing an answerer's decoding settings on held-out questions, by the
one tuning rule (core/runtime/tuning.py): how far apart its windows start
(the stride) and, for the generating answerers (MLM, seq2seq), how answers
of different lengths compare (the length penalty, core/mrc/decode.py).

Windows that overlap more show each answer nearer the middle of some
window, with context on both sides, at the cost of reading more windows
(stride 25 of 100 reads three times as many as 75). A length penalty lets
longer answers win, which a plain log-probability holds against them (each
decision costs probability); for seq2seq a longer answer is also more
steps of decoding. Both are settings of answering only: the network is the
same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from core.mrc.metric import score_predictions
from core.mrc.model import MrcModel
from core.mrc.squad import Question
from core.runtime.jobs import JobContext
from core.runtime.tuning import S, cheapest_that_pays, require_two_halves, split_held_out

SHARES = (0.75, 0.5, 0.25)  # stride as a share of the window
PENALTIES = (0.0, 0.5, 1.0, 1.5, 2.0)  # tried for the MLM and seq2seq answerers
GENERATING = ("mlm", "seq2seq")


def f1_with(
    model: MrcModel,
    questions: Sequence[Question],
    ctx: JobContext,
    stride: int | None = None,
    length_penalty: float | None = None,
) -> float:
    """F1 on ``questions`` with the given settings; the model's own are put
    back afterwards."""
    layout, penalty = model.info.layout, model.info.length_penalty
    if stride is not None:
        model.info.layout = replace(layout, stride=stride)
    if length_penalty is not None:
        model.info.length_penalty = length_penalty
    try:
        answers = model.answer_many([(q.question, q.context) for q in questions], ctx=ctx)
    finally:
        model.info.layout, model.info.length_penalty = layout, penalty
    gold = {q.id: q.answer_texts() for q in questions}
    return score_predictions(
        gold, {q.id: a.text for q, a in zip(questions, answers, strict=True)}
    ).f1


def f1_with_stride(
    model: MrcModel, questions: Sequence[Question], stride: int, ctx: JobContext
) -> float:
    return f1_with(model, questions, ctx, stride=stride)


def f1_with_penalty(
    model: MrcModel, questions: Sequence[Question], penalty: float, ctx: JobContext
) -> float:
    return f1_with(model, questions, ctx, length_penalty=penalty)


def _search(
    model: MrcModel,
    questions: Sequence[Question],
    ctx: JobContext,
    key: str,
    values: Sequence[S],
    current: S,
    f1: Callable[[MrcModel, Sequence[Question], S, JobContext], float],
) -> dict[str, Any]:
    """One setting over ``values`` (cheapest first): chosen on one half of
    the questions by :func:`cheapest_that_pays`, the current and the chosen
    value scored on the other half."""
    require_two_halves(len(questions), "questions")
    choose, report = split_held_out(questions)
    grid = []
    for k, value in enumerate(values):
        ctx.report(k, len(values), f"{key.replace('_', ' ')} {value}")
        grid.append((f1(model, choose, value, ctx), value))
    best_f1, best = cheapest_that_pays(grid, 1.0 / len(choose))
    return {
        key: best,
        "choose_f1": round(best_f1, 4),
        "report_f1_before": round(f1(model, report, current, ctx), 4),
        "report_f1_after": round(f1(model, report, best, ctx), 4),
        "grid": [{key: v, "f1": round(f, 4)} for f, v in grid],
        "choose_questions": len(choose),
        "report_questions": len(report),
    }


def tune_stride(
    model: MrcModel, questions: Sequence[Question], ctx: JobContext | None = None
) -> dict[str, Any]:
    """The stride with the best F1 on one half of the questions; F1 of the
    current and the chosen stride on the other half. The model's settings
    are left as they were. A smaller stride reads two or three times as
    many windows, so it has to earn its cost (:func:`cheapest_that_pays`)."""
    size = model.info.layout.passage_len
    strides = sorted({max(1, round(size * s)) for s in SHARES}, reverse=True)
    return _search(
        model,
        questions,
        ctx or JobContext.null(),
        "stride",
        strides,
        model.info.layout.stride,
        f1_with_stride,
    )


def tune_length_penalty(
    model: MrcModel, questions: Sequence[Question], ctx: JobContext | None = None
) -> dict[str, Any]:
    """The length penalty of :data:`PENALTIES`, chosen as :func:`tune_stride`
    chooses a stride: the smallest within one question's F1 of the best."""
    return _search(
        model,
        questions,
        ctx or JobContext.null(),
        "length_penalty",
        PENALTIES,
        model.info.length_penalty,
        f1_with_penalty,
    )


def tune_mrc(
    model: MrcModel, questions: Sequence[Question], ctx: JobContext | None = None
) -> dict[str, Any]:
    """The stride, then (MLM, seq2seq) the length penalty at that stride.
    Returns the chosen settings (``stride``, ``length_penalty``), each
    search's grid and report-half F1, and the report half's F1 before and
    after both. The model's settings are left as they were."""
    ctx = ctx or JobContext.null()
    before_layout, before_penalty = model.info.layout, model.info.length_penalty
    stride = tune_stride(model, questions, ctx)
    out: dict[str, Any] = {
        "stride": stride["stride"],
        "length_penalty": before_penalty,
        "choose_questions": stride["choose_questions"],
        "report_questions": stride["report_questions"],
        "report_f1_before": stride["report_f1_before"],
        "report_f1_after": stride["report_f1_after"],
        "grid": stride["grid"],
    }
    if model.info.method not in GENERATING:
        return out
    model.info.layout = replace(before_layout, stride=stride["stride"])
    try:
        penalty = tune_length_penalty(model, questions, ctx)
    finally:
        model.info.layout = before_layout
    out["length_penalty"] = penalty["length_penalty"]
    out["grid"] = [*stride["grid"], *penalty["grid"]]
    # The report half with both chosen, against the settings before.
    _, report = split_held_out(questions)
    out["report_f1_after"] = round(
        f1_with(model, report, ctx, stride["stride"], penalty["length_penalty"]), 4
    )
    return out
