"""Entity swapping: training sentences whose subjects and objects are replaced
by other names of the same type taken from the training data.

A small encoder trained on ten thousand sentences learns the names it has
seen rather than the contexts that make a string a subject or an object
("《…》是…执导的电影"): on held-out sentences most missed subjects get a
start probability near zero. Giving a share of the sentences other names of
the same type (a film for a film, a person for a person) each epoch makes the
contexts, not the names, carry the labels.

Only strings that occur in the text and overlap no other annotated string are
swapped, every occurrence with the same replacement, so the sentence stays
consistent; recorded spans are moved with the text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from core.formats.duie import Sentence, Span, Triple

# A type with fewer names than this is left alone: swapping among a handful of
# names teaches nothing about contexts.
MIN_POOL = 20
# Types that mix unlike values (a dynasty and a climate are both "Text"): their
# names are pooled by predicate instead.
MIXED_TYPES = frozenset({"Text", "Number"})


def _kind(kind: str, predicate: str) -> str:
    return f"{kind}:{predicate}" if kind in MIXED_TYPES else kind


def entity_pools(sentences: Sequence[Sentence]) -> dict[str, list[str]]:
    """Type -> the distinct annotated strings of that type, in a fixed order."""
    pools: dict[str, set[str]] = defaultdict(set)
    for s in sentences:
        for t in s.triples:
            if t.subject_type and t.subject:
                pools[_kind(t.subject_type, t.predicate)].add(t.subject)
            if t.object_type and t.object:
                pools[_kind(t.object_type, t.predicate)].add(t.object)
    return {k: sorted(v) for k, v in sorted(pools.items()) if len(v) >= MIN_POOL}


def _find_all(text: str, needle: str) -> list[tuple[int, int]]:
    found, start = [], text.find(needle)
    while start >= 0:
        found.append((start, start + len(needle)))
        start = text.find(needle, start + len(needle))
    return found


def swap_entities(
    sentence: Sentence, pools: dict[str, list[str]], rng: np.random.Generator
) -> Sentence:
    """``sentence`` with each swappable annotated string replaced by a random
    name of its type; the sentence itself when nothing can be swapped."""
    types: dict[str, str] = {}
    for t in sentence.triples:
        types.setdefault(t.subject, _kind(t.subject_type, t.predicate))
        types.setdefault(t.object, _kind(t.object_type, t.predicate))
    places = {name: _find_all(sentence.text, name) for name in types if name}
    taken = [(a, b, name) for name, spans in places.items() for a, b in spans]

    def alone(name: str) -> bool:
        return all(
            other == name or b <= a2 or b2 <= a for a, b in places[name] for a2, b2, other in taken
        )

    chosen: dict[str, str] = {}
    for name, kind in types.items():
        pool = pools.get(kind)
        if pool and places.get(name) and alone(name):
            new = pool[int(rng.integers(len(pool)))]
            if new != name:
                chosen[name] = new
    if not chosen:
        return sentence

    # Rebuild the text left to right, remembering where each old offset went.
    edits = sorted((a, b, chosen[name]) for name in chosen for a, b in places[name])
    pieces, moved, last, shift = [], {}, 0, 0
    shifts = []  # (old offset from which ``shift`` applies, shift)
    for a, b, new in edits:
        pieces += [sentence.text[last:a], new]
        moved[(a, b)] = (a + shift, a + shift + len(new))
        shift += len(new) - (b - a)
        shifts.append((b, shift))
        last = b
    pieces.append(sentence.text[last:])

    def shifted(i: int) -> int:
        delta = 0
        for start, value in shifts:
            if i >= start:
                delta = value
        return i + delta

    def move(span: Span | None) -> Span | None:
        if span is None:
            return None
        if (span.start, span.end) in moved:
            return Span(*moved[(span.start, span.end)])
        inside = any(a < span.end and span.start < b for a, b, _ in edits)
        return None if inside else Span(shifted(span.start), shifted(span.end))

    def swapped(t: Triple) -> Triple:
        return replace(
            t,
            subject=chosen.get(t.subject, t.subject),
            object=chosen.get(t.object, t.object),
            subject_span=move(t.subject_span),
            object_span=move(t.object_span),
            occurrences=[],
        )

    return replace(sentence, text="".join(pieces), triples=[swapped(t) for t in sentence.triples])


def with_swapped_entities(
    sentences: Sequence[Sentence],
    pools: dict[str, list[str]],
    rate: float,
    rng: np.random.Generator,
) -> list[Sentence]:
    """A share ``rate`` of ``sentences`` swapped (see :func:`swap_entities`)."""
    return [swap_entities(s, pools, rng) if rng.random() < rate else s for s in sentences]
