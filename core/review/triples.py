"""Reviewing the triples of a project: what accept, reject, edit, delete,
accept-rest, undo and adding a triple by selection do, and which document and
triple come next.

:class:`TripleReview` holds the document on screen. Each step changes the
project through :mod:`core.store` (one transaction, one undo step) and
returns a :class:`Step` saying what to select, what to tell the person and
which documents' lines in the list are out of date. A step that changes one
triple patches the document held here with what the store returned, so the
window redraws that triple instead of reading the document again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.formats.duie import Span, locate, types_for
from core.review.batches import storing_context
from core.runtime.jobs import JobContext
from core.store import Annotation, ConflictError, Document, Project

if TYPE_CHECKING:
    from core.triples.model_process import ModelProcess

REPLACED = "The model has just re-annotated this document; here it is again."
_VERBS = {"accepted": "accepted", "rejected": "rejected"}


@dataclass(frozen=True)
class Step:
    message: str = ""
    select: int | None = None  # the triple to select; None: the row selected before
    changed: tuple[int, ...] = ()  # documents whose line in the list is out of date
    reread: bool = False  # the document was read again: anything in it may differ


@dataclass(frozen=True)
class NewTriple:
    """A subject and an object chosen in a document, waiting for a predicate."""

    doc_id: int
    subject_span: Span
    object_span: Span
    subject: str
    object: str


def label(a: Annotation) -> str:
    return f"{a.subject} —{a.predicate}→ {a.object}"


def status_counts(annotations: Sequence[Annotation]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for a in annotations:
        counts[a.status] = counts.get(a.status, 0) + 1
    return counts


class TripleReview:
    """The review of one project's triples; ``doc`` is the document shown."""

    def __init__(self, project: Project, schema: Sequence[Mapping[str, str]] = ()) -> None:
        self.project = project
        self.schema: list[Mapping[str, str]] = list(schema)
        self.doc: Document | None = None
        self.pending_subject: Span | None = None

    # -- which document ------------------------------------------------------------

    def open(self, doc_id: int) -> Document:
        """Show ``doc_id`` (KeyError if it is gone); a pending subject is forgotten."""
        self.doc = self.project.document(doc_id)
        self.pending_subject = None
        return self.doc

    def reread(self) -> Document | None:
        """The shown document as the project holds it now (another connection,
        a pre-annotation, may have changed it)."""
        if self.doc is not None:
            try:
                self.doc = self.project.document(self.doc.id)
            except KeyError:
                self.doc = None
        return self.doc

    def first_document(self, last: int | None = None) -> int | None:
        """Where review starts: ``last`` (the document shown when the project
        was last open) if it still exists, else the first unreviewed one, else
        the first one."""
        if last is not None and self.project.texts([last]):
            return last
        found = self.project.next_unreviewed(-1)
        if found is not None:
            return found
        ids = self.project.all_document_ids()
        return ids[0] if ids else None

    def annotation(self, ann_id: int | None) -> Annotation | None:
        if self.doc is None or ann_id is None:
            return None
        return next((a for a in self.doc.annotations if a.id == ann_id), None)

    # -- decisions -----------------------------------------------------------------

    def accept(self, ann_id: int, order: Sequence[int] = ()) -> Step:
        """Accept the triple, then select the one after it in ``order`` (the
        ids as the table shows them: sorting by status may move this one)."""
        return self._decide(ann_id, "accepted", order)

    def reject(self, ann_id: int, order: Sequence[int] = ()) -> Step:
        return self._decide(ann_id, "rejected", order)

    def _decide(self, ann_id: int, status: str, order: Sequence[int]) -> Step:
        try:
            after = self.project.set_status(ann_id, status, self._version(ann_id))
        except KeyError:
            return self._replaced()
        except ConflictError as e:
            return self._conflict(e, ann_id)
        self._patch(after)
        ids = list(order)
        k = ids.index(ann_id) if ann_id in ids else -1
        following = ids[k + 1] if 0 <= k < len(ids) - 1 else ann_id
        return Step(f"{_VERBS[status]}: {label(after)}", following, (after.doc_id,))

    def delete(self, ann_id: int) -> Step:
        """Remove a triple a person added (a model's triple is rejected instead,
        which keeps the decision)."""
        a = self.annotation(ann_id)
        if a is None or a.status != "added":
            return Step("Only a triple you added can be deleted; reject the others (X).")
        try:
            self.project.delete_annotation(ann_id, a.version)
        except KeyError:
            return self._replaced()
        except ConflictError as e:
            return self._conflict(e, ann_id)
        self._patch(a, deleted=True)
        return Step(f"deleted: {label(a)}", None, (a.doc_id,))

    def edit(self, ann_id: int, subject: str, predicate: str, obj: str) -> Step | str:
        """Change the strings of a triple; its spans move to the occurrences
        nearest the old ones, its types to the schema's for the predicate.
        Returns what is wrong (for the edit dialog) when it cannot be done."""
        a = self.annotation(ann_id)
        if a is None or self.doc is None:
            return "Select a triple first."
        if not subject or not obj or not predicate:
            return "Subject, predicate and object must not be empty."
        s_span = locate(self.doc.text, subject, near=a.subject_span)
        o_span = locate(self.doc.text, obj, near=a.object_span, avoid=s_span)
        if s_span is None or o_span is None:
            return f"“{subject if s_span is None else obj}” does not occur in the text."
        s_type, o_type = types_for(self.schema, predicate)
        try:
            after = self.project.update_annotation(
                ann_id,
                a.version,
                subject=subject,
                predicate=predicate,
                object=obj,
                subject_span=s_span,
                object_span=o_span,
                subject_type=s_type or a.subject_type,
                object_type=o_type or a.object_type,
            )
        except KeyError:
            return self._replaced()
        except ConflictError as e:
            return self._conflict(e, ann_id)
        self._patch(after)
        return Step(f"edited: {label(after)}", ann_id, (after.doc_id,))

    def accept_rest(self) -> Step:
        """Accept the document's undecided triples, mark it reviewed and open
        the next document nobody reviewed."""
        if self.doc is None:
            return Step()
        done = self.doc
        self.project.accept_rest(done.id)
        following = self.project.next_unreviewed(done.position)
        if following is None:
            self.reread()
            return Step("Every document is reviewed.", None, (done.id,), reread=True)
        self.open(following)
        return Step("", None, (done.id,), reread=True)

    def undo(self) -> Step:
        try:
            return self._history(self.project.undo(), "Undone", "undo")
        except ConflictError as e:
            return self._conflict(e, None)

    def redo(self) -> Step:
        try:
            return self._history(self.project.redo(), "Redone", "redo")
        except ConflictError as e:
            return self._conflict(e, None)

    def _version(self, ann_id: int) -> int | None:
        """The version of the triple as shown: a decision is taken on it."""
        a = self.annotation(ann_id)
        return a.version if a is not None else None

    def _conflict(self, e: ConflictError, ann_id: int | None) -> Step:
        """Someone else changed the triple first: show the document as it is
        now, with what they did, and say so."""
        doc = self.reread()
        changed = (doc.id,) if doc is not None else ()
        return Step(str(e), ann_id, changed, reread=True)

    def _history(self, edit: Any, verb: str, what: str) -> Step:
        """Show the document the step changed, read again."""
        if edit is None:
            return Step(f"Nothing to {what}.")
        if self.doc is not None and edit.doc_id == self.doc.id:
            self.reread()
        else:
            self.open(edit.doc_id)
        return Step(f"{verb}: {edit.description}", None, (edit.doc_id,), reread=True)

    # -- adding a triple by selecting its subject, then its object -------------------

    def take_subject(self, span: tuple[int, int] | None) -> Step:
        if self.doc is None or span is None or span[1] <= span[0]:
            return Step("Select the subject in the text first, then press S.")
        self.pending_subject = Span(*span)
        return Step(
            f"Subject: “{self._text(self.pending_subject)}” — now select the object and"
            " press O (Esc cancels)."
        )

    def take_object(self, span: tuple[int, int] | None) -> NewTriple | Step:
        """The triple to choose a predicate for, or what to do first."""
        if self.doc is None or self.pending_subject is None or span is None or span[1] <= span[0]:
            return Step("Press S on a selected subject first, then select the object.")
        subject, obj = self.pending_subject, Span(*span)
        return NewTriple(self.doc.id, subject, obj, self._text(subject), self._text(obj))

    def add(self, new: NewTriple, entry: Mapping[str, str]) -> Step:
        """Add ``new`` with the schema ``entry`` chosen for it (predicate and types)."""
        added = self.project.add_annotation(
            new.doc_id,
            new.subject,
            entry["predicate"],
            new.object,
            new.subject_span,
            new.object_span,
            subject_type=entry.get("subject_type", ""),
            object_type=entry.get("object_type", ""),
        )
        self.pending_subject = None
        self._patch(added)
        return Step(f"added: {label(added)}", added.id, (added.doc_id,))

    def forget_pending(self) -> None:
        self.pending_subject = None

    # -- the document held here ----------------------------------------------------

    def _text(self, span: Span) -> str:
        return self.doc.text[span.start : span.end] if self.doc is not None else ""

    def _patch(self, annotation: Annotation, deleted: bool = False) -> None:
        """The document as the store holds it after one triple changed: in the
        store's order (by insertion), a new triple last."""
        if self.doc is None or annotation.doc_id != self.doc.id:
            return
        rows = [a for a in self.doc.annotations if a.id != annotation.id]
        if not deleted:
            at = next(
                (k for k, a in enumerate(self.doc.annotations) if a.id == annotation.id),
                len(rows),
            )
            rows.insert(at, annotation)
        self.doc = replace(self.doc, annotations=rows)

    def _replaced(self) -> Step:
        """The triple was a prediction a running pre-annotation has just
        replaced: show the document as it is now instead of failing."""
        self.reread()
        return Step(REPLACED, None, (), reread=True)


def pre_annotate(
    project: Project,
    models: ModelProcess,
    folder: str | Path,
    ctx: JobContext,
    only_unreviewed: bool = True,
    batch_size: int = 64,
    thresholds: dict[str, float] | None = None,
) -> int:
    """Store the triple model's triples for the project's documents (those
    nobody reviewed, or all), batch by batch as they come, on a connection
    of its own: this runs on a worker thread while the window reads. The
    model's new triples replace only its old ones; a person's decisions stay.
    ``ctx.partial`` receives the ids of each stored batch. Returns how many
    documents were done."""
    with project.second_connection() as writer:
        ids = writer.unreviewed_document_ids() if only_unreviewed else writer.all_document_ids()

        inner = storing_context(ctx, writer.replace_predictions_many)
        return models.predict_documents(folder, writer.texts(ids), inner, batch_size, thresholds)[1]
