"""How the triples of a document are drawn: the look of every subject and
object span, the arcs of the selected triple, and where a triple sits in the
text.

No Qt here: the decisions are plain data, so they can be tested without
pixels; the text view only turns each one into a character format or a pen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# A person's decision is confirmed; a model's proposal is tentative until
# someone looks at it; a rejected triple is drawn so it never reads as live.
LOOKS = {
    "accepted": "confirmed",
    "edited": "confirmed",
    "added": "confirmed",
    "predicted": "tentative",
    "rejected": "rejected",
}
# Spans are drawn in this order, so where they overlap the live look wins.
_LAYER = {"rejected": 0, "tentative": 1, "confirmed": 2}


@dataclass(frozen=True)
class SpanStyle:
    start: int  # Python character offsets into the text
    end: int
    role: str  # "subject" or "object"
    look: str  # "confirmed", "tentative" or "rejected"
    # "" for any triple's span; for the selected triple "primary" (its
    # best-scoring place) or "other" (the other places it was found).
    mark: str = ""


@dataclass(frozen=True)
class ArcSpec:
    subject: tuple[int, int]
    object: tuple[int, int]
    label: str  # the predicate; empty on the arcs of the other places
    look: str
    primary: bool


def look_of(status: str) -> str:
    return LOOKS.get(status, "tentative")


def places(annotation: Any) -> list[tuple[Any, Any]]:
    """(subject span, object span) of every place of the triple, the
    best-scoring one first."""
    found = []
    if annotation.subject_span is not None and annotation.object_span is not None:
        found.append((annotation.subject_span, annotation.object_span))
    for o in getattr(annotation, "occurrences", None) or []:
        found.append((o.subject_span, o.object_span))
    return found


def _spans(annotation: Any) -> Iterable[tuple[int, int, str]]:
    """Every subject and object span of the triple, a half-annotated one too."""
    seen = places(annotation)
    if not seen:
        seen = [(annotation.subject_span, annotation.object_span)]
    for s, o in seen:
        if s is not None:
            yield s.start, s.end, "subject"
        if o is not None:
            yield o.start, o.end, "object"


def _subtract(start: int, end: int, covered: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The pieces of [start, end) outside the sorted intervals ``covered``."""
    pieces, at = [], start
    for a, b in covered:
        if b <= at or a >= end:
            continue
        if a > at:
            pieces.append((at, a))
        at = max(at, b)
        if at >= end:
            break
    if at < end:
        pieces.append((at, end))
    return pieces


def span_styles(annotations: Sequence[Any], selected_id: int | None = None) -> list[SpanStyle]:
    """The look of every span of ``annotations``, in drawing order: rejected
    ones first and only where no live triple covers the same characters,
    then tentative, then confirmed, then the selected triple's other places
    and last its primary place, so that each is drawn over what it overlaps."""
    live: set[tuple[int, int, str, str]] = set()
    rejected: set[tuple[int, int, str]] = set()
    for a in annotations:
        look = look_of(a.status)
        for start, end, role in _spans(a):
            if look == "rejected":
                rejected.add((start, end, role))
            else:
                live.add((start, end, role, look))
    covered = sorted((s, e) for s, e, _, _ in live)
    styles = [
        SpanStyle(s, e, role, "rejected")
        for start, end, role in sorted(rejected)
        for s, e in _subtract(start, end, covered)
    ]
    styles += [SpanStyle(s, e, role, look) for s, e, role, look in live]
    styles.sort(key=lambda x: (_LAYER[x.look], x.start, x.end, x.role))
    selected = next((a for a in annotations if a.id == selected_id), None)
    if selected is not None:
        look = look_of(selected.status)
        found = places(selected)
        for s, o in found[1:]:
            styles.append(SpanStyle(s.start, s.end, "subject", look, "other"))
            styles.append(SpanStyle(o.start, o.end, "object", look, "other"))
        if found:
            s, o = found[0]
            styles.append(SpanStyle(s.start, s.end, "subject", look, "primary"))
            styles.append(SpanStyle(o.start, o.end, "object", look, "primary"))
    return styles


def arcs_for(annotation: Any) -> list[ArcSpec]:
    """One arc per place of the triple; only the primary one is labelled."""
    look = look_of(annotation.status)
    return [
        ArcSpec(
            (s.start, s.end),
            (o.start, o.end),
            annotation.predicate if k == 0 else "",
            look,
            k == 0,
        )
        for k, (s, o) in enumerate(places(annotation))
    ]


def position_key(annotation: Any) -> tuple:
    """Reading order: where the triple's primary place starts, then ends
    (a triple without spans goes last)."""
    spans = [x for x in (annotation.subject_span, annotation.object_span) if x is not None]
    if not spans:
        return (float("inf"), float("inf"))
    return (min(x.start for x in spans), max(x.end for x in spans))


def position_label(annotation: Any) -> str:
    """Characters ``first–last`` (counted from 1) that the primary place
    covers, subject and object together, with ``×n`` when the triple was
    found at n places."""
    start, end = position_key(annotation)
    if start == float("inf"):
        return "—"
    label = f"{start + 1}–{end}"
    n = len(places(annotation))
    return f"{label} ×{n}" if n > 1 else label
