"""DuIE files: lossless round trips on the real data, and clear errors."""

from __future__ import annotations

import json

import pytest

from core.formats import (
    FormatError,
    Sentence,
    Span,
    Triple,
    read_schema,
    read_sentences,
    sentence_from_json,
    sentence_to_json,
    write_jsonl_atomic,
    write_sentences,
)


@pytest.mark.parametrize(
    "name", ["duie1/train_data.json", "duie2/train_data_5000.json", "duie2/duie_dev.json"]
)
def test_every_real_line_round_trips_exactly(shared_data, name) -> None:
    with open(shared_data / name, encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            again = sentence_to_json(sentence_from_json(obj))
            assert again == obj
            assert json.dumps(again, ensure_ascii=False) == json.dumps(obj, ensure_ascii=False)


def test_duie2_objects_read_as_strings_and_edits_are_written(shared_data) -> None:
    first = next(read_sentences(shared_data / "duie2" / "train_data_5000.json"))
    t = first.triples[0]
    assert isinstance(t.object, str) and isinstance(t.object_type, str)
    t.object = "改过的"
    out = sentence_to_json(first)["spo_list"][0]
    assert out["object"]["@value"] == "改过的"


def test_spans_and_scores_are_read_and_written() -> None:
    s = Sentence(
        "周杰伦唱了晴天",
        [
            Triple(
                "晴天", "歌手", "周杰伦", subject_span=Span(5, 7), object_span=Span(0, 3), score=0.9
            )
        ],
    )
    obj = sentence_to_json(s)
    assert obj["spo_list"][0]["subject_span"] == [5, 7]
    back = sentence_from_json(obj)
    assert back.triples[0].object_span == Span(0, 3) and back.triples[0].score == 0.9


def test_plain_text_lines_do_not_grow_an_spo_list(tmp_path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 7, "text": "你好"}\n', encoding="utf-8")
    (s,) = read_sentences(path)
    assert sentence_to_json(s) == {"id": 7, "text": "你好"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("[1, 2]", "expected a JSON object, got a list"),
        ('{"text": 5}', '"text" string'),
        ('{"text": "ab", "spo_list": {}}', '"spo_list": expected a list'),
        ('{"text": "ab", "spo_list": [{"subject": "a"}]}', "missing predicate, object"),
        (
            '{"text": "ab", "spo_list": [{"subject": "a", "predicate": "p", "object": 3}]}',
            "expected a string",
        ),
        (
            '{"text": "ab", "spo_list": [{"subject": "a", "predicate": "p", "object": "b", "object_span": [1, 9]}]}',
            "0 <= start < end <= 2",
        ),
        ('{"text": "ab", ', "expected a JSON object, column"),
    ],
)
def test_errors_name_the_file_the_line_and_what_was_expected(tmp_path, line, expected) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "好", "spo_list": []}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(FormatError) as err:
        list(read_sentences(path))
    assert str(err.value).startswith(f"{path}:3: ")
    assert expected in str(err.value)
    assert err.value.line == 3


def test_training_files_must_be_annotated(tmp_path) -> None:
    path = tmp_path / "plain.jsonl"
    path.write_text('{"text": "你好"}\n', encoding="utf-8")
    with pytest.raises(FormatError, match=r":1: expected an \"spo_list\""):
        list(read_sentences(path, require_triples=True))


def test_invalid_utf8_is_reported_with_its_line(tmp_path) -> None:
    path = tmp_path / "bytes.jsonl"
    path.write_bytes(b'{"text": "a"}\n{"text": "\xff"}\n')
    with pytest.raises(FormatError, match=r":2: expected UTF-8"):
        list(read_sentences(path))


def test_a_failed_write_leaves_the_old_file_intact(tmp_path) -> None:
    path = tmp_path / "out.jsonl"
    write_jsonl_atomic(path, [{"text": "旧的"}])

    def records():
        yield {"text": "新的"}
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_jsonl_atomic(path, records())
    assert path.read_text(encoding="utf-8") == '{"text": "旧的"}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]


def test_write_then_read_sentences(tmp_path) -> None:
    s = Sentence("甲乙", [Triple("甲", "p", "乙", "A", "B")], {"id": 1})
    assert write_sentences(tmp_path / "x.jsonl", [s]) == 1
    (back,) = read_sentences(tmp_path / "x.jsonl")
    assert back.triples[0].key() == ("甲", "p", "乙") and back.extra == {"id": 1}


def test_schemas_of_both_versions(shared_data) -> None:
    v1 = read_schema(shared_data / "duie1" / "all_50_schemas")
    assert len(v1.entries) == 50 and len(v1.predicates) == 49
    assert v1.types_for("成立日期")[1] == "Date"
    v2 = read_schema(shared_data / "duie2" / "duie_schema.json")
    assert len(v2.predicates) == 48
    assert all(isinstance(e.object_type, str) for e in v2.entries)


def test_a_schema_line_missing_a_field_is_reported(tmp_path) -> None:
    path = tmp_path / "schema.jsonl"
    path.write_text(
        '{"subject_type": "人物", "predicate": "妻子", "object_type": "人物"}\n{"predicate": "丈夫"}\n',
        encoding="utf-8",
    )
    with pytest.raises(FormatError, match=r"schema.jsonl:2: .*missing subject_type, object_type"):
        read_schema(path)
