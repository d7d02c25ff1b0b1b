"""Projects on a server from the command line, and `project copy` between a
file and a server: nothing lost on the way there and back, passwords never
printed."""

from __future__ import annotations

import json

import pytest

from cli.app import main
from core.errors import BadInput
from core.formats.duie import Span, Triple
from core.linking.queries import Mention
from core.store import Project
from core.store.links import Links
from core.store.location import parse, shown, without_password
from tests.conftest import write_jsonl
from tests.test_store import LINES


def _dump(p: Project) -> dict:
    from core.store.copy import TABLES

    return {
        table: [tuple(r) for r in p.db.execute(f"SELECT * FROM {table} ORDER BY {order}")]
        for table, order in TABLES
    }


def _worked_on(p: Project, tmp_path) -> None:
    p.import_file(write_jsonl(tmp_path / "in.jsonl", LINES))
    d1, d2 = p.all_document_ids()
    first, second = p.document(d1).annotations
    p.set_status(first.id, "accepted")
    p.update_annotation(second.id, predicate="作曲", object_span=Span(5, 7))
    links = Links(p)
    links.replace_link_predictions(d1, [Mention(5, 7, "王菲", "E1", 0.8, (("E1", 0.8),))], "l@1")
    links.accept_rest(d1)
    p.add_annotation(d2, "钱钟书", "国籍", "中国", None, None)
    p.undo()  # the added triple is on the redo side
    p.record_run("retrain", {"base": "m@1"}, {"f1": 0.5})
    p.register_model("m", "2", "/models/m2")


def test_a_copy_there_and_back_is_the_same_project(tmp_path, pg_url, capsys) -> None:
    original, back = tmp_path / "a.kgs", tmp_path / "back.kgs"
    url = f"{pg_url}?project=copied"
    with Project.open(original, user="ann") as p:
        _worked_on(p, tmp_path)
        before = _dump(p)
    assert main(["project", "copy", str(original), url]) == 0
    assert "copied 2 documents, 3 triples, 1 links and 4 edits" in capsys.readouterr().out
    with Project.open(url, user="ann") as p:
        assert _dump(p) == before
    assert main(["project", "copy", url, str(back)]) == 0
    with Project.open(back, user="ann") as p:
        assert _dump(p) == before
        # The history goes on: redo brings back the added triple under its id.
        assert p.redo().description == "add 钱钟书 —国籍→ 中国"
        assert p.add_annotation(2, "a", "b", "c", None, None).id == 5  # never an old id
    with Project.open(url, user="ann") as p:
        assert p.redo().description == "add 钱钟书 —国籍→ 中国"
        assert p.add_annotation(2, "a", "b", "c", None, None).id == 5
        assert p.record_run("x", {}, {}) == 2 and p.count_documents() == 2


def test_copy_never_writes_onto_an_existing_project(tmp_path, pg_url, capsys) -> None:
    url = f"{pg_url}?project=taken"
    with Project.open(url) as p:
        p.import_sentences([])
    with Project.open(tmp_path / "a.kgs") as p:
        _worked_on(p, tmp_path)
    assert main(["project", "copy", str(tmp_path / "a.kgs"), url]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["project", "copy", str(tmp_path / "none.kgs"), f"{pg_url}?project=n"]) == 2
    assert "none.kgs: no such file" in capsys.readouterr().err
    with Project.open(url) as p:
        assert p.count_documents() == 0


def test_the_commands_take_a_server_project(tmp_path, pg_url, capsys) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", LINES)
    url = f"{pg_url}?project=cli"
    assert main(["project", "import", url, str(src)]) == 0
    assert "imported 2 documents into" in capsys.readouterr().out
    assert main(["project", "import", url, str(src)]) == 0  # both skipped as duplicates
    assert "skipped 2 sentences" in capsys.readouterr().err
    assert main(["project", "export", url, str(tmp_path / "out.jsonl"), "--clean"]) == 0
    out = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [len(x["spo_list"]) for x in out] == [2, 1]
    assert main(["project", "export", f"{pg_url}?project=nothing", str(tmp_path / "o.jsonl")]) == 2
    assert "no such project on the server" in capsys.readouterr().err
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "一"}\n{"text": 3}\n', encoding="utf-8")
    assert main(["project", "import", f"{pg_url}?project=failed", str(bad)]) == 2
    assert "bad.jsonl:2" in capsys.readouterr().err
    assert main(["project", "export", f"{pg_url}?project=failed", str(tmp_path / "o.jsonl")]) == 2


def test_passwords_are_never_shown(pg_server, capsys) -> None:
    url = f"postgresql://kgs:s3cret@127.0.0.1:{pg_server.port}/nodb?project=p"
    assert shown(url) == f"postgresql://kgs:***@127.0.0.1:{pg_server.port}/nodb?project=p"
    assert "s3cret" not in shown("postgresql://h/db?project=p&password=s3cret")
    kept = without_password("postgresql://kgs:s3cret@h/db?password=s3cret&project=p")
    assert kept == "postgresql://kgs@h/db?project=p"  # what the window keeps in its settings
    assert main(["project", "export", url, "/tmp/never.jsonl"]) == 2
    err = capsys.readouterr().err
    assert "cannot connect" in err and "s3cret" not in err and "kgs:***@" in err


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://h/db", r"expected one \?project=NAME"),
        ("postgresql://h/db?project=A-b", "must be lower-case"),
        ("postgresql://h/?project=a", "database's name"),
    ],
)
def test_a_url_naming_no_project_is_refused(url, message) -> None:
    with pytest.raises(BadInput, match=message):
        parse(url)


def test_predictions_written_on_a_server_round_trip(where, tmp_path) -> None:
    with Project.open(where()) as p:
        p.import_sentences([])
        from core.formats.duie import Sentence

        p.import_sentences([Sentence("甲是乙的作者", [])])
        doc = p.all_document_ids()[0]
        assert p.replace_predictions(doc, [Triple("甲", "作者", "乙", score=0.25)], "m@1") == 1
        p.export_file(tmp_path / "o.jsonl")
    (line,) = (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["spo_list"][0]["score"] == 0.25
