"""Reviewing the entity links of a project: what choosing a candidate, NIL,
accept, reject, adding a mention, accept-rest and undo do, and which mention
and document come next.

:class:`LinkReview` holds the document on screen with its mentions in
reading order; a step changes the project through :mod:`core.store.links`
(one transaction, one undo step) and reads the document's links again.
A mention's candidates are the linker's scored ones; a mention without any
(one a person added) gets the knowledge base's entities of that exact name,
by alias prior, through the same :class:`CandidateGenerator` question the
linker asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import BadInput
from core.linking.candidates import CandidateGenerator, ExactNames, by_prior
from core.linking.kb import Entity, KnowledgeBase
from core.linking.queries import NIL
from core.review.batches import storing_context
from core.runtime.jobs import JobContext
from core.store import ConflictError, Edit, Project
from core.store.links import Link, Links, LinkSummary

if TYPE_CHECKING:
    from core.linking.link_process import LinkProcess

RELINKED = "That mention was just re-linked; showing the document as it is now."


@dataclass(frozen=True)
class Step:
    message: str = ""
    select: int | None = None  # the mention (row in reading order) to select; None: the same
    changed: tuple[int, ...] = ()  # documents whose line in the list is out of date
    search: str | None = None  # what to look for in the knowledge base next


@dataclass(frozen=True)
class CandidateRow:
    key: int  # the digit that chooses it (from 1)
    entity_id: str
    score: float | None
    entity: Entity | None  # None: not in the loaded knowledge base


class LinkReview:
    """The review of one project's links; ``doc_id``, ``text`` and ``links``
    are the document shown."""

    def __init__(self, project: Project, kb: KnowledgeBase | None = None) -> None:
        self.project = project
        self.store = Links(project)
        self.kb: KnowledgeBase | None = None
        self.names: CandidateGenerator | None = None
        self.set_kb(kb)
        self.doc_id: int | None = None
        self.text = ""
        self.links: list[Link] = []

    def set_kb(self, kb: KnowledgeBase | None) -> None:
        self.kb = kb
        self.names = ExactNames(kb) if kb is not None else None

    # -- which document ------------------------------------------------------------

    def open(self, doc_id: int) -> bool:
        """Show ``doc_id``; False (nothing shown) when it is gone."""
        found = self.project.texts([doc_id])
        if not found:
            self.doc_id, self.text, self.links = None, "", []
            return False
        self.doc_id, self.text = found[0]
        self.links = self.store.links(doc_id)
        return True

    def summary(self) -> LinkSummary | None:
        if self.doc_id is None:
            return None
        found = self.store.summaries(doc_ids=[self.doc_id])
        return found[0] if found else None

    def first_document(self) -> int | None:
        """Where review starts: the first document whose links nobody reviewed."""
        found = self.store.next_unreviewed(-1)
        if found is not None:
            return found
        ids = self.project.all_document_ids()
        return ids[0] if ids else None

    def link_at(self, row: int) -> Link | None:
        return self.links[row] if 0 <= row < len(self.links) else None

    # -- what the knowledge base says ------------------------------------------------

    def entity_label(self, entity_id: str) -> str:
        """``name (id)``, or the bare id of an entity the loaded KB lacks."""
        entity = self.kb.get(entity_id) if self.kb is not None else None
        return f"{entity.name} ({entity_id})" if entity else entity_id

    def name_candidates(self, mention: str) -> list[tuple[str, float]]:
        """The entities named exactly ``mention``, with their alias prior."""
        if self.names is None:
            return []
        return [(c.entity_id, c.prior) for c in by_prior(self.names.get_candidates(mention))]

    def candidates(self, link: Link | None) -> list[CandidateRow]:
        """What the digits choose from: the linker's scored candidates; for a
        mention without any, the entities of its exact name."""
        if link is None:
            return []
        offered = list(link.candidates) or self.name_candidates(link.mention)
        get = self.kb.get if self.kb is not None else (lambda _: None)
        return [CandidateRow(k, i, s, get(i)) for k, (i, s) in enumerate(offered, 1)]

    # -- decisions on the mention at ``row`` ---------------------------------------

    def choose(self, row: int, key: int) -> Step:
        """Link the mention to its ``key``-th candidate (from 1)."""
        link = self.link_at(row)
        if link is None:
            return Step("Select a mention first (J / K).")
        offered = self.candidates(link)
        if not 1 <= key <= len(offered):
            return Step(f"“{link.mention}” has {len(offered)} candidates; no {key}.")
        return self.link_to(row, offered[key - 1].entity_id)

    def link_to(self, row: int, entity_id: str) -> Step:
        """Link the mention to ``entity_id`` (from the candidates or a search)."""
        return self._decide(
            row,
            "Linked",
            lambda x: self.store.choose_candidate(x.id, entity_id, x.version),
            self.entity_label(entity_id),
        )

    def mark_nil(self, row: int) -> Step:
        return self._decide(row, "Marked NIL:", lambda x: self.store.mark_nil(x.id, x.version))

    def accept(self, row: int) -> Step:
        return self._decide(row, "Accepted", lambda x: self.store.accept(x.id, x.version))

    def reject(self, row: int) -> Step:
        """Not a mention (one a person added is removed)."""
        return self._decide(row, "Rejected", lambda x: self.store.reject(x.id, x.version))

    def _decide(self, row: int, verb: str, action: Callable[[Link], Any], target: str = "") -> Step:
        """``action`` on the mention at ``row``, then on to the next mention."""
        link = self.link_at(row)
        if link is None or self.doc_id is None:
            return Step("Select a mention first (J / K).")
        try:
            action(link)
        except KeyError:  # a running link job replaced this proposal meanwhile
            self.open(self.doc_id)
            return Step(RELINKED, row)
        except ConflictError as e:  # someone else decided first: show what they did
            self.open(self.doc_id)
            return Step(str(e), row, (self.doc_id,))
        except BadInput as e:
            return Step(str(e))
        following = row + 1 if row + 1 < len(self.links) else row
        self.links = self.store.links(self.doc_id)
        to = f" to {target}" if target else ""
        return Step(f"{verb} “{link.mention}”{to}", following, (self.doc_id,))

    def add_mention(self, span: tuple[int, int] | None) -> Step:
        """The selected text becomes a mention, NIL until its entity is chosen
        from the candidates (its exact name's entities) or from the search,
        which is to look for the mention."""
        if self.doc_id is None or span is None:
            return Step("Select the mention's text first, then press M.")
        start, end = span
        mention = self.text[start:end]
        try:
            link = self.store.add_link(self.doc_id, start, end, NIL, self.name_candidates(mention))
        except BadInput as e:
            return Step(str(e))
        self.links = self.store.links(self.doc_id)
        row = next((k for k, x in enumerate(self.links) if x.id == link.id), 0)
        n = len(self.candidates(self.links[row]))
        choose = f"press 1–{min(n, 9)} to link it, or " if n else ""
        return Step(
            f"Added “{mention}”: {choose}pick an entity in the search and press L.",
            row,
            (self.doc_id,),
            search=mention,
        )

    def accept_rest(self) -> Step:
        """Accept the document's remaining proposals, mark its links reviewed
        and open the next document whose links nobody reviewed."""
        summary = self.summary()
        if summary is None:
            return Step()
        done = summary.id
        self.store.accept_rest(done)
        following = self.store.next_unreviewed(summary.position)
        if following is None:
            self.open(done)
            return Step("Every document's links are reviewed.", 0, (done,))
        self.open(following)
        return Step("", 0, (done,))

    def undo(self, row: int = 0) -> Step:
        return self._step_history(self.project.undo, "Undone", "undo", row)

    def redo(self, row: int = 0) -> Step:
        return self._step_history(self.project.redo, "Redone", "redo", row)

    def _step_history(
        self, step: Callable[[], Edit | None], verb: str, what: str, row: int
    ) -> Step:
        try:
            edit = step()
        except ConflictError as e:  # someone else changed it since: theirs stays
            if self.doc_id is not None:
                self.open(self.doc_id)
            return Step(str(e), row, (self.doc_id,) if self.doc_id is not None else ())
        return self._history(edit, verb, what, row)

    def _history(self, edit: Edit | None, verb: str, what: str, row: int) -> Step:
        """Show the document the step changed; the same mention row if it is
        the one shown."""
        if edit is None:
            return Step(f"Nothing to {what}.")
        same = edit.doc_id == self.doc_id
        self.open(edit.doc_id)
        return Step(f"{verb}: {edit.description}", max(row, 0) if same else 0, (edit.doc_id,))


def link_documents(
    project: Project,
    linker: LinkProcess,
    kb_path: str | Path,
    folder: str | Path | None,
    ctx: JobContext,
    only_unlinked: bool = True,
    batch_size: int = 32,
) -> tuple[str, int]:
    """Link the project's documents (those no linker ran over, or all) with
    the linker in ``folder`` (None: the dictionary baseline), storing each
    batch as it comes on a connection of its own (this runs on a worker
    thread). Links a person decided on stay. ``ctx.partial`` receives the
    ids of each stored batch. Returns (the linker's name, documents done)."""
    with project.second_connection() as writer:
        links = Links(writer)
        documents = writer.texts(links.document_ids(only_unlinked))
        if not documents:
            return "", 0

        inner = storing_context(ctx, links.replace_predictions_many)
        return linker.link_documents(kb_path, folder, documents, inner, batch_size)
