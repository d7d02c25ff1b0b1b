"""Linking scores: the CCKS 2019 micro precision / recall / F1 over
(offset, mention, kb_id) of the links to entities, and NIL accuracy.

NIL accuracy is the share of gold NIL mentions that the prediction has at the
same offset with the same text and marks NIL; decision F1 counts NIL
decisions as well as links; a NIL mention the linker missed
or linked to an entity counts against it. NIL predictions never count as
links, right or wrong, in precision / recall / F1. Predictions on spans a
gold file marks ``unlabelled`` are not scored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.evaluation import Counts
from core.linking.queries import Mention


@dataclass
class LinkScores(Counts):
    n_gold_nil: int = 0
    n_nil_correct: int = 0
    n_pred_nil: int = 0
    mention_counts: Counts | None = None  # spans alone, NIL or not

    @property
    def decisions(self) -> Counts:
        """Every mention decision, NIL ones included: a gold NIL mention
        marked NIL is right, a NIL said of a span that is no mention is
        wrong (the F1 a reviewer feels: every proposal is a link to check
        or a NIL to trust)."""
        return Counts(
            self.n_gold + self.n_gold_nil,
            self.n_pred + self.n_pred_nil,
            self.n_correct + self.n_nil_correct,
        )

    @property
    def nil_accuracy(self) -> float | None:
        return self.n_nil_correct / self.n_gold_nil if self.n_gold_nil else None

    def summary(self) -> dict[str, float | int | None]:
        nil = self.nil_accuracy
        spans = self.mention_counts or Counts()
        return {
            **Counts.summary(Counts(self.n_gold, self.n_pred, self.n_correct)),
            "nil_accuracy": None if nil is None else round(nil, 4),
            "n_gold_nil": self.n_gold_nil,
            "n_nil_correct": self.n_nil_correct,
            "mention_f1": round(spans.f1, 4),
            "decision_f1": round(self.decisions.f1, 4),
        }


def _outside(
    predicted: Sequence[Mention], gold: Sequence[Mention], unlabelled: Sequence[tuple[int, int]]
) -> list[Mention]:
    """The predictions that do not fall on an unannotated span (those on a gold
    span are always kept)."""
    gold_spans = {(m.start, m.end) for m in gold}
    return [
        m
        for m in predicted
        if (m.start, m.end) in gold_spans or all(m.end <= a or m.start >= b for a, b in unlabelled)
    ]


def score_links(
    gold: Iterable[Sequence[Mention]],
    predicted: Iterable[Sequence[Mention]],
    unlabelled: Iterable[Sequence[tuple[int, int]]] | None = None,
) -> LinkScores:
    """``gold`` and ``predicted``: the mentions of the same texts, in the same
    order; ``unlabelled``: per text, spans where predictions are not scored."""
    scores = LinkScores(mention_counts=Counts())
    spans = scores.mention_counts
    assert spans is not None
    gold, predicted = list(gold), list(predicted)
    ignore = list(unlabelled) if unlabelled is not None else [()] * len(gold)
    for g, p, u in zip(gold, predicted, ignore, strict=True):
        p = _outside(p, g, u) if u else p
        g_links = {m.key() for m in g if not m.is_nil}
        p_links = {m.key() for m in p if not m.is_nil}
        scores.n_gold += len(g_links)
        scores.n_pred += len(p_links)
        scores.n_correct += len(g_links & p_links)
        p_nil = {(m.start, m.text) for m in p if m.is_nil}
        scores.n_pred_nil += len(p_nil)
        for m in g:
            if m.is_nil:
                scores.n_gold_nil += 1
                scores.n_nil_correct += (m.start, m.text) in p_nil
        g_spans = {(m.start, m.text) for m in g}
        p_spans = {(m.start, m.text) for m in p}
        spans.n_gold += len(g_spans)
        spans.n_pred += len(p_spans)
        spans.n_correct += len(g_spans & p_spans)
    return scores
