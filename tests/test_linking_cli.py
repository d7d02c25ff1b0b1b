"""`link` and `evaluate link` from the command line (the dictionary baseline:
no TensorFlow needed)."""

from __future__ import annotations

import json

from cli.app import main
from core.linking.queries import read_queries
from tests.conftest import RESOURCES, write_jsonl

LINKING = RESOURCES / "data" / "linking"


def _kb(tmp_path):
    rows = [
        {
            "subject_id": "1",
            "subject": "张三的歌",
            "alias": [],
            "type": ["CreativeWork"],
            "data": [{"predicate": "摘要", "object": "《张三的歌》是一首经典老歌。"}],
        },
        {
            "subject_id": "2",
            "subject": "齐秦",
            "alias": ["小齐"],
            "type": ["Human"],
            "data": [{"predicate": "摘要", "object": "齐秦，台湾歌手。"}],
        },
    ]
    return write_jsonl(tmp_path / "kb_data", rows)


def test_link_writes_ccks_mentions_with_scores_and_candidates(tmp_path, capsys) -> None:
    kb = _kb(tmp_path)
    src = write_jsonl(tmp_path / "in.jsonl", [{"text_id": "q1", "text": "齐秦唱过《张三的歌》"}])
    out = tmp_path / "out.jsonl"
    assert main(["link", "--kb", str(kb), "--input", str(src), "--output", str(out)]) == 0
    line = json.loads(out.read_text(encoding="utf-8"))
    assert line["text_id"] == "q1"
    assert [(m["mention"], m["offset"], m["kb_id"]) for m in line["mention_data"]] == [
        ("齐秦", "0", "2"),
        ("张三的歌", "5", "1"),
    ]
    assert line["mention_data"][0]["candidates"] == [{"kb_id": "2", "score": 1.0}]
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["queries"] == 1 and summary["mentions"] == 2
    # The alias index is cached by the KB's content, never beside the KB.
    from core.linking.candidates import index_path_for

    assert index_path_for(kb).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "kb_data", "out.jsonl"]


def test_evaluate_link_prints_one_json_summary(tmp_path, capsys) -> None:
    pred = tmp_path / "pred.jsonl"
    main(
        [
            "link",
            "--kb",
            str(LINKING / "kb_test.jsonl"),
            "--input",
            str(LINKING / "test.jsonl"),
            "--output",
            str(pred),
        ]
    )
    capsys.readouterr()
    assert (
        main(["evaluate", "link", "--gold", str(LINKING / "test.jsonl"), "--pred", str(pred)]) == 0
    )
    scores = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(scores) >= {"precision", "recall", "f1", "nil_accuracy"}
    # Every gold mention is an alias match, so the dictionary finds them all,
    # but it links each shared name to the same one of its entities, and it
    # never says NIL.
    assert scores["mention_f1"] < 1.0 and 0.5 < scores["recall"] < 0.9
    assert scores["nil_accuracy"] == 0.0
    assert 0.5 < scores["precision"] < 1.0
    assert len(list(read_queries(pred))) == len(list(read_queries(LINKING / "test.jsonl")))


def test_bad_input_gives_the_line_and_exit_code_2(tmp_path, capsys) -> None:
    kb = _kb(tmp_path)
    src = tmp_path / "in.jsonl"
    src.write_text('{"text_id": "1", "text": "齐秦"}\n{"text_id": 2}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    out.write_text("keep me\n")
    assert main(["link", "--kb", str(kb), "--input", str(src), "--output", str(out)]) == 2
    assert 'in.jsonl:2: expected a "text" string' in capsys.readouterr().err
    assert out.read_text() == "keep me\n"
    bad_kb = write_jsonl(
        tmp_path / "bad_kb", [{"subject_id": "1", "subject": "甲"}, {"subject": "乙"}]
    )
    src.write_text('{"text_id": "1", "text": "齐秦"}\n', encoding="utf-8")
    assert main(["link", "--kb", str(bad_kb), "--input", str(src), "--output", str(out)]) == 2
    assert 'bad_kb:2: expected a non-empty "subject_id"' in capsys.readouterr().err
    assert out.read_text() == "keep me\n"
