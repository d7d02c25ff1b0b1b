"""Entity links in the project store: a linker's proposals never overwrite a
person's decisions, decisions undo and redo across restarts, CCKS files
round-trip, bad files change nothing, older projects migrate. Tests taking
``where`` or ``project`` run on a SQLite file and on a PostgreSQL server."""

from __future__ import annotations

import json
import sqlite3

import pytest

from core.errors import BadInput
from core.formats.errors import FormatError
from core.linking.queries import NIL, Mention
from core.store import Project, schema
from core.store.links import Links
from tests.conftest import write_jsonl

QUERIES = [
    {
        "text_id": "q1",
        "text": "李白是唐代诗人，李白字太白",
        "mention_data": [
            {"kb_id": "E1", "mention": "李白", "offset": "0"},
            {"kb_id": "NIL", "mention": "太白", "offset": "11"},
        ],
    },
    {"text_id": "q2", "text": "杜甫与李白齐名"},
]
TEXT = "南京市长江大桥建成于1968年"


def mentions() -> list[Mention]:
    return [
        Mention(0, 3, "南京市", "E9", 0.9, (("E9", 0.9), ("E8", 0.2))),
        Mention(3, 7, "长江大桥", "E7", 0.6, (("E7", 0.6),)),
        Mention(10, 15, "1968年", NIL, 0.1, ()),
    ]


@pytest.fixture
def project(where):
    with Project.open(where()) as p:
        p.import_sentences([])
        yield p


@pytest.fixture
def doc(project) -> int:
    from core.formats.duie import Sentence

    project.import_sentences([Sentence(TEXT, [])])
    return project.all_document_ids()[-1]


def test_predictions_are_stored_and_decisions_are_kept(project, doc) -> None:
    links = Links(project)
    assert links.replace_link_predictions(doc, mentions(), "linker@1") == 3
    stored = links.links(doc)
    assert [(x.start, x.end, x.kb_id, x.status, x.origin) for x in stored] == [
        (0, 3, "E9", "predicted", "linker@1"),
        (3, 7, "E7", "predicted", "linker@1"),
        (10, 15, NIL, "predicted", "linker@1"),
    ]
    assert stored[0].candidates == (("E9", 0.9), ("E8", 0.2))
    a, b, c = stored
    assert links.choose_candidate(a.id, "E8").status == "edited"
    assert links.choose_candidate(a.id, "E9").status == "accepted"  # the linker's own choice
    assert links.reject(b.id).status == "rejected"
    assert links.mark_nil(c.id).status == "accepted"  # the linker had said NIL too
    added = links.add_link(doc, 7, 9, "E5")
    assert (added.mention, added.status, added.origin) == ("建成", "added", "person")
    # A new run proposes other entities at the same spans: every decision stays.
    again = [Mention(m.start, m.end, m.text, "E1", 0.5, ()) for m in mentions()]
    again.append(Mention(7, 9, "建成", "E2", 0.5, ()))
    again.append(Mention(0, 2, "南京", "E3", 0.8, ()))
    assert links.replace_link_predictions(doc, again, "linker@2") == 1
    after = {(x.start, x.end): (x.kb_id, x.status) for x in links.links(doc)}
    assert after == {
        (0, 3): ("E9", "accepted"),
        (3, 7): ("E7", "rejected"),
        (10, 15): (NIL, "accepted"),
        (7, 9): ("E5", "added"),
        (0, 2): ("E3", "predicted"),
    }
    assert links.linked_by(doc) == "linker@2"


def test_decisions_undo_and_redo_across_a_restart(where) -> None:
    from core.formats.duie import Sentence

    path = where()
    with Project.open(path) as p:
        p.import_sentences([Sentence(TEXT, [])])
        doc = p.all_document_ids()[0]
        links = Links(p)
        links.replace_link_predictions(doc, mentions(), "linker@1")
        first = links.links(doc)[0]
        links.choose_candidate(first.id, "E8")
        links.mark_nil(first.id)
        added = links.add_link(doc, 7, 9)
        links.accept_rest(doc)
        assert links.is_reviewed(doc)
    with Project.open(path) as p:
        links = Links(p)
        assert p.undo().description == "accept 2 links and mark the links reviewed"
        assert not links.is_reviewed(doc)
        assert links.link(first.id).status == "edited"
        assert p.undo().description == "add “建成”@7"
        with pytest.raises(KeyError):
            links.link(added.id)
        assert p.undo().description == "mark “南京市”@0 NIL"
        assert links.link(first.id).kb_id == "E8"
    with Project.open(path) as p:
        links = Links(p)
        assert p.redo().description == "mark “南京市”@0 NIL"
        assert p.redo().description == "add “建成”@7"
        assert links.link(added.id).status == "added"  # back under its own id
        assert (links.link(first.id).kb_id, links.link(first.id).status) == (NIL, "edited")
        assert links.add_link(doc, 13, 15).id > added.id  # ids are never reused


