"""The project store: lossless import/export, edits with undo across restarts,
human decisions kept, locking, bad input. Tests taking ``where`` or
``project`` run on a SQLite file and on a PostgreSQL server."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cli.app import main
from core.errors import BadInput
from core.formats.duie import Sentence, Span, Triple
from core.formats.errors import FormatError
from core.store import Project, ProjectLockedError, schema
from tests.conftest import write_jsonl

ROOT = Path(__file__).resolve().parents[1]
LINES = [
    {
        "id": 1,
        "text": "《红豆》是王菲演唱的歌曲",
        "spo_list": [
            {
                "subject": "红豆",
                "predicate": "歌手",
                "object": "王菲",
                "subject_type": "歌曲",
                "object_type": "人物",
                "score": 0.9,
            },
            {
                "subject": "红豆",
                "predicate": "作词",
                "object": "王菲",
                "subject_type": "歌曲",
                "object_type": "人物",
                "score": 0.4,
            },
        ],
    },
    {
        "id": 2,
        "text": "《围城》的作者是钱钟书",
        "spo_list": [
            {
                "subject": "围城",
                "predicate": "作者",
                "object": "钱钟书",
                "subject_type": "图书作品",
                "object_type": "人物",
            }
        ],
    },
]


@pytest.fixture
def project(where, tmp_path):
    with Project.open(where()) as p:
        p.import_file(write_jsonl(tmp_path / "in.jsonl", LINES))
        yield p


@pytest.fixture
def file_project(tmp_path):
    with Project.open(tmp_path / "p.kgs") as p:
        p.import_file(write_jsonl(tmp_path / "in.jsonl", LINES))
        yield p


def statuses(p: Project, doc_id: int) -> list[str]:
    return [a.status for a in p.document(doc_id).annotations]


@pytest.mark.parametrize("name", ["duie1/train_data.json", "duie2/train_data_5000.json"])
def test_export_import_export_is_identical_and_keeps_the_original(
    data_dir, tmp_path, where, name
) -> None:
    src = data_dir / name
    with Project.open(where("a")) as p:
        assert p.import_file(src) == len(src.read_text(encoding="utf-8").splitlines())
        p.export_file(tmp_path / "e1.jsonl")
    with Project.open(where("b")) as p:
        p.import_file(tmp_path / "e1.jsonl")
        p.export_file(tmp_path / "e2.jsonl")
    assert (tmp_path / "e1.jsonl").read_bytes() == (tmp_path / "e2.jsonl").read_bytes()
    added = {"status", "origin", "subject_span", "object_span"}
    with open(src, encoding="utf-8") as f, open(tmp_path / "e1.jsonl", encoding="utf-8") as g:
        for a, b in zip(f, g, strict=True):
            original, exported = json.loads(a), json.loads(b)
            exported["spo_list"] = [
                {k: v for k, v in s.items() if k not in added} for s in exported["spo_list"]
            ]
            assert exported == original


def test_scored_triples_import_as_predictions_and_gold_as_accepted(project) -> None:
    d1, d2 = (d.id for d in project.documents())
    assert statuses(project, d1) == ["predicted", "predicted"]
    assert statuses(project, d2) == ["accepted"]
    a = project.document(d1).annotations[0]
    assert (a.subject_span, a.object_span) == (Span(1, 3), Span(5, 7))


def test_edits_undo_and_redo_survive_a_restart(tmp_path, where) -> None:
    path = where()
    with Project.open(path) as p:
        p.import_file(write_jsonl(tmp_path / "in.jsonl", LINES))
        doc = p.documents()[0].id
        first, second = p.document(doc).annotations
        p.set_status(first.id, "accepted")
        p.update_annotation(second.id, predicate="作曲")
        added = p.add_annotation(doc, "王菲", "国籍", "中国", Span(5, 7), None)
    with Project.open(path) as p:
        assert [a.status for a in p.document(doc).annotations] == ["accepted", "edited", "added"]
        assert p.undo().description.startswith("add 王菲")
        assert [a.status for a in p.document(doc).annotations] == ["accepted", "edited"]
        p.undo()
        assert p.annotation(second.id).predicate == "作词"
    with Project.open(path) as p:
        edit = p.redo()
        assert edit.doc_id == doc and p.annotation(second.id).predicate == "作曲"
        assert p.can_redo()
        p.set_status(first.id, "rejected")  # a new edit ends the redo side
        assert not p.can_redo()
        assert added.id not in [a.id for a in p.document(doc).annotations]


def test_accept_rest_is_one_undo_step(project) -> None:
    doc = project.documents()[0].id
    project.accept_rest(doc)
    assert statuses(project, doc) == ["accepted", "accepted"] and project.document(doc).reviewed
    project.undo()
    assert (
        statuses(project, doc) == ["predicted", "predicted"] and not project.document(doc).reviewed
    )
    assert len(project.document(doc).annotations) == 2


def test_predictions_never_overwrite_human_decisions(project) -> None:
    doc = project.documents()[0].id
    first, second = project.document(doc).annotations
    project.set_status(first.id, "rejected")
    again = Triple(
        "红豆", "歌手", "王菲", subject_span=Span(1, 3), object_span=Span(5, 7), score=0.99
    )
    new = Triple("红豆", "作曲", "王菲", subject_span=Span(1, 3), object_span=Span(5, 7), score=0.7)
    assert project.replace_predictions(doc, [again, new], "demo@2") == 1
    anns = project.document(doc).annotations
    assert [(a.predicate, a.status, a.origin) for a in anns] == [
        ("歌手", "rejected", "import"),
        ("作曲", "predicted", "demo@2"),
    ]


def test_filters(project) -> None:
    d1, d2 = (d.id for d in project.documents())
    assert [d.id for d in project.documents("low_score")] == [d1]
    project.set_status(project.document(d1).annotations[1].id, "rejected")
    assert [d.id for d in project.documents("rejections")] == [d1]
    project.accept_rest(d2)
    assert [d.id for d in project.documents("unreviewed")] == [d1]
    assert project.next_unreviewed(0) == d1


def test_a_bad_file_changes_nothing_and_names_the_line(project, tmp_path) -> None:
    before = project.count_documents()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "一"}\n{"text": "二"}\n{"text": ["三"]}\n', encoding="utf-8")
    with pytest.raises(FormatError, match=r"bad.jsonl:3: "):
        project.import_file(bad)
    assert project.count_documents() == before


def test_a_newer_project_format_is_refused(tmp_path) -> None:
    path = tmp_path / "new.kgs"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(BadInput, match="newer KG Studio"):
        Project.open(path)


def test_a_project_open_in_another_process_is_refused(tmp_path, capsys) -> None:
    path = tmp_path / "p.kgs"
    Project.open(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time
            sys.path.insert(0, {str(ROOT)!r})
            from core.store import Project
            p = Project.open({str(path)!r})
            print("open", flush=True)
            time.sleep(30)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(ProjectLockedError, match=f"process {holder.pid}"):
            Project.open(path)
        assert main(["project", "export", str(path), str(tmp_path / "o.jsonl")]) == 2
        assert f"already open in another KG Studio (process {holder.pid})" in (
            capsys.readouterr().err
        )
    finally:
        holder.kill()
        holder.wait()
    Project.open(path).close()  # the dead process' lock does not block


def test_closing_a_project_leaves_no_lock_file_and_reopening_works(tmp_path) -> None:
    path = tmp_path / "p.kgs"
    with Project.open(path):
        assert (tmp_path / "p.kgs.lock").exists()
        with pytest.raises(ProjectLockedError):
            Project.open(path)
    assert sorted(f.name for f in tmp_path.iterdir()) == ["p.kgs"]
    assert main(["project", "export", str(path), str(tmp_path / "o.jsonl")]) == 0
    assert not (tmp_path / "p.kgs.lock").exists()
    Project.open(path).close()


def test_cli_import_export_and_errors(tmp_path, capsys) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", LINES)
    kgs = tmp_path / "c.kgs"
    assert main(["project", "import", str(kgs), str(src)]) == 0
    assert main(["project", "export", str(kgs), str(tmp_path / "out.jsonl"), "--clean"]) == 0
    out = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [len(x["spo_list"]) for x in out] == [2, 1]
    assert "status" not in out[0]["spo_list"][0] and out[0]["spo_list"][0]["subject_span"] == [1, 3]
    assert main(["project", "export", str(tmp_path / "none.kgs"), str(tmp_path / "o.jsonl")]) == 2
    assert "none.kgs: no such file" in capsys.readouterr().err


def test_a_reviewed_project_round_trips_and_clean_export_is_training_data(
    project, tmp_path
) -> None:
    d1, d2 = (d.id for d in project.documents())
    first, second = project.document(d1).annotations
    project.set_status(first.id, "rejected")
    project.update_annotation(second.id, predicate="作曲")
    project.add_annotation(d1, "王菲", "国籍", "中国", Span(5, 7), None)
    project.accept_rest(d1)
    project.export_file(tmp_path / "e1.jsonl")
    with Project.open(tmp_path / "b.kgs") as b:
        b.import_file(tmp_path / "e1.jsonl")
        b.export_file(tmp_path / "e2.jsonl")
        doc = b.document(b.documents()[0].id)
        assert doc.reviewed
        assert [(a.predicate, a.status, a.origin) for a in doc.annotations] == [
            ("歌手", "rejected", "import"),
            ("作曲", "edited", "import"),
            ("国籍", "added", "person"),
        ]
    assert (tmp_path / "e1.jsonl").read_bytes() == (tmp_path / "e2.jsonl").read_bytes()
    line = json.loads((tmp_path / "e1.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert line["reviewed"] is True and line["spo_list"][1]["edited_from"]["predicate"] == "作词"
    assert project.export_file(tmp_path / "r.jsonl", reviewed_only=True) == 1
    project.export_file(tmp_path / "clean.jsonl", reviewed_only=True, clean=True)
    (clean,) = [json.loads(x) for x in (tmp_path / "clean.jsonl").read_text("utf-8").splitlines()]
    assert "reviewed" not in clean
    assert [(t["predicate"], sorted(t)) for t in clean["spo_list"]] == [
        ("作曲", sorted(["subject", "subject_type", "predicate", "object", "object_type",
                         "subject_span", "object_span"])),
        ("国籍", ["object", "predicate", "subject", "subject_span"]),  # 中国 is not in the text
    ]  # fmt: skip


def test_other_reviewed_values_are_kept_as_data(tmp_path, where) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [{"text": "甲", "reviewed": False}])
    with Project.open(where()) as p:
        p.import_file(src)
        assert not p.document(p.all_document_ids()[0]).reviewed
        p.export_file(tmp_path / "out.jsonl")
    assert (tmp_path / "out.jsonl").read_text(encoding="utf-8") == src.read_text(encoding="utf-8")


def test_spans_are_found_in_the_text_when_missing(tmp_path, where) -> None:
    src = write_jsonl(
        tmp_path / "in.jsonl",
        [{"text": "甲说甲是乙的父亲", "spo_list": [{"subject": "甲", "predicate": "父亲",
                                                   "object": "乙"},
                                                  {"subject": "甲", "predicate": "同名",
                                                   "object": "甲"},
                                                  {"subject": "丙", "predicate": "父亲",
                                                   "object": "乙"}]}],
    )  # fmt: skip
    with Project.open(where()) as p:
        p.import_file(src)
        spans = [(a.subject_span, a.object_span) for a in p.document(1).annotations]
    assert spans == [
        (Span(0, 1), Span(4, 5)),
        (Span(0, 1), Span(2, 3)),  # the same string twice: two occurrences
        (None, Span(4, 5)),
    ]


def test_each_edit_is_one_undo_step_naming_its_document(project) -> None:
    d1, d2 = (d.id for d in project.documents())
    first, second = project.document(d1).annotations
    assert project.set_status(first.id, "accepted").status == "accepted"
    assert project.set_status(first.id, "accepted").status == "accepted"  # no change, no step
    gone = project.delete_annotation(second.id)
    assert gone.id == second.id and len(project.document(d1).annotations) == 1
    project.set_reviewed(d2, True)
    assert project.undo().description == "mark the document reviewed"
    assert not project.document(d2).reviewed
    edit = project.undo()
    assert (edit.doc_id, edit.description) == (d1, "delete 红豆 —作词→ 王菲")
    assert project.annotation(second.id) == second
    assert project.undo().description == "accept 红豆 —歌手→ 王菲"
    assert project.undo() is None and not project.can_undo()
    assert project.document(d1).annotations == [first, second]
    assert [project.redo().description for _ in range(3)][-1] == "mark the document reviewed"
    assert project.redo() is None and project.document(d2).reviewed


def test_edits_check_what_they_are_given(project) -> None:
    ann = project.document(1).annotations[0]
    with pytest.raises(TypeError, match="colour"):
        project.update_annotation(ann.id, colour="red")
    with pytest.raises(BadInput, match="unknown status"):
        project.set_status(ann.id, "maybe")
    with pytest.raises(KeyError):
        project.set_reviewed(99, True)
    with pytest.raises(KeyError):
        project.add_annotation(99, "a", "b", "c", None, None)
    assert not project.can_undo()


def test_added_triples_stay_added_when_edited(project) -> None:
    added = project.add_annotation(1, "王菲", "国籍", "中国", None, None)
    assert (added.subject_span, added.object_span) == (Span(5, 7), None)
    assert project.update_annotation(added.id, predicate="籍贯").status == "added"


def test_corrected_proposals_are_not_offered_again(project) -> None:
    first, second = project.document(1).annotations
    project.update_annotation(second.id, predicate="作曲")
    project.set_status(first.id, "accepted")
    model = [Triple("红豆", "作词", "王菲", score=0.5), Triple("红豆", "歌手", "王菲", score=0.9)]
    assert project.replace_predictions(1, model, "demo@3") == 0  # spans found, then matched
    assert [a.status for a in project.document(1).annotations] == ["accepted", "edited"]


def test_predictions_end_the_redo_side_of_their_document_only(project) -> None:
    first = project.document(1).annotations[0]
    third = project.document(2).annotations[0]
    project.set_status(first.id, "accepted")
    project.set_status(third.id, "rejected")
    project.undo()
    project.undo()
    project.replace_predictions(1, [Triple("红豆", "作词", "王菲", score=0.5)], "demo@3")
    assert project.redo().doc_id == 2 and project.redo() is None


def test_annotation_ids_are_never_reused(project) -> None:
    added = project.add_annotation(1, "王菲", "国籍", "中国", None, None)
    project.undo()
    new = project.replace_predictions(2, [Triple("围城", "出版社", "钱钟书", score=0.3)], "m@1")
    assert new == 1 and max(a.id for a in project.document(2).annotations) > added.id
    project.redo()
    assert project.annotation(added.id).status == "added"


def test_queries(project) -> None:
    d1, d2 = project.all_document_ids()
    assert project.count_documents() == 2 and project.unreviewed_document_ids() == [d1, d2]
    (s1, s2) = project.documents()
    assert (s1.n_annotations, s1.n_predicted, s1.n_rejected, s1.min_score) == (2, 2, 0, 0.4)
    assert s1.preview == "《红豆》是王菲演唱的歌曲" and s2.min_score is None
    assert project.next_unreviewed(0) == d2  # wraps past the end back to the first
    assert project.next_unreviewed(1) == d1
    project.set_reviewed(d1, True)
    assert project.next_unreviewed(0) == d2 and project.unreviewed_document_ids() == [d2]
    project.set_reviewed(d2, True)
    assert project.next_unreviewed(0) is None
    stats = project.statistics()
    assert stats["counts"] == {("歌手", "predicted"): 1, ("作词", "predicted"): 1,
                               ("作者", "accepted"): 1}  # fmt: skip
    assert sorted(stats["scores"]) == [(0.4, "predicted"), (0.9, "predicted")]
    with pytest.raises(BadInput, match="unknown filter"):
        project.documents("odd")


def test_runs_and_models_are_recorded(project) -> None:
    run = project.record_run("retrain", {"base": "m@1"}, {"f1": 0.5})
    project.register_model("m", "2", "/models/m2")
    (row,) = project.runs()
    assert row["id"] == run and row["params"] == {"base": "m@1"} and row["result"]["f1"] == 0.5
    assert row["started_at"] <= row["finished_at"]
    assert [(m["name"], m["version"]) for m in project.models()] == [("m", "2")]


def test_a_bad_status_in_a_file_names_the_line(project, tmp_path) -> None:
    bad = write_jsonl(
        tmp_path / "bad.jsonl",
        [{"text": "甲是乙", "spo_list": [{"subject": "甲", "predicate": "p", "object": "乙",
                                          "status": "maybe"}]}],
    )  # fmt: skip
    with pytest.raises(FormatError, match=r"bad.jsonl:1: spo_list\[0\].status"):
        project.import_file(bad)
    assert project.count_documents() == 2


def _v1_project(path: Path) -> None:
    """A file as the first version of the store wrote it."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    schema._v1(db)
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO documents (id, position, text) VALUES (1, 0, '甲是乙的作者')")
    db.execute(
        "INSERT INTO annotations (id, doc_id, ord, subject, predicate, object, origin, status)"
        " VALUES (3, 1, 0, '甲', '作者', '乙', 'import', 'accepted')"
    )
    deleted = {"id": 9, "subject": "乙", "predicate": "作者", "object": "甲"}
    db.execute(
        "INSERT INTO edits (doc_id, description, changes) VALUES (1, 'delete', ?)",
        (json.dumps([{"table": "annotations", "before": deleted, "after": None}]),),
    )
    db.execute("INSERT INTO runs (kind, params, result) VALUES ('train', '{}', '{}')")
    db.execute("COMMIT")
    db.close()


