"""Making the ranker's score a probability that the mention refers to the
candidate, so that one NIL threshold means the same on every KB.

The ranker is trained on pairs whose mix of right and wrong candidates (one
right entity, its namesakes, a few random entities) is not the mix it meets
when linking, and only on real mentions, so its raw sigmoid is not a
probability. Platt scaling, extended by the mention head's probability (a
span that is no mention has no right candidate, however well one fits),
fits ``sigmoid(a * logit(ranker) + b + c * logit(mention))`` to held-out
(mention, candidate) pairs by maximum likelihood; the expected calibration error (ECE: the mean gap
between the predicted probability and the observed share of right
candidates, over ten equal-width bins, weighted by the pairs in each) says
how far from a probability a score is, before and after.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.linking.queries import Query

_EPS = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


IDENTITY = (1.0, 0.0, 0.0)


def fit_calibration(
    ranker: Sequence[float],
    mention: Sequence[float],
    labels: Sequence[float],
    iters: int = 100,
) -> tuple[float, float, float]:
    """(a, b, c) maximising the likelihood of ``labels`` under
    ``sigmoid(a * logit(ranker) + b + c * logit(mention))`` (Newton's method,
    a little L2 towards the identity so that separable data stay finite); the
    identity without both labels."""
    x = _logit(np.asarray(ranker, dtype="float64"))
    m = _logit(np.asarray(mention, dtype="float64"))
    y = np.asarray(labels, dtype="float64")
    if len(x) == 0 or y.min() == y.max():
        return IDENTITY
    prior = np.array(IDENTITY)
    w = prior.copy()
    features = np.stack([x, np.ones_like(x), m], 1)
    ridge = 1e-3 * np.eye(3)
    for _ in range(iters):
        p = 1 / (1 + np.exp(-(features @ w)))
        grad = features.T @ (p - y) + ridge @ (w - prior)
        hess = (features * (p * (1 - p))[:, None]).T @ features + ridge
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return float(w[0]), float(w[1]), float(w[2])


def apply_calibration(
    ranker: Sequence[float], mention: Sequence[float], calibration: Sequence[float]
) -> np.ndarray:
    a, b, c = calibration
    if (a, b, c) == IDENTITY:
        return np.asarray(ranker, dtype="float64")
    z = a * _logit(np.asarray(ranker, dtype="float64")) + b
    z = z + c * _logit(np.asarray(mention, dtype="float64"))
    return 1 / (1 + np.exp(-z))


def expected_calibration_error(
    probs: Sequence[float], labels: Sequence[float], bins: int = 10
) -> float:
    p = np.asarray(probs, dtype="float64")
    y = np.asarray(labels, dtype="float64")
    if len(p) == 0:
        return 0.0
    which = np.minimum((p * bins).astype(int), bins - 1)
    error = 0.0
    for k in range(bins):
        inside = which == k
        if inside.any():
            error += inside.sum() / len(p) * abs(p[inside].mean() - y[inside].mean())
    return float(error)


def candidate_pairs(
    scored: Sequence[Sequence[object]], gold: Sequence[Query]
) -> tuple[list[float], list[float], list[float]]:
    """(scores, mention scores, right or not) of every candidate of every
    proposed mention,
    the pairs a link decision is made on: right only for a gold mention's
    entity; every candidate of a span that is no mention is wrong; spans
    nobody annotated are left out. ``scored``: per query,
    :class:`~core.linking.model.ScoredMention`."""
    scores, mentions, labels = [], [], []
    for found, q in zip(scored, gold, strict=True):
        truth = {(m.start, m.end): m.kb_id for m in q.mentions}
        ignored = q.unscored()
        for m in found:
            start, end = m.start, m.end  # type: ignore[attr-defined]
            kb_id = truth.get((start, end))
            if kb_id is None and any(start < b and a < end for a, b in ignored):
                continue
            for entity_id, score in m.candidates:  # type: ignore[attr-defined]
                scores.append(score)
                mentions.append(m.mention_score)  # type: ignore[attr-defined]
                labels.append(1.0 if entity_id == kb_id else 0.0)
    return scores, mentions, labels