def test_rejecting_an_added_mention_removes_it_in_one_undo_step(project, doc) -> None:
    links = Links(project)
    added = links.add_link(doc, 0, 2, "E3", candidates=[("E3", 0.5), ("E4", 0.5)])
    assert added.candidates == (("E3", 0.5), ("E4", 0.5))
    assert links.reject(added.id) is None and links.links(doc) == []
    assert project.undo().description == "remove “南京”@0"
    assert [x.id for x in links.links(doc)] == [added.id]


def test_adding_checks_the_span(project, doc) -> None:
    links = Links(project)
    links.replace_link_predictions(doc, mentions(), "linker@1")
    with pytest.raises(BadInput, match="already a mention"):
        links.add_link(doc, 0, 3)
    with pytest.raises(BadInput, match="outside the text"):
        links.add_link(doc, 10, 99)
    with pytest.raises(BadInput, match="entity id"):
        links.add_link(doc, 0, 1, "")
    rejected = links.reject(links.links(doc)[1].id)
    # Adding a rejected proposal's span again brings the proposal back, re-linked.
    again = links.add_link(doc, 3, 7, "E7")
    assert (again.id, again.status) == (rejected.id, "accepted")


def test_a_new_run_ends_the_redo_side_of_links_only(project, doc) -> None:
    links = Links(project)
    links.replace_link_predictions(doc, mentions(), "linker@1")
    links.choose_candidate(links.links(doc)[0].id, "E8")
    project.undo()
    assert project.can_redo()
    links.replace_link_predictions(doc, mentions(), "linker@1")
    assert not project.can_redo()


def test_new_output_ends_the_redo_side_of_its_own_kind_only(project, doc) -> None:
    from core.formats.duie import Triple

    links = Links(project)
    triple = Triple("南京市", "位于", "长江大桥", score=0.5)
    links.replace_link_predictions(doc, mentions(), "linker@1")
    project.replace_predictions(doc, [triple], "m@1")
    links.choose_candidate(links.links(doc)[0].id, "E8")
    project.set_status(project.document(doc).annotations[0].id, "accepted")
    project.undo()
    project.undo()
    project.replace_predictions(doc, [triple], "m@2")  # the triple's decision cannot be redone
    assert project.redo().tables == ("entity_links",) and not project.can_redo()
    project.set_status(project.document(doc).annotations[0].id, "rejected")
    project.undo()
    project.undo()
    links.replace_link_predictions(doc, mentions(), "linker@2")
    assert project.redo().tables == ("annotations",) and not project.can_redo()


def test_summaries_and_filters(project, doc) -> None:
    from core.formats.duie import Sentence

    links = Links(project)
    project.import_sentences([Sentence("杜甫", [])])
    other = project.all_document_ids()[-1]
    links.replace_link_predictions(doc, mentions(), "linker@1")
    s = links.summaries()
    assert [(x.id, x.n_links, x.n_predicted, x.n_nil, x.linked_by) for x in s] == [
        (doc, 3, 3, 1, "linker@1"),
        (other, 0, 0, 0, None),
    ]
    assert [x.id for x in links.summaries("unlinked")] == [other]
    assert [x.id for x in links.summaries("nil")] == [doc]
    assert links.document_ids(only_unlinked=True) == [other]
    links.accept_rest(doc)
    assert [x.id for x in links.summaries("unreviewed")] == [other]
    assert links.next_unreviewed(-1) == other
    assert [x.id for x in links.summaries(doc_ids=[doc])] == [doc]
    with pytest.raises(BadInput, match="unknown filter"):
        links.summaries("odd")