def test_an_older_project_is_migrated_keeping_its_content(tmp_path) -> None:
    path = tmp_path / "old.kgs"
    _v1_project(path)
    with Project.open(path) as p:
        assert [a.id for a in p.document(1).annotations] == [3]
        assert p.add_annotation(1, "乙", "作者", "甲", None, None).id == 10  # past the history
        assert p.runs()[0]["finished_at"] == p.runs()[0]["started_at"]
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION
    db.close()


def test_a_failed_migration_leaves_the_file_as_it_was(tmp_path, monkeypatch) -> None:
    path = tmp_path / "old.kgs"
    _v1_project(path)

    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE links (id INTEGER PRIMARY KEY)")
        raise RuntimeError("disk full")

    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, broken])
    monkeypatch.setattr(schema, "VERSION", len(schema.MIGRATIONS))
    with pytest.raises(RuntimeError, match="disk full"):
        Project.open(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "links" not in tables and "sqlite_sequence" not in tables
    db.close()


def test_files_that_are_no_project_are_refused_untouched(tmp_path) -> None:
    other = tmp_path / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    with pytest.raises(BadInput, match="not a KG Studio project"):
        Project.open(other)
    db = sqlite3.connect(other)
    assert [r[0] for r in db.execute("SELECT name FROM sqlite_master")] == ["t"]
    db.close()
    text = tmp_path / "notes.kgs"
    text.write_text("not a database, just words " * 100, encoding="utf-8")
    with pytest.raises(BadInput, match="not a KG Studio project"):
        Project.open(text)
    with pytest.raises(BadInput, match="no such project"):
        Project.open(tmp_path / "missing.kgs", create=False)


def test_cli_reports_bad_lines_and_keeps_tensorflow_away(tmp_path, capsys) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "一"}\n{"text": "二"}\n{"text": 3}\n', encoding="utf-8")
    kgs = tmp_path / "c.kgs"
    assert main(["project", "import", str(kgs), str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kgstudio: error: ") and f"{bad}:3: " in err and "\n" not in err
    with Project.open(kgs) as p:
        assert p.count_documents() == 0
    src = write_jsonl(tmp_path / "in.jsonl", LINES)
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from cli.app import main
        code = main(["project", "import", {str(kgs)!r}, {str(src)!r}])
        heavy = [m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "PySide6")]
        print(code, heavy)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert out.stdout.splitlines() == [f"imported 2 documents into {kgs} (2 in all)", "0 []"]


def test_no_export_replaces_the_project_itself(tmp_path) -> None:
    """The window's exports go through the same guard as the commands."""
    from core.errors import OutputError
    from core.store.links import Links

    path = tmp_path / "p.kgs"
    with Project.open(path) as p:
        p.import_sentences([Sentence("甲是乙的作者", [Triple("甲", "作者", "乙")])])
        for target in (path, f"{path}-wal", f"{path}.lock"):
            with pytest.raises(OutputError, match="project"):
                p.export_file(target)
            with pytest.raises(OutputError, match="project"):
                Links(p).export_file(target)
        assert p.count_documents() == 1
    with Project.open(path) as p:
        assert p.count_documents() == 1


def _v3_project(path: Path) -> None:
    """A file as version 3 of the store wrote it (its own schema SQL, its own
    way of recording edits: whole rows as JSON in ``edits.changes``): doc 1
    reviewed with accept-rest, a link accepted, a triple added; on doc 2 a
    rejection that was undone."""
    db = sqlite3.connect(path, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("BEGIN")
    for step in (schema._v1, schema._v2, schema._v3):
        step(db)
    db.execute("PRAGMA user_version = 3")
    db.execute(
        "INSERT INTO documents (id, position, text) VALUES (1, 0, '甲是乙的作者，丙是丁的母亲')"
    )
    db.execute("INSERT INTO documents (id, position, text) VALUES (2, 1, '乙写了甲')")
    for ann_id, doc_id, ord_, subject, obj, status in [
        (3, 1, 0, "甲", "乙", "predicted"),
        (4, 1, 1, "丙", "丁", "accepted"),
        (5, 2, 0, "甲", "乙", "accepted"),
    ]:
        db.execute(
            "INSERT INTO annotations (id, doc_id, ord, subject, predicate, object, score,"
            " origin, status) VALUES (?, ?, ?, ?, '作者', ?, 0.8, 'm@1', ?)",
            (ann_id, doc_id, ord_, subject, obj, status),
        )
    db.execute(
        "INSERT INTO entity_links (id, doc_id, m_start, m_end, mention, kb_id, score, origin,"
        " status, predicted_kb_id) VALUES (7, 1, 0, 1, '甲', 'E1', 0.9, 'l@1', 'predicted', 'E1')"
    )
    db.execute("INSERT INTO link_documents (id, linked_by) VALUES (1, 'l@1')")
    db.execute("INSERT INTO runs (kind, params, result) VALUES ('train', '{}', '{}')")
    db.execute("INSERT INTO models (name, version, path) VALUES ('m', '1', '/m')")

    def row(table: str, row_id: int) -> dict:
        return dict(db.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone())

    def edit(doc_id: int, description: str, changes: list, undone: int = 0) -> None:
        # What version 3 did: rows to their state after, the whole rows recorded.
        for table, before, after in changes:
            if after is None:
                db.execute(f"DELETE FROM {table} WHERE id = ?", (before["id"],))
            elif before is None:
                marks = ", ".join("?" for _ in after)
                db.execute(f"INSERT INTO {table} ({', '.join(after)}) VALUES ({marks})",
                           tuple(after.values()))  # fmt: skip
            else:
                sets = ", ".join(f"{k} = ?" for k in after)
                db.execute(
                    f"UPDATE {table} SET {sets} WHERE id = ?", (*after.values(), after["id"])
                )
        db.execute(
            "INSERT INTO edits (doc_id, description, changes) VALUES (?, ?, ?)",
            (doc_id, description, json.dumps(
                [{"table": t, "before": b, "after": a} for t, b, a in changes],
                ensure_ascii=False)),
        )  # fmt: skip
        if undone:
            for table, before, after in reversed(changes):
                if before is None:
                    db.execute(f"DELETE FROM {table} WHERE id = ?", (after["id"],))
                else:
                    sets = ", ".join(f"{k} = ?" for k in before)
                    db.execute(f"UPDATE {table} SET {sets} WHERE id = ?",
                               (*before.values(), before["id"]))  # fmt: skip
            db.execute("UPDATE edits SET undone = 1 WHERE id = last_insert_rowid()")

    ann, doc = row("annotations", 3), row("documents", 1)
    edit(1, "accept 1 triple and mark the document reviewed", [
        ("annotations", ann, {**ann, "status": "accepted"}),
        ("documents", doc, {**doc, "reviewed": 1}),
    ])  # fmt: skip
    link = row("entity_links", 7)
    edit(1, "accept “甲”@0", [("entity_links", link, {**link, "status": "accepted"})])
    added = {**ann, "id": 6, "ord": 2, "subject": "丁", "object": "丙", "predicate": "子女",
             "score": None, "origin": "person", "status": "added"}  # fmt: skip
    edit(1, "add 丁 —子女→ 丙", [("annotations", None, added)])
    five = row("annotations", 5)
    edit(2, "reject 甲 —作者→ 乙", [("annotations", five, {**five, "status": "rejected"})], 1)
    db.execute("COMMIT")
    db.close()


def _state(p: Project) -> tuple:
    from core.store.links import Links

    docs = [p.document(d) for d in p.all_document_ids()]
    return (
        [(d.text, d.reviewed, [(a.id, a.subject, a.status) for a in d.annotations]) for d in docs],
        [(x.id, x.status, x.kb_id) for x in Links(p).links(1)],
        Links(p).linked_by(1),
    )


def test_a_version_3_project_opens_with_all_its_data_and_history(tmp_path) -> None:
    path = tmp_path / "v3.kgs"
    _v3_project(path)
    with Project.open(path) as p:
        assert _state(p) == (
            [
                ("甲是乙的作者，丙是丁的母亲", True,
                 [(3, "甲", "accepted"), (4, "丙", "accepted"), (6, "丁", "added")]),
                ("乙写了甲", False, [(5, "甲", "accepted")]),
            ],
            [(7, "accepted", "E1")],
            "l@1",
        )  # fmt: skip
        assert [(r["kind"], len(p.models())) for r in p.runs()] == [("train", 1)]
        # The old history undoes and redoes, each edit knowing the tables it touched.
        redone = p.redo()
        assert (redone.doc_id, redone.tables) == (2, ("annotations",))
        assert p.annotation(5).status == "rejected"
        undone = [p.undo() for _ in range(4)]
        assert [e.tables for e in undone] == [
            ("annotations",), ("annotations",), ("entity_links",), ("annotations", "documents")
        ]  # fmt: skip
        assert p.undo() is None
        assert _state(p) == (
            [
                ("甲是乙的作者，丙是丁的母亲", False,
                 [(3, "甲", "predicted"), (4, "丙", "accepted")]),
                ("乙写了甲", False, [(5, "甲", "accepted")]),
            ],
            [(7, "predicted", "E1")],
            "l@1",
        )  # fmt: skip
        for _ in range(3):
            p.redo()
        assert p.annotation(6).status == "added" and p.document(1).reviewed
        # A new edit ends the redo side and takes an id no edit ever had.
        p.set_status(4, "rejected")
        assert not p.can_redo()
        assert (p.undo().id, p.annotation(4).status) == (5, "accepted")
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == schema.VERSION
    # An update of a document kept its review mark only, never a copy of its text.
    assert [json.loads(r[0]) for r in db.execute(
        "SELECT row_after FROM edit_changes WHERE table_name = 'documents'")] == [
        {"id": 1, "reviewed": 1}
    ]  # fmt: skip
    indexes = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"edits_undone", "annotations_review", "documents_review"} <= indexes
    db.close()


def test_a_damaged_history_leaves_the_old_file_as_it_was(tmp_path) -> None:
    path = tmp_path / "v3.kgs"
    _v3_project(path)
    db = sqlite3.connect(path)
    db.execute("UPDATE edits SET changes = '[{\"table\": 3}]' WHERE id = 3")
    db.commit()
    db.close()
    with pytest.raises(BadInput, match="history is damaged at edit 3"):
        Project.open(path)
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 3
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "edit_changes" not in tables and "edits_v3" not in tables
    assert db.execute("SELECT COUNT(*) FROM edits WHERE changes != ''").fetchone()[0] == 4
    db.close()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("table_name", "models", "table 'models'"),
        ("table_name", "documents; DROP TABLE documents", "which edits never touch"),
        ("row_before", '{"id": 1, "status": "predicted", "text": "x"}', "writes text"),
        ("row_before", '{"id": 1, "status = 1; --": 0}', "which edits never touch"),
        ("row_before", '{"status": "predicted"}', "without an id"),
    ],
)
def test_a_stored_change_is_checked_before_it_becomes_sql(project, column, value, message) -> None:
    doc = project.documents()[0].id
    first = project.document(doc).annotations[0]
    project.set_status(first.id, "accepted")
    project.db.execute(f"UPDATE edit_changes SET {column} = ?", (value,))
    with pytest.raises(BadInput, match=message):
        project.undo()
    assert project.annotation(first.id).status == "accepted" and project.can_undo()
    assert project.count_documents() == 2


