"""Asking every document a templated question about the entities it
mentions, the answers stored as predicted triples for review.

``{subject}的出生日期是？`` with the type 人物 and the predicate 出生日期: every
name of that type the project knows (a subject or object of a triple nobody
rejected) is looked for in every document; each document mentioning one is
asked the question about it; an answer becomes (name, predicate, answer)
with both spans in the document, scored by the answerer, stored as a
prediction of the answerer (origin ``name@version``). A new run replaces
only that answerer's undecided triples of that predicate; a person's
decisions and every other prediction stay.

Three steps, so that the model can run in a child process while the
project stays in the caller's: :func:`plan_questions` (reads the project),
:func:`answer_planned` (runs the model, hands batches of triples to
``ctx.partial``), and storing (:func:`ask_every_document` wires them up).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.errors import BadInput
from core.formats.duie import Span, Triple
from core.review.batches import storing_context
from core.runtime.jobs import JobContext

if TYPE_CHECKING:
    from core.mrc.model import Answer, MrcModel
    from core.store.project import Project

SLOT = "{subject}"


@dataclass(frozen=True)
class Slot:
    """What to ask and how to store the answers."""

    template: str  # with {subject}
    subject_type: str
    predicate: str
    object_type: str = ""
    min_score: float = 0.0  # answers scored lower are dropped

    def question(self, subject: str) -> str:
        return self.template.replace(SLOT, subject)


def check_template(template: str) -> None:
    if SLOT not in template:
        raise BadInput(f"the question {template!r} has no {SLOT} to put the name in")


@dataclass(frozen=True)
class PlannedQuestion:
    doc_id: int
    subject: str
    subject_start: int  # the name's first place in the document
    question: str


def plan_questions(
    documents: Sequence[tuple[int, str]], names: Sequence[str], slot: Slot
) -> list[PlannedQuestion]:
    """One question per (document, name it mentions), in document order.
    A name inside a longer name found at the same place is not asked about
    (王安 inside 王安石)."""
    check_template(slot.template)
    longest_first = sorted(set(names), key=len, reverse=True)
    out = []
    for doc_id, text in documents:
        taken: list[tuple[int, int]] = []
        found = []
        for name in longest_first:
            at = text.find(name)
            while at >= 0 and any(a <= at and at + len(name) <= b for a, b in taken):
                at = text.find(name, at + 1)
            if at < 0:
                continue
            taken.append((at, at + len(name)))
            found.append(PlannedQuestion(doc_id, name, at, slot.question(name)))
        out.extend(sorted(found, key=lambda q: q.subject_start))
    return out


def answer_triple(q: PlannedQuestion, answer: Answer, slot: Slot) -> Triple | None:
    """The triple an answer stands for, or None (no answer, a low score, or
    the name itself given back)."""
    if answer.start is None or answer.end is None or not answer.text.strip():
        return None
    if answer.score < slot.min_score:
        return None
    subject = Span(q.subject_start, q.subject_start + len(q.subject))
    if answer.start < subject.end and subject.start < answer.end:
        return None
    return Triple(
        subject=q.subject,
        predicate=slot.predicate,
        object=answer.text,
        subject_type=slot.subject_type,
        object_type=slot.object_type,
        subject_span=subject,
        object_span=Span(answer.start, answer.end),
        score=answer.score,
    )


Batch = list[tuple[int, list[Triple]]]


def answer_planned(
    model: MrcModel,
    planned: Sequence[PlannedQuestion],
    texts: dict[int, str],
    slot: Slot,
    ctx: JobContext | None = None,
    batch_size: int = 32,
) -> tuple[str, int]:
    """Answer the planned questions, a few documents at a time; each
    document's triples go to ``ctx.partial`` as ``(origin, [(doc_id,
    triples)])`` batches as soon as its questions are answered (a document
    whose answers are all dropped gets an empty list, which clears its old
    answers). Returns the origin and the number of documents done."""
    ctx = ctx or JobContext.null()
    by_doc: dict[int, list[PlannedQuestion]] = {}
    for q in planned:
        by_doc.setdefault(q.doc_id, []).append(q)
    doc_ids = list(by_doc)
    origin = model.identity
    done = 0
    while done < len(doc_ids):
        ctx.report(done, len(doc_ids), f"asking {done}/{len(doc_ids)} documents")
        chunk, n = [], 0
        while done + len(chunk) < len(doc_ids) and (not chunk or n < batch_size):
            doc_id = doc_ids[done + len(chunk)]
            chunk.append(doc_id)
            n += len(by_doc[doc_id])
        questions = [q for d in chunk for q in by_doc[d]]
        answers = model.answer_many(
            [(q.question, texts[q.doc_id]) for q in questions], batch_size, ctx.silent()
        )
        found: dict[int, list[Triple]] = {d: [] for d in chunk}
        for q, a in zip(questions, answers, strict=True):
            triple = answer_triple(q, a, slot)
            if triple is not None:
                found[q.doc_id].append(triple)
        ctx.partial((origin, list(found.items())))
        done += len(chunk)
    ctx.report(done, len(doc_ids), "done")
    return origin, done


# (planned, texts, slot, ctx) -> (origin, documents done): the model in this
# process (answer_planned with a loaded model) or in a child (MrcProcess).
Runner = Callable[[list[PlannedQuestion], dict[int, str], Slot, JobContext], tuple[str, int]]


def ask_every_document(
    project: Project, run: Runner, slot: Slot, ctx: JobContext | None = None
) -> dict[str, Any]:
    """Plan the questions from the project, run them, store each batch of
    triples as it comes on a connection of its own (this may run on a worker
    thread while the window reads). ``ctx.partial`` receives the ids of each
    stored batch. Returns counts: documents asked, questions, triples stored."""
    ctx = ctx or JobContext.null()
    check_template(slot.template)
    stored = 0
    with project.second_connection() as writer:
        names = writer.names_of_type(slot.subject_type)
        documents = writer.texts(writer.all_document_ids())
        planned = plan_questions(documents, names, slot)

        def store(batch: Batch, origin: str) -> int:
            nonlocal stored
            n = writer.replace_predictions_many(batch, origin, predicate=slot.predicate)
            stored += n
            return n

        inner = storing_context(ctx, store)
        asked = {q.doc_id for q in planned}
        texts = {d: t for d, t in documents if d in asked}
        origin, done = run(planned, texts, slot, inner) if planned else ("", 0)
    return {
        "names": len(names),
        "documents": done,
        "questions": len(planned),
        "triples": stored,
        "origin": origin,
    }
