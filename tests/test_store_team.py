"""Several people on one project, on both engines: nobody's decision is
silently overwritten, undo is each person's own, work is handed out once,
others' changes are seen, agreement is measured."""

from __future__ import annotations

import pytest

from core.formats.duie import Sentence, Triple
from core.linking.queries import Mention
from core.review.triples import TripleReview
from core.store import ConflictError, Project
from core.store.agreement import agreement, differences, kappa, settle
from core.store.links import Links
from core.store.team import Team

SONG = "《红豆》是王菲演唱的歌曲，林夕作词"


def _sentences(n: int = 1) -> list[Sentence]:
    first = Sentence(
        SONG,
        [
            Triple("红豆", "歌手", "王菲", score=0.9),
            Triple("红豆", "作词", "林夕", score=0.8),
            Triple("红豆", "作曲", "王菲", score=0.3),
        ],
    )
    return [first] + [Sentence(f"第{i}句", []) for i in range(1, n)]


@pytest.fixture
def ann(where):
    with Project.open(where(), user="ann") as p:
        p.import_sentences(_sentences(5))
        yield p


@pytest.fixture
def bob(ann):
    with ann.second_connection(user="bob") as p:
        yield p


def test_a_decision_on_a_stale_triple_is_refused_with_the_fresh_state(ann, bob) -> None:
    seen = ann.document(1).annotations[0]  # ann reads, then bob decides first
    assert bob.set_status(seen.id, "rejected", seen.version).decided_by == "bob"
    with pytest.raises(
        ConflictError, match=r"changed by bob since you read it \(now rejected\)"
    ) as e:
        ann.set_status(seen.id, "accepted", seen.version)
    assert e.value.current["status"] == "rejected"
    assert ann.annotation(seen.id).status == "rejected"  # bob's decision stands
    fresh = ann.annotation(seen.id)
    assert ann.set_status(seen.id, "accepted", fresh.version).decided_by == "ann"
    # Asking for what is already there is no conflict, however old the version.
    assert ann.set_status(seen.id, "accepted", seen.version).status == "accepted"
    with pytest.raises(ConflictError):
        bob.update_annotation(seen.id, fresh.version, predicate="演唱")
    with pytest.raises(ConflictError):
        bob.delete_annotation(seen.id, seen.version)


def test_the_review_controller_shows_the_other_persons_decision(ann, bob) -> None:
    review = TripleReview(ann)
    review.open(1)
    first = review.doc.annotations[0]
    bob.set_status(first.id, "rejected")
    step = review.accept(first.id)
    assert "changed by bob" in step.message and step.reread
    assert review.annotation(first.id).status == "rejected"
    assert review.accept(first.id).message.startswith("accepted")  # now on the fresh state


def test_undo_and_redo_are_each_persons_own(ann, bob) -> None:
    first, second, third = ann.document(1).annotations
    ann.set_status(first.id, "accepted")
    bob.set_status(second.id, "rejected")
    assert ann.undo().description.startswith("accept")
    assert ann.annotation(first.id).status == "predicted"
    assert ann.annotation(second.id).status == "rejected" and not ann.can_undo()
    assert bob.undo().description.startswith("reject") and not bob.can_undo()
    assert bob.redo() is not None and ann.redo() is not None
    # Undoing one's edit of a triple someone has changed since would undo theirs: refused.
    bob.set_status(first.id, "rejected")
    with pytest.raises(ConflictError, match="undo would overwrite it"):
        ann.undo()
    assert ann.annotation(first.id).status == "rejected" and ann.can_undo()
    assert ann.set_status(third.id, "accepted").decided_by == "ann"


def test_documents_are_handed_out_once(ann, bob) -> None:
    team = Team(ann)
    assert team.assign("ann", count=2) == [1, 2]
    assert Team(bob).assign("bob", count=10) == [3, 4, 5]  # only what nobody has
    assert team.assign("carl", doc_ids=[1, 3]) == []
    assert [d.id for d in ann.documents(assigned="mine")] == [1, 2]
    assert [d.id for d in bob.documents(assigned="mine")] == [3, 4, 5]
    assert ann.documents(assigned="unassigned") == []
    assert team.unassign([2]) == 1 and team.assigned_to(2) is None
    assert [d.id for d in ann.documents(assigned="unassigned")] == [2]
    ann.accept_rest(1)
    assert [(p.name, p.assigned, p.reviewed, p.decisions) for p in team.people()] == [
        ("ann", 1, 1, 3),
        ("bob", 3, 0, 0),
    ]


def test_a_window_learns_which_documents_others_changed(ann, bob) -> None:
    team = Team(ann)
    mark = team.mark()
    ann.set_reviewed(2, True)  # one's own change is already on screen
    assert team.changes_since(mark).doc_ids == ()
    bob.set_status(ann.document(1).annotations[0].id, "rejected")
    bob.set_reviewed(3, True)
    bob.undo()
    changes = team.changes_since(mark)
    assert changes.doc_ids == (1, 3) and team.changes_since(changes.mark).doc_ids == ()