def test_documents_are_never_added_or_removed_by_an_edit(project) -> None:
    from core.store.history import Change, check_change

    with pytest.raises(BadInput, match="adds or removes a row of 'documents'"):
        check_change(Change("documents", {"id": 1, "reviewed": 0}, None))
    with (
        pytest.raises(BadInput, match="edits never touch table 'runs'"),
        project.history.edit() as e,
    ):
        e.insert("runs", {"kind": "x", "params": "{}", "result": "{}"})
    assert project.runs() == [] and not project.can_undo()


def test_the_allow_list_matches_the_schema(project) -> None:
    from core.store.history import EDITABLE, WHOLE_ROWS

    for table, allowed in EDITABLE.items():
        columns = set(project.dialect.columns(project.db, table))
        # A row that comes back on undo must come back whole: every column listed.
        assert allowed == columns if table in WHOLE_ROWS else allowed <= columns, table


def test_an_edit_is_all_or_nothing(project) -> None:
    doc = project.documents()[0].id
    first, second = project.document(doc).annotations
    with pytest.raises(RuntimeError), project.history.edit() as edit:
        edit.update("annotations", edit.row("annotations", first.id), {"status": "accepted"})
        edit.delete("annotations", second.id)
        edit.describe(doc, "half an edit")
        raise RuntimeError("power cut")
    assert project.document(doc).annotations == [first, second] and not project.can_undo()


