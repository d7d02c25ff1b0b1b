"""Training an answerer with the shared trainer (core/runtime/trainer.py).

Each epoch shows every trainable question once, in one window of its
passage: usually a window holding the answer at a random place, sometimes
(``negative_rate``) a window without it, where the answer is "none" (MLM:
[PAD] at the first mask; seq2seq: [SEP] at once; pointer: [CLS]). Windows
are read at fixed strides when answering, so most of them hold no answer;
the negatives teach the model to give those a low score, which is what
makes the best answer across windows the right one. The windows drawn are a
function of (seed, epoch), so a resumed run draws what it would have.

After each epoch the dev questions are answered and scored with the CMRC
2018 metric; the epoch with the best F1 is saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.encoder.samples import pad_ids
from core.errors import BadInput
from core.mrc.metric import MrcScores, score_predictions
from core.mrc.model import MrcModel
from core.mrc.squad import Question
from core.mrc.windows import Window, answer_tokens, encode, question_ids
from core.runtime.jobs import JobContext
from core.runtime.trainer import train_folder_model
from core.runtime.training_task import Epoch, Evaluation, TrainingSettings


@dataclass
class MrcTrainSettings(TrainingSettings):
    negative_rate: float = 0.25  # share of samples in a window without the answer
    eval_batch_size: int = 32


@dataclass(frozen=True)
class TrainingQuestion:
    """A question whose answer is a run of at most ``answer_len`` tokens."""

    question: list[int]
    passage: list[int]
    tokens: list[Any]  # the passage's tokens (offsets)
    answer: tuple[int, int]  # passage tokens, inclusive
    text: str  # the answer's characters
    context: str


def trainable(model: MrcModel, questions: Sequence[Question]) -> list[TrainingQuestion]:
    tok, layout = model.tokenizer, model.info.layout
    out = []
    for q in questions:
        where = q.located_answer()
        if where is None:
            continue
        tokens = tok.tokenize(q.context)
        whole = Window(0, tokens, tok.ids(tokens))
        span = answer_tokens(whole, *where)
        if span is None or span[1] - span[0] + 1 > layout.answer_len:
            continue
        out.append(
            TrainingQuestion(
                question_ids(tok, q.question, layout),
                whole.ids,
                tokens,
                span,
                q.context[where[0] : where[1]],
                q.context,
            )
        )
    return out


def _draw_window(
    item: TrainingQuestion, size: int, negative: bool, rng: np.random.Generator
) -> tuple[Window, tuple[int, int] | None]:
    """A window of ``size`` tokens: holding the answer (its span in the
    window), or, for a negative, not containing the answer's text."""
    n = len(item.passage)
    a, b = item.answer
    last_start = max(0, n - size)
    if negative:
        starts = [
            s
            for s in range(0, last_start + 1)
            if (s + size <= a or s > b)
            and item.text
            not in item.context[item.tokens[s].start : item.tokens[min(n, s + size) - 1].end]
        ]
        if starts:
            s = int(rng.choice(starts))
            return Window(s, item.tokens[s : s + size], item.passage[s : s + size]), None
    low, high = max(0, b - size + 1), min(a, last_start)
    s = int(rng.integers(low, high + 1)) if high >= low else 0
    return Window(s, item.tokens[s : s + size], item.passage[s : s + size]), (a - s, b - s)