def test_agreement_of_two_reviewers(ann, bob) -> None:
    first, second, third = ann.document(1).annotations
    # ann keeps 歌手 and 作词, rejects 作曲; bob keeps 歌手, rejects 作词 and 作曲, adds one.
    ann.set_status(first.id, "accepted")
    ann.set_status(second.id, "accepted")
    ann.set_status(third.id, "rejected")
    for a in (first, second, third):
        current = bob.annotation(a.id)
        bob.set_status(a.id, "accepted" if a is first else "rejected", current.version)
    added = bob.add_annotation(1, "林夕", "国籍", "中国", None, None)
    links = Links(ann)
    links.replace_link_predictions(1, [Mention(5, 7, "王菲", "E1", 0.9, (("E1", 0.9),))], "l@1")
    link = links.links(1)[0]
    links.accept(link.id)
    Links(bob).mark_nil(link.id)
    (pair,) = agreement(ann)["pairs"]
    assert pair["people"] == ["ann", "bob"] and pair["documents"] == 1
    t = pair["triples"]
    # kept: ann {歌手, 作词}, bob {歌手, 国籍}: F1 = 2·1 / (2 + 2).
    assert (t["kept_a"], t["kept_b"], t["kept_both"], t["f1"]) == (2, 2, 1, 0.5)
    # proposals: agree on 歌手 (yes) and 作曲 (no), differ on 作词: p_o = 2/3,
    # p_e = (2/3)(1/3) + (1/3)(2/3) = 4/9, kappa = (2/3 - 4/9) / (5/9) = 0.4.
    assert (t["proposals"], t["proposals_agreed"], t["kappa"]) == (3, 2, 0.4)
    assert pair["per_predicate"]["歌手"]["f1"] == 1.0
    assert pair["per_predicate"]["作词"]["f1"] == 0.0
    assert pair["links"]["f1"] == 0.0 and pair["links"]["proposals"] == 1
    found = differences(ann, 1, "ann", "bob")
    assert [(d.table, d.row_id) for d in found] == [
        ("annotations", second.id),
        ("annotations", added.id),
        ("entity_links", link.id),
    ]
    settle(ann, found[0], take="b")
    assert ann.annotation(second.id).status == "rejected"
    settle(ann, found[2], take="a")
    assert Links(ann).link(link.id).kb_id == "E1"


def test_kappa_edges() -> None:
    assert kappa([]) is None
    assert kappa([(True, True), (True, True)]) == 1.0
    assert kappa([(True, False), (False, True)]) == -1.0


def test_an_annotators_role_reaches_its_project_only(pg_url, pg_server) -> None:
    import psycopg

    with Project.open(f"{pg_url}?project=teamwork", user="lead") as lead:
        lead.import_sentences(_sentences(2))
        Team(lead).grant("annotator_1")
    with Project.open(f"{pg_url}?project=secret") as other:
        other.import_sentences(_sentences(1))
    as_annotator = f"postgresql://annotator_1@127.0.0.1:{pg_server.port}/kgs_tests"
    with Project.open(f"{as_annotator}?project=teamwork", user="ann") as p:
        a = p.document(1).annotations[0]
        assert p.set_status(a.id, "accepted").decided_by == "ann"
        assert p.undo() is not None
    with psycopg.connect(as_annotator, autocommit=True) as conn:
        for statement in (
            "SELECT * FROM kgs_secret.documents",
            "CREATE TABLE kgs_teamwork.x (y int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_the_team_commands(where, capsys) -> None:
    import json

    from cli.app import main

    with Project.open(where(), user="ann") as p:
        p.import_sentences(_sentences(4))
        first = p.document(1).annotations[0]
        p.set_status(first.id, "accepted")
        with p.second_connection(user="bob") as bob:
            bob.set_status(first.id, "rejected", bob.annotation(first.id).version)
    url = str(where())
    assert main(["project", "assign", url, "--user", "ann", "--count", "3"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["documents"] == [1, 2, 3]
    assert main(["project", "assign", url, "--user", "bob", "--count", "3"]) == 0
    out = capsys.readouterr()
    assert "only 1 unassigned" in out.err and "assigned 1 documents to bob" in out.out
    assert main(["project", "assign", url, "--user", "bob", "--documents", "1,x"]) == 2
    assert main(["project", "assign", url, "--user", "bob", "--release", "1"]) == 0
    assert main(["project", "people", url]) == 0
    people = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert [(p["name"], p["assigned"], p["decisions"]) for p in people] == [
        ("ann", 2, 1),
        ("bob", 1, 1),
    ]
    assert main(["project", "agreement", url]) == 0
    (pair,) = json.loads(capsys.readouterr().out.splitlines()[-1])["pairs"]
    assert pair["triples"]["kappa"] is not None and pair["triples"]["proposals"] == 1
    assert pair["triples"]["proposals_agreed"] == 0 and pair["triples"]["f1"] == 0.0
    assert main(["project", "agreement", url, "--people", "ann", "carl"]) == 2
    assert "'carl' has decided nothing" in capsys.readouterr().err