def test_edits_name_the_tables_they_touched(project) -> None:
    doc = project.documents()[0].id
    assert project.accept_rest(doc).tables == ("annotations", "documents")
    assert project.accept_rest(doc) is None  # nothing left to do: no undo step
    assert project.set_reviewed(doc, True) is None
    assert project.undo().tables == ("annotations", "documents")
    assert project.set_reviewed(doc, True).tables == ("documents",)


def test_review_actions_read_through_indexes(file_project) -> None:
    """Accept, accept-rest, next unreviewed, undo, redo and the model's output
    search indexes: none of them reads a whole table, however large the
    project or its history grows."""
    project = file_project
    from core.store.links import Links

    doc = project.documents()[0].id
    links = Links(project)
    statements: list[str] = []
    project.db.set_trace_callback(statements.append)
    first = project.document(doc).annotations[0]
    project.set_status(first.id, "rejected")
    project.documents("all", doc_id=doc)
    project.accept_rest(doc)
    project.next_unreviewed(project.document(doc).position)
    project.next_unreviewed(10**6)  # wraps round to the start
    project.undo()
    project.redo()
    project.undo()
    project.replace_predictions(doc, [Triple("红豆", "作曲", "王菲", score=0.5)], "m@2")
    links.replace_link_predictions(doc, [], "l@1")
    links.accept_rest(doc)
    project.undo()
    project.can_undo()
    project.can_redo()
    project.db.set_trace_callback(None)
    scans = []
    for sql in statements:
        if sql.split()[0].upper() in ("BEGIN", "COMMIT", "ROLLBACK"):
            continue
        for step in project.db.execute("EXPLAIN QUERY PLAN " + sql):
            if step[3].startswith("SCAN"):
                scans.append((sql, step[3]))
    assert scans == []