def training_batch(
    model: MrcModel,
    items: Sequence[TrainingQuestion],
    negatives: Sequence[bool],
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """The inputs of ``train_on_batch`` for these questions."""
    method, layout, tok = model.info.method, model.info.layout, model.tokenizer
    rows, segs, positions, targets, spans, allowed = [], [], [], [], [], []
    for item, negative in zip(items, negatives, strict=True):
        window, span = _draw_window(item, layout.passage_len, negative, rng)
        enc = encode(method, tok, item.question, window, layout, model.info.question_marks)
        answer = window.ids[span[0] : span[1] + 1] if span else []
        if method == "mlm":
            rows.append(enc.token_ids)
            segs.append(enc.segment_ids)
            end = [tok.pad_id] if len(answer) < layout.answer_len else []
            positions.append(list(range(1, len(answer) + len(end) + 1)))
            targets.append([*answer, *end])
        elif method == "seq2seq":
            rows.append([*enc.token_ids, *answer])
            segs.append([*enc.segment_ids, *[1] * len(answer)])
            first = len(enc.token_ids) - 1
            positions.append(list(range(first, first + len(answer) + 1)))
            targets.append([*answer, tok.sep_id])
        else:
            rows.append(enc.token_ids)
            segs.append(enc.segment_ids)
            allowed.append((enc.passage_at, len(window.ids)))
            spans.append([enc.passage_at + span[0], enc.passage_at + span[1]] if span else [0, 0])
    ids = pad_ids(rows, limit=model.info.maxlen)
    seg = pad_ids(segs, length=ids.shape[1])
    if method == "pointer":
        keep = np.zeros(ids.shape, dtype="float32")
        keep[:, 0] = 1.0
        for k, (at, n) in enumerate(allowed):
            keep[k, at : at + n] = 1.0
        return [ids, seg, keep, np.array(spans, dtype="int32")]
    width = max(len(p) for p in positions)
    pos = np.zeros((len(rows), width), dtype="int32")
    tgt = np.zeros((len(rows), width), dtype="int32")
    weight = np.zeros((len(rows), width), dtype="float32")
    for k, (p, t) in enumerate(zip(positions, targets, strict=True)):
        pos[k, : len(p)], tgt[k, : len(t)], weight[k, : len(t)] = p, t, 1.0
    return [ids, seg, pos, tgt, weight]


def evaluate_model(
    model: MrcModel,
    questions: Sequence[Question],
    ctx: JobContext | None = None,
    batch_size: int = 32,
) -> tuple[MrcScores, dict[str, str]]:
    """CMRC 2018 scores of the model's answers, and the answers by id."""
    answers = model.answer_many([(q.question, q.context) for q in questions], batch_size, ctx)
    predicted = {q.id: a.text for q, a in zip(questions, answers, strict=True)}
    return score_predictions({q.id: q.answer_texts() for q in questions}, predicted), predicted


def train_mrc(
    model: MrcModel,
    train: Sequence[Question],
    dev: Sequence[Question],
    out_dir: str | Path,
    settings: MrcTrainSettings | None = None,
    ctx: JobContext | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
    keep_state: bool = True,
) -> dict[str, Any]:
    """Train ``model`` in place; the epoch with the best dev F1 is saved to ``out_dir``."""
    settings = settings or MrcTrainSettings()
    items = trainable(model, train)
    if not items:
        raise BadInput(
            "no training question has an answer found in its context within "
            f"{model.info.layout.answer_len} tokens"
        )
    size = settings.batch_size
    steps = -(-len(items) // size)

    def batches(epoch: int) -> Epoch:
        rng = np.random.default_rng([settings.seed, epoch])
        order = rng.permutation(len(items))
        negative = rng.random(len(items)) < settings.negative_rate

        def gen() -> Iterator[list[np.ndarray]]:
            for step in range(steps):
                chosen = order[step * size : (step + 1) * size]
                step_rng = np.random.default_rng([settings.seed, epoch, step])
                yield training_batch(
                    model, [items[i] for i in chosen], [bool(negative[i]) for i in chosen], step_rng
                )

        return Epoch(steps, gen())

    def evaluate(eval_ctx: JobContext) -> Evaluation:
        scores, _ = evaluate_model(model, dev, eval_ctx, settings.eval_batch_size)
        return Evaluation(scores.f1, scores.summary(), scores.summary())

    about = {
        "train_questions": len(train),
        "train_questions_used": len(items),
        "method": model.info.method,
    }
    result = train_folder_model(
        model,
        batches,
        evaluate if dev else None,
        out_dir,
        settings,
        steps,
        about,
        ctx,
        on_epoch,
        keep_state,
    )
    return {**result, "questions": len(items)}