def test_export_import_export_is_identical(project, doc, tmp_path) -> None:
    links = Links(project)
    links.import_file(write_jsonl(tmp_path / "in.jsonl", QUERIES))
    links.replace_link_predictions(doc, mentions(), "linker@1")
    a, b, c = links.links(doc)
    links.choose_candidate(a.id, "E8")
    links.reject(b.id)
    links.add_link(doc, 7, 9, "E5")
    links.set_reviewed(doc, True)
    first = tmp_path / "first.jsonl"
    assert links.export_file(first) == 3
    with Project.open(tmp_path / "copy.kgs") as copy:
        assert Links(copy).import_file(first) == 3
        second = tmp_path / "second.jsonl"
        Links(copy).export_file(second)
        assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")
        restored = Links(copy).links(copy.all_document_ids()[0])
        assert [(x.kb_id, x.status, x.predicted_kb_id) for x in restored] == [
            ("E8", "edited", "E9"),
            ("E7", "rejected", "E7"),
            ("E5", "added", None),
            (NIL, "predicted", NIL),
        ]
    lines = [json.loads(x) for x in first.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["text_id"] == str(doc) and lines[0]["reviewed"] is True
    assert lines[1]["text_id"] == "q1" and lines[1]["mention_data"][0]["status"] == "accepted"
    # Training data: the reviewed documents, no rejections, CCKS fields only.
    clean = tmp_path / "clean.jsonl"
    assert links.export_file(clean, reviewed_only=True, clean=True) == 1
    only = json.loads(clean.read_text(encoding="utf-8"))
    assert only["mention_data"] == [
        {"kb_id": "E8", "mention": "南京市", "offset": "0"},
        {"kb_id": "E5", "mention": "建成", "offset": "7"},
        {"kb_id": "NIL", "mention": "1968年", "offset": "10"},
    ]
    assert "reviewed" not in only


def test_imported_gold_is_accepted_and_counts_as_linked(project, tmp_path) -> None:
    links = Links(project)
    assert links.import_file(write_jsonl(tmp_path / "in.jsonl", QUERIES)) == 2
    first, second = project.all_document_ids()
    assert [(x.mention, x.kb_id, x.status, x.origin) for x in links.links(first)] == [
        ("李白", "E1", "accepted", "import"),
        ("太白", NIL, "accepted", "import"),
    ]
    assert links.document_ids(only_unlinked=True) == [second]
    assert project.document(first).extra == {"text_id": "q1"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"text_id": "x"}, 'expected a "text" string'),
        (
            {"text": "李白", "mention_data": [{"kb_id": "E1", "mention": "李白", "offset": "1"}]},
            "is not at offset 1",
        ),
        (
            {
                "text": "李白",
                "mention_data": [
                    {"kb_id": "E1", "mention": "李白", "offset": "0", "status": "maybe"}
                ],
            },
            "mention_data[0].status: expected one of",
        ),
        (
            {
                "text": "李白",
                "mention_data": [{"kb_id": "E1", "mention": "李白", "offset": "0", "origin": 3}],
            },
            "mention_data[0].origin",
        ),
    ],
)
def test_a_bad_file_names_its_line_and_changes_nothing(project, tmp_path, line, message) -> None:
    links = Links(project)
    links.import_file(write_jsonl(tmp_path / "ok.jsonl", QUERIES[:1]))
    before = (project.count_documents(), links.status_counts())
    bad = write_jsonl(tmp_path / "bad.jsonl", [QUERIES[1], line])
    with pytest.raises(FormatError, match=rf"bad\.jsonl:2: .*{message[:12]}") as e:
        links.import_file(bad)
    assert message in str(e.value)
    assert (project.count_documents(), links.status_counts()) == before
    broken = tmp_path / "broken.jsonl"
    broken.write_text(json.dumps(QUERIES[1], ensure_ascii=False) + "\n{oops\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"broken\.jsonl:2: expected a JSON object"):
        links.import_file(broken)
    assert (project.count_documents(), links.status_counts()) == before


def _v2_project(path) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    schema._v1(db)
    schema._v2(db)
    db.execute("PRAGMA user_version = 2")
    db.execute(
        "INSERT INTO documents (id, position, text, reviewed) VALUES (1, 0, '甲是乙的作者', 1)"
    )
    db.execute(
        "INSERT INTO annotations (id, doc_id, ord, subject, predicate, object, origin, status)"
        " VALUES (3, 1, 0, '甲', '作者', '乙', 'import', 'accepted')"
    )
    before = {"id": 3, "status": "predicted"}
    after = {"id": 3, "status": "accepted"}
    db.execute(
        "INSERT INTO edits (doc_id, description, changes) VALUES (1, 'accept', ?)",
        (json.dumps([{"table": "annotations", "before": before, "after": after}]),),
    )
    db.execute("INSERT INTO runs (kind, params, result) VALUES ('train', '{}', '{}')")
    db.execute("COMMIT")
    db.close()


def test_a_version_2_project_is_migrated_keeping_everything(tmp_path) -> None:
    path = tmp_path / "old.kgs"
    _v2_project(path)
    with Project.open(path) as p:
        doc = p.document(1)
        assert (doc.text, doc.reviewed, [a.id for a in doc.annotations]) == (
            "甲是乙的作者",
            True,
            [3],
        )
        assert len(p.runs()) == 1
        links = Links(p)
        assert links.links(1) == [] and not links.is_reviewed(1)
        link = links.add_link(1, 0, 1, "E1")
        assert p.undo().description.startswith("add")  # the new edit
        assert p.undo().description == "accept"  # the old history still works
        assert p.document(1).annotations[0].status == "predicted"
        p.redo()
        p.redo()
        assert links.link(link.id).kb_id == "E1"
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION
    db.close()


def test_links_go_with_their_document(project, doc) -> None:
    links = Links(project)
    links.replace_link_predictions(doc, mentions(), "linker@1")
    project.db.execute("DELETE FROM documents WHERE id = ?", (doc,))
    assert links.links(doc) == [] and links.linked_by(doc) is None
