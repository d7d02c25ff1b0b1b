"""The project store: lossless import/export, edits with undo across restarts,
human decisions kept, locking, bad input."""

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
from core.formats.duie import Span, Triple
from core.formats.errors import FormatError
from core.store import Project, ProjectLockedError
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
def project(tmp_path):
    with Project.open(tmp_path / "p.kgs") as p:
        p.import_file(write_jsonl(tmp_path / "in.jsonl", LINES))
        yield p


def statuses(p: Project, doc_id: int) -> list[str]:
    return [a.status for a in p.document(doc_id).annotations]


@pytest.mark.parametrize("name", ["duie1/train_data.json", "duie2/train_data_5000.json"])
def test_export_import_export_is_identical_and_keeps_the_original(
    shared_data, tmp_path, name
) -> None:
    src = shared_data / name
    with Project.open(tmp_path / "a.kgs") as p:
        assert p.import_file(src) > 2000
        p.export_file(tmp_path / "e1.jsonl")
    with Project.open(tmp_path / "b.kgs") as p:
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


def test_edits_undo_and_redo_survive_a_restart(tmp_path) -> None:
    path = tmp_path / "p.kgs"
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


def test_a_project_open_in_another_process_is_refused(tmp_path) -> None:
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
    finally:
        holder.kill()
        holder.wait()
    Project.open(path).close()  # the dead process' lock does not block


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
