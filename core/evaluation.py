"""Scores: micro precision / recall / F1 over per-sentence sets of triples."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

TripleKey = tuple[str, str, str]


def normalise_entity(text: str) -> str:
    """What the tokenizer sees: lower case, no accents, no whitespace. Two entity
    strings that tokenise the same count as the same entity."""
    text = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in text if unicodedata.category(c) != "Mn" and not c.isspace())


@dataclass
class Counts:
    n_gold: int = 0
    n_pred: int = 0
    n_correct: int = 0

    @property
    def precision(self) -> float:
        return self.n_correct / self.n_pred if self.n_pred else 0.0

    @property
    def recall(self) -> float:
        return self.n_correct / self.n_gold if self.n_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def summary(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            **asdict(self),
        }


@dataclass
class TripleScores(Counts):
    by_predicate: dict[str, Counts] = field(default_factory=dict)

    def summary(self) -> dict[str, float | int]:
        return Counts.summary(Counts(self.n_gold, self.n_pred, self.n_correct))


def _normalised(triples: Iterable[TripleKey]) -> set[TripleKey]:
    return {(normalise_entity(s), p, normalise_entity(o)) for s, p, o in triples}


def score_triples(
    gold: Iterable[Iterable[TripleKey]], predicted: Iterable[Iterable[TripleKey]]
) -> TripleScores:
    """``gold`` and ``predicted`` are aligned sentence by sentence."""
    scores = TripleScores()
    for g_raw, p_raw in zip(gold, predicted, strict=True):
        g, p = _normalised(g_raw), _normalised(p_raw)
        ok = g & p
        scores.n_gold += len(g)
        scores.n_pred += len(p)
        scores.n_correct += len(ok)
        for name, triples in (("n_gold", g), ("n_pred", p), ("n_correct", ok)):
            for t in triples:
                counts = scores.by_predicate.setdefault(t[1], Counts())
                setattr(counts, name, getattr(counts, name) + 1)
    return scores
