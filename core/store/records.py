"""What the project store hands out: plain dataclasses, no database handles."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from core.formats.duie import Occurrence, Span

STATUSES = ("predicted", "accepted", "edited", "rejected", "added")
# Key of an annotation's other occurrences in its ``extra`` column.
OCCURRENCES = "occurrences"


@dataclass(frozen=True)
class Annotation:
    id: int
    doc_id: int
    subject: str
    subject_type: str
    predicate: str
    object: str
    object_type: str
    subject_span: Span | None
    object_span: Span | None
    score: float | None
    origin: str  # "person", "import", or a model as "name@version"
    status: str
    extra: dict[str, Any] = field(default_factory=dict)
    key_order: tuple[str, ...] = ()
    # What a model had proposed before a person first edited it:
    # (subject, predicate, object, s_start, s_end, o_start, o_end).
    edited_from: tuple | None = None
    # Raised by every change: a decision is written only onto the version it was taken on.
    version: int = field(default=0, compare=False)
    decided_by: str | None = None  # who last changed it

    @property
    def occurrences(self) -> list[Occurrence]:
        """The other places of the text where the model found the same triple
        (kept in ``extra``, so older projects need no migration)."""
        found = []
        for o in self.extra.get(OCCURRENCES) or []:
            try:
                s, e = o["subject_span"], o["object_span"]
                found.append(Occurrence(Span(*s), Span(*e), o.get("score")))
            except (KeyError, TypeError, ValueError):
                continue
        return found

    @classmethod
    def from_row(cls, r: Any) -> Annotation:
        return cls(
            id=r["id"],
            doc_id=r["doc_id"],
            subject=r["subject"],
            subject_type=r["subject_type"],
            predicate=r["predicate"],
            object=r["object"],
            object_type=r["object_type"],
            subject_span=Span(r["s_start"], r["s_end"]) if r["s_start"] is not None else None,
            object_span=Span(r["o_start"], r["o_end"]) if r["o_start"] is not None else None,
            score=r["score"],
            origin=r["origin"],
            status=r["status"],
            extra=json.loads(r["extra"]),
            key_order=tuple(json.loads(r["key_order"])),
            edited_from=tuple(json.loads(r["edited_from"])) if r["edited_from"] else None,
            version=r["version"],
            decided_by=r["decided_by"],
        )


@dataclass(frozen=True)
class Document:
    id: int
    position: int
    text: str
    extra: dict[str, Any]
    reviewed: bool
    annotations: list[Annotation]


@dataclass(frozen=True)
class DocumentSummary:
    id: int
    position: int
    preview: str
    n_annotations: int
    n_predicted: int
    n_rejected: int
    min_score: float | None
    reviewed: bool


@dataclass(frozen=True)
class Edit:
    id: int
    doc_id: int
    description: str
    tables: tuple[str, ...] = ()  # what it changed: "annotations", "entity_links", ...
