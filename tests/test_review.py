"""What the review keys do, without a window: core.review drives the project
exactly as the Triples and Linking panels do, on a SQLite file and on a
PostgreSQL server."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core.formats.duie import Sentence, Span, Triple
from core.linking.kb import Entity, KnowledgeBase
from core.linking.queries import NIL, Mention
from core.review.links import LinkReview
from core.review.moves import step_document, step_row
from core.review.triples import REPLACED, NewTriple, TripleReview
from core.store import Project
from core.store.links import Links

SCHEMA = [
    {"subject_type": "歌曲", "predicate": "歌手", "object_type": "人物"},
    {"subject_type": "歌曲", "predicate": "所属专辑", "object_type": "音乐专辑"},
    {"subject_type": "人物", "predicate": "出生地", "object_type": "地点"},
]


# -- moving through rows and documents ---------------------------------------------------


def test_rows_and_documents_step_within_bounds() -> None:
    assert [step_row(r, 1, 3) for r in (-1, 0, 2)] == [0, 1, 2]
    assert [step_row(r, -1, 3) for r in (-1, 0, 2)] == [0, 0, 1]
    assert step_row(0, 1, 0) is None
    rows = [SimpleNamespace(id=10 + p, position=p) for p in (0, 2, 4, 6)]
    assert step_document(rows, 1, 2, 1) == 14
    assert step_document(rows, 3, 6, 1) == 16  # the last stays the last
    # The shown document (position 3) is filtered out: its neighbours in reading order.
    assert step_document(rows, None, 3, 1) == 14
    assert step_document(rows, None, 3, -1) == 12
    assert step_document([], None, 3, 1) is None


# -- triples ------------------------------------------------------------------------------

SONG = "《红豆》是王菲演唱的歌曲，收录在专辑《唱游》中"


def _triple(s: str, p: str, o: str, score: float) -> Triple:
    return Triple(s, p, o, score=score)


@pytest.fixture
def project(where):
    with Project.open(where()) as p:
        p.import_sentences(
            [
                Sentence(
                    SONG,
                    [
                        _triple("红豆", "歌手", "王菲", 0.9),
                        _triple("红豆", "所属专辑", "唱游", 0.5),
                    ],
                ),
                Sentence("《围城》的作者是钱钟书", [_triple("围城", "作者", "钱钟书", 0.8)]),
                Sentence("周杰伦出生于台湾", []),
            ]
        )
        yield p


def _statuses(project: Project, doc_id: int) -> list[str]:
    return [a.status for a in project.document(doc_id).annotations]


def test_accept_and_reject_move_on_in_the_order_shown(project) -> None:
    review = TripleReview(project, SCHEMA)
    first = review.first_document()
    doc = review.open(first)
    singer, album = doc.annotations
    step = review.accept(singer.id, [album.id, singer.id])  # sorted so the album comes first
    assert _statuses(project, first) == ["accepted", "predicted"]
    assert step.select == singer.id and step.changed == (first,)  # the last row stays
    assert step.message == "accepted: 红豆 —歌手→ 王菲"
    # The document held is patched with what the store returned: no reading again.
    assert [a.status for a in review.doc.annotations] == ["accepted", "predicted"]
    step = review.reject(album.id, [singer.id, album.id])
    assert review.doc == project.document(first)
    assert step.select == album.id


def test_a_triple_replaced_meanwhile_shows_the_document_again(project) -> None:
    review = TripleReview(project)
    doc = review.open(review.first_document())
    project.replace_predictions(doc.id, [Triple("红豆", "歌手", "王菲")], "model@2")
    step = review.accept(doc.annotations[1].id)
    assert step.message == REPLACED and step.reread
    assert [a.origin for a in review.doc.annotations] == ["model@2"]


def test_edit_moves_spans_to_the_nearest_occurrence_and_types_to_the_schema(project) -> None:
    review = TripleReview(project, SCHEMA)
    doc = review.open(review.first_document())
    album = doc.annotations[1]
    assert (
        review.edit(album.id, "红豆", "所属专辑", "周杰伦")
        == "“周杰伦” does not occur in the text."
    )
    assert review.edit(album.id, "红豆", "", "唱游").startswith("Subject, predicate and object")
    step = review.edit(album.id, "王菲", "出生地", "唱游")
    edited = project.annotation(album.id)
    assert (edited.subject, edited.predicate, edited.status) == ("王菲", "出生地", "edited")
    assert (edited.subject_type, edited.object_type) == ("人物", "地点")
    assert edited.subject_span == Span(5, 7) and edited.object_span == album.object_span
    assert step.select == album.id and review.doc == project.document(doc.id)


def test_only_added_triples_are_deleted(project) -> None:
    review = TripleReview(project, SCHEMA)
    doc = review.open(project.all_document_ids()[2])
    assert review.take_subject(None).message.startswith("Select the subject")
    assert review.take_subject((0, 3)).message.startswith("Subject: “周杰伦”")
    new = review.take_object((6, 8))
    assert new == NewTriple(doc.id, Span(0, 3), Span(6, 8), "周杰伦", "台湾")
    step = review.add(new, SCHEMA[2])
    (added,) = project.document(doc.id).annotations
    assert (added.predicate, added.object_type, added.status) == ("出生地", "地点", "added")
    assert step.select == added.id and review.pending_subject is None
    assert review.doc == project.document(doc.id)
    step = review.delete(added.id)
    assert project.document(doc.id).annotations == [] == review.doc.annotations
    first = review.open(project.all_document_ids()[0])
    review.delete(first.annotations[0].id)
    assert len(project.document(first.id).annotations) == 2


def test_accept_rest_goes_to_the_next_unreviewed_document_then_says_all_are(project) -> None:
    ids = project.all_document_ids()
    review = TripleReview(project)
    review.open(ids[0])
    step = review.accept_rest()
    assert review.doc.id == ids[1] and step.changed == (ids[0],)
    assert _statuses(project, ids[0]) == ["accepted", "accepted"]
    review.accept_rest()
    assert review.doc.id == ids[2]
    step = review.accept_rest()
    assert step.message == "Every document is reviewed." and review.doc.id == ids[2]
    assert review.first_document() == ids[0]  # none unreviewed: the first one
    assert review.first_document(last=ids[1]) == ids[1]
    assert review.first_document(last=999) == ids[0]


def test_undo_and_redo_show_the_document_they_changed(project) -> None:
    ids = project.all_document_ids()
    review = TripleReview(project)
    review.open(ids[0])
    review.accept_rest()
    assert review.doc.id == ids[1]
    step = review.undo()
    assert review.doc.id == ids[0] and step.message.startswith("Undone: accept 2 triples")
    assert _statuses(project, ids[0]) == ["predicted", "predicted"]
    assert review.redo().changed == (ids[0],)
    assert review.doc.reviewed
    review.undo()
    review.undo()
    assert review.undo().message == "Nothing to undo."


# -- links --------------------------------------------------------------------------------

ENTITIES = [
    Entity("1", "李白", ("青莲居士",), ("Human",), (("摘要", "唐代诗人。"), ("字", "太白"))),
    Entity("2", "李白", (), ("Song",), (("义项描述", "歌曲"), ("摘要", "李荣浩演唱的歌曲。"))),
    Entity("3", "杜甫", (), ("Human",), (("摘要", "唐代诗人。"),)),
    Entity("4", "长安", ("西安",), ("Place",), (("摘要", "唐代都城。"), ("人口", ""))),
]
POEM = "李白与杜甫在长安相遇"


@pytest.fixture
def linked(project):
    """The project with a document about poets, its two mentions proposed."""
    project.import_sentences([Sentence(POEM, [])])
    doc = project.all_document_ids()[-1]
    Links(project).replace_link_predictions(
        doc,
        [
            Mention(0, 2, "李白", "1", 0.8, (("1", 0.8), ("2", 0.3))),
            Mention(3, 5, "杜甫", "3", 0.9, (("3", 0.9),)),
        ],
        "tiny@1",
    )
    review = LinkReview(project, KnowledgeBase(ENTITIES))
    assert review.open(doc)
    return review


def _links(review: LinkReview) -> list[tuple[str, str, str]]:
    return [(x.mention, x.kb_id, x.status) for x in review.store.links(review.doc_id)]


def test_a_key_chooses_a_candidate_and_the_next_mention_is_selected(linked) -> None:
    rows = linked.candidates(linked.link_at(0))
    assert [(r.key, r.entity_id, r.entity.types) for r in rows] == [
        (1, "1", ("Human",)),
        (2, "2", ("Song",)),
    ]
    step = linked.choose(0, 2)
    assert _links(linked) == [("李白", "2", "edited"), ("杜甫", "3", "predicted")]
    assert step.select == 1 and step.message == "Linked “李白” to 李白 (2)"
    assert linked.choose(1, 3).message == "“杜甫” has 1 candidates; no 3."
    assert linked.choose(5, 1).message.startswith("Select a mention first")
    linked.mark_nil(1)
    assert _links(linked)[1] == ("杜甫", NIL, "edited")
    assert linked.links == linked.store.links(linked.doc_id)
    step = linked.undo(row=1)
    assert step.select == 1 and _links(linked)[1] == ("杜甫", "3", "predicted")


def test_an_added_mention_is_offered_the_entities_of_its_name(linked) -> None:
    step = linked.add_mention((6, 8))
    assert _links(linked)[2] == ("长安", NIL, "added")
    assert step.select == 2 and step.search == "长安"
    assert step.message.startswith("Added “长安”: press 1–1 to link it")
    assert [(r.entity_id, r.score) for r in linked.candidates(linked.link_at(2))] == [("4", 1.0)]
    assert linked.add_mention((6, 8)).message == "“长安” at 6 is already a mention"
    linked.reject(2)  # an added mention is removed
    assert len(_links(linked)) == 2
    assert linked.name_candidates("李白") == [("1", 0.5), ("2", 0.5)]


def test_accept_rest_opens_the_next_document_nobody_reviewed(linked) -> None:
    doc = linked.doc_id
    linked.reject(0)
    step = linked.accept_rest()
    assert step.changed == (doc,) and linked.doc_id != doc
    assert [x.status for x in linked.store.links(doc)] == ["rejected", "accepted"]
    assert linked.store.is_reviewed(doc)


def test_entity_labels_come_from_the_kb(linked) -> None:
    assert linked.entity_label("1") == "李白 (1)" and linked.entity_label("E404") == "E404"
