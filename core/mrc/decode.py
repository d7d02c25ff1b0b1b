"""Turning model outputs into the best answer of a window, one rule per
method. Pure NumPy (the beam search takes the model as a function), so each
rule is tested on hand-made numbers.

Every rule returns a run of the window's tokens and its log-probability
under the model; runs of different windows are compared by their
:attr:`Candidate.rank`, the best wins.

Answers of different lengths are compared by ``log p / steps ** alpha``
(``alpha``, the length penalty: 0 is the plain log-probability, which
favours short answers, every decision costing probability; 1 is the mean
log-probability of a decision). A setting of the model, chosen on held-out
questions (core/mrc/tuning.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Candidate:
    window: int  # index of the window
    start: int  # first window token of the answer
    end: int  # last window token (inclusive)
    log_prob: float
    steps: int  # the decisions the log-probability sums over
    # The window's log-probability of holding no answer (pointer: its
    # [CLS]); 0 where the method has none.
    null_log_prob: float = 0.0
    length_penalty: float = 0.0

    @property
    def rank(self) -> float:
        """What windows are compared by: the answer's log-odds against the
        window's own "no answer", over its length penalty. A window's softmax
        spends its mass within the window, so a window without the answer
        still puts a high probability on its likeliest run; its [CLS] says
        how sure it is of having one at all."""
        return normalised(self.log_prob - self.null_log_prob, self.steps, self.length_penalty)

    @property
    def probability(self) -> float:
        """The geometric mean of the decisions' probabilities: comparable
        between answers of any length, shown to people as the score."""
        return float(np.exp(self.log_prob / max(1, self.steps)))


def normalised(log_prob: float, steps: int, length_penalty: float) -> float:
    """A log-probability over ``steps`` decisions, made comparable between
    lengths: ``log_prob / steps ** length_penalty``."""
    return log_prob / max(1, steps) ** length_penalty


def best_mlm_span(
    log_probs: np.ndarray,
    passage: Sequence[int],
    pad_id: int,
    window: int = 0,
    length_penalty: float = 0.0,
) -> Candidate | None:
    """The passage run of at most L tokens with the highest likelihood under
    an MLM answer: ``log_probs`` (L, vocab) at the L mask positions. A run of
    l tokens scores sum_k log p_k(token k) + log p_l([PAD]) (the answer stops
    at its first padding; a run of L tokens needs no padding), runs of
    different lengths compared under the length penalty. The search is
    exact over every run of the passage, so the answer always occurs in it;
    the free argmax answer (which can invent characters) is what it would be
    without this rule."""
    n, length = len(passage), log_probs.shape[0]
    if n == 0:
        return None
    ids = np.asarray(passage)
    best: Candidate | None = None
    running = np.zeros(n)
    for k in range(min(length, n)):
        starts = n - k  # runs of k + 1 tokens start at 0 .. n - k - 1
        running = running[:starts] + log_probs[k, ids[k : k + starts]]
        total = running + (log_probs[k + 1, pad_id] if k + 1 < length else 0.0)
        i = int(np.argmax(total))
        steps = k + 1 + (1 if k + 1 < length else 0)
        found = Candidate(window, i, i + k, float(total[i]), steps, 0.0, length_penalty)
        if best is None or found.rank > best.rank:
            best = found
    return best


def free_mlm_answer(log_probs: np.ndarray, pad_id: int) -> list[int]:
    """The argmax id at each mask position, up to the first padding."""
    out = []
    for token in log_probs.argmax(axis=-1):
        if token == pad_id:
            break
        out.append(int(token))
    return out


def best_pointer_span(
    start_log_probs: np.ndarray,
    end_log_probs: np.ndarray,
    max_len: int,
    window: int = 0,
    null_log_prob: float = 0.0,
) -> Candidate | None:
    """The run ``i..j`` (j - i < max_len) with the highest
    log p_start(i) + log p_end(j); inputs are over the window's tokens only,
    ``null_log_prob`` is log p_start([CLS]) + log p_end([CLS])."""
    n = len(start_log_probs)
    if n == 0:
        return None
    scores = start_log_probs[:, None] + end_log_probs[None, :]
    i, j = np.indices(scores.shape)
    scores = np.where((j >= i) & (j - i < max_len), scores, -np.inf)
    k = int(np.argmax(scores))
    a, b = divmod(k, n)
    return Candidate(window, a, b, float(scores[a, b]), 2, float(null_log_prob))


@dataclass
class _Hypothesis:
    question: int
    window: int
    ids: list[int]
    starts: list[int]  # where ``ids`` occurs in the window's passage
    log_prob: float


# (prefix inputs) -> log-probabilities of the next token, (batch, vocab)
NextTokens = Callable[[list[tuple[int, int, list[int]]]], np.ndarray]


def constrained_beam_search(
    passages: Sequence[Sequence[Sequence[int]]],
    next_log_probs: NextTokens,
    end_id: int,
    max_len: int,
    beam_size: int,
    length_penalty: float = 0.0,
) -> list[Candidate | None]:
    """Beam search for several questions at once, each over all its windows.

    ``passages[q][w]`` are the token ids of window ``w`` of question ``q``;
    ``next_log_probs([(q, w, prefix), ...])`` gives each prefix's next-token
    log-probabilities. A hypothesis may only grow into a run of its window's
    tokens, and may end (``end_id``) once it holds a token, so every answer
    occurs in the passage. Each question keeps ``beam_size`` hypotheses
    across its windows; its answer is the finished one with the highest
    log-probability (ending included) under the length penalty. A live
    hypothesis is dropped once it could not win even if it ended at the next
    step for certain (with no penalty, exact: it can only fall further)."""
    live: list[_Hypothesis] = [
        _Hypothesis(q, w, [], list(range(len(p))), 0.0)
        for q, windows in enumerate(passages)
        for w, p in enumerate(windows)
        if len(p)
    ]
    finished: list[Candidate | None] = [None] * len(passages)
    for step in range(max_len + 1):
        if not live:
            break
        log_probs = next_log_probs([(h.question, h.window, h.ids) for h in live])
        grown: dict[int, list[_Hypothesis]] = {}
        for h, lp in zip(live, log_probs, strict=True):
            passage = passages[h.question][h.window]
            if h.ids:
                first = h.starts[0]
                ended = Candidate(
                    h.window,
                    first,
                    first + len(h.ids) - 1,
                    h.log_prob + float(lp[end_id]),
                    len(h.ids) + 1,
                    0.0,
                    length_penalty,
                )
                best = finished[h.question]
                if best is None or ended.rank > best.rank:
                    finished[h.question] = ended
            if step == max_len:
                continue
            following: dict[int, list[int]] = {}
            for s in h.starts:
                if s + step < len(passage):
                    following.setdefault(int(passage[s + step]), []).append(s)
            for token, starts in following.items():
                grown.setdefault(h.question, []).append(
                    _Hypothesis(
                        h.question, h.window, [*h.ids, token], starts, h.log_prob + float(lp[token])
                    )
                )
        live = []
        for q, hyps in grown.items():
            hyps.sort(key=lambda h: -h.log_prob)
            best = finished[q]
            live.extend(
                h
                for h in hyps[:beam_size]
                if best is None
                or normalised(h.log_prob, len(h.ids) + 1, length_penalty) > best.rank
            )
    return finished


def pooled_greedy_search(
    passages: Sequence[Sequence[Sequence[int]]],
    next_log_probs: NextTokens,
    end_id: int,
    max_len: int,
) -> list[Candidate | None]:
    """The decoding of the article's seq2seq reader: one answer per question,
    grown a token at a time, each step reading the prefix against *every*
    window still in play and pooling their next-token probabilities
    (sum p² / (sum p + 1), a vote that favours windows sure of themselves).
    A window whose first choice is to end at once leaves the vote after
    the first step; when every window does, the question has no answer.
    Only tokens that continue the prefix as a run of some window may follow
    (and the end, once the prefix holds a token), so the answer occurs in
    the passage; it is placed in the first window holding it.

    Slower than :func:`constrained_beam_search` (a row per window per step,
    nothing pruned), it is kept to measure the article's speed claim against
    the decoder the claim was made with (bench/mrc_speed.py)."""
    reading = {q: [w for w, p in enumerate(ws) if len(p)] for q, ws in enumerate(passages)}
    prefixes: dict[int, list[int]] = {q: [] for q in reading}
    scores = dict.fromkeys(reading, 0.0)
    found: list[Candidate | None] = [None] * len(passages)
    for step in range(max_len + 1):
        active = [q for q, ws in reading.items() if ws]
        if not active:
            break
        rows = [(q, w, prefixes[q]) for q in active for w in reading[q]]
        probs = np.exp(next_log_probs(rows))
        at = 0
        for q in active:
            windows, p = reading[q], probs[at : at + len(reading[q])]
            at += len(windows)
            if step == 0:
                keep = [k for k in range(len(windows)) if int(p[k].argmax()) != end_id]
                windows, p = [windows[k] for k in keep], p[keep]
                reading[q] = windows
                if not windows:
                    continue
            prefix = prefixes[q]
            places = _runs_of(passages[q], windows, prefix)
            allowed = {
                int(passages[q][w][s + len(prefix)])
                for w, s in places
                if s + len(prefix) < len(passages[q][w])
            }
            if prefix:
                allowed.add(end_id)
            pooled = (p**2).sum(0) / (p.sum(0) + 1)
            choices = sorted(allowed)
            if not choices:
                reading[q] = []
                continue
            token = choices[int(np.argmax(pooled[choices]))]
            scores[q] += float(np.log(max(pooled[token] / pooled[choices].sum(), 1e-12)))
            if token != end_id:
                prefix.append(token)
            if token == end_id or len(prefix) == max_len or step == max_len:
                w, s = _runs_of(passages[q], windows, prefix)[0]
                found[q] = Candidate(w, s, s + len(prefix) - 1, scores[q], step + 1)
                reading[q] = []
    return found


def _runs_of(
    windows: Sequence[Sequence[int]], which: Sequence[int], run: Sequence[int]
) -> list[tuple[int, int]]:
    """(window, start) of every occurrence of ``run`` in the windows ``which``."""
    n = len(run)
    return [
        (w, s)
        for w in which
        for s in range(len(windows[w]) - n + 1)
        if list(windows[w][s : s + n]) == list(run)
    ]
