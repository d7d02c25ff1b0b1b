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


# Which predicates each data source annotates (source name -> predicates).
# A sentence's ``source`` field selects its set; a source not listed annotates all.
SourcePredicates = dict[str, frozenset[str]]


def annotated_by(source: str | None, sources: SourcePredicates | None) -> frozenset[str] | None:
    """The predicates a sentence of ``source`` annotates, or None for all."""
    if not sources or source is None:
        return None
    return sources.get(source)


def score_by_source(
    gold: Iterable[tuple[str | None, Iterable[TripleKey]]],
    predicted: Iterable[Iterable[TripleKey]],
    sources: SourcePredicates | None,
) -> dict[str, TripleScores]:
    """Scores of sentences tagged with their source: ``together`` counts every
    triple; ``own`` and one entry per source count, in each sentence, only the
    predicates its source annotates (a predicted triple of a predicate the source
    never labels is neither right nor wrong)."""
    rows = [(source, list(g), list(p)) for (source, g), p in zip(gold, predicted, strict=True)]
    result = {"together": score_triples((g for _, g, _ in rows), (p for _, _, p in rows))}

    def kept(triples: list[TripleKey], allowed: frozenset[str] | None) -> list[TripleKey]:
        return triples if allowed is None else [t for t in triples if t[1] in allowed]

    own_g, own_p = [], []
    for name in sorted({s or "" for s, _, _ in rows}):
        chosen = [(g, p, annotated_by(s, sources)) for s, g, p in rows if (s or "") == name]
        g_list = [kept(g, a) for g, _, a in chosen]
        p_list = [kept(p, a) for _, p, a in chosen]
        own_g += g_list
        own_p += p_list
        if name:
            result[name] = score_triples(g_list, p_list)
    result["own"] = score_triples(own_g, own_p)
    return result
