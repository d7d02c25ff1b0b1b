"""DuIE files: lossless round trips on the real data, and clear errors."""

from __future__ import annotations

import json
import os
import stat

import pytest

from core.formats import (
    FormatError,
    Sentence,
    Span,
    Triple,
    atomic_write_text,
    iter_jsonl,
    read_json_any,
    read_schema,
    read_sentences,
    sentence_from_json,
    sentence_to_json,
    write_jsonl_atomic,
    write_schema,
    write_sentences,
)
from core.formats.duie import Schema, SchemaEntry, locate, types_for
from tests.conftest import DATA, RESOURCES


@pytest.mark.parametrize(
    "path",
    [
        DATA / "duie1" / "train_data.json",
        DATA / "duie2" / "train_data_5000.json",
        DATA / "duie2" / "duie_dev.json",
        RESOURCES / "data" / "triples" / "dev.jsonl",
    ],
    ids=lambda path: path.name,
)
def test_every_real_line_round_trips_exactly(path) -> None:
    with open(path, encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            again = sentence_to_json(sentence_from_json(obj))
            assert again == obj
            assert json.dumps(again, ensure_ascii=False) == json.dumps(obj, ensure_ascii=False)


def test_duie2_objects_read_as_strings_and_edits_are_written(data_dir) -> None:
    first = next(read_sentences(data_dir / "duie2" / "train_data_5000.json"))
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
        ('{"text": "ab", ', "expected a JSON object, got invalid JSON at column 16"),
        (
            '{"text": "ab", "spo_list": [{"subject": "a", "predicate": "p", "object": {"v": "b"}}]}',
            'spo_list[0].object: expected a string or {"@value": string}, got an object without',
        ),
        ('{"text": "ab", "spo_list": [7]}', "spo_list[0]: expected an object, got a number"),
        ('{"spo_list": []}', 'expected an object with a "text" string, got nothing'),
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
    with pytest.raises(
        FormatError, match=r":2: expected UTF-8 text, got the byte 0xff at column 11"
    ):
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


def test_schemas_of_both_versions(data_dir) -> None:
    v1 = read_schema(data_dir / "duie1" / "all_50_schemas")
    assert len(v1.entries) == 50 and len(v1.predicates) == 49
    # The first of its two entries wins.
    assert v1.types_for("成立日期") == ("机构", "Date")
    with pytest.raises(KeyError):
        v1.types_for("不存在")
    v2 = read_schema(data_dir / "duie2" / "duie_schema.json")
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


def test_an_edited_duie1_triple_is_written_and_the_rest_is_unchanged(data_dir) -> None:
    with open(data_dir / "duie1" / "train_data.json", encoding="utf-8") as f:
        original = json.loads(f.readline())
    s = sentence_from_json(original)
    s.triples[0].object = "故宫博物院出版社"
    s.triples[0].subject_type = "图书作品"
    out = sentence_to_json(s)
    spo = out["spo_list"][0]
    assert spo["object"] == "故宫博物院出版社" and spo["subject_type"] == "图书作品"
    assert list(spo) == list(original["spo_list"][0])
    assert {k: v for k, v in out.items() if k != "spo_list"} == {
        k: v for k, v in original.items() if k != "spo_list"
    }


def test_an_edited_duie2_slot_object_keeps_its_slots_and_key_order() -> None:
    original = {
        "text": "张智尧在《楚留香新传》里饰演楚留香",
        "spo_list": [
            {
                "predicate": "饰演",
                "object_type": {"inWork": "影视作品", "@value": "人物"},
                "subject_type": "娱乐人物",
                "object": {"inWork": "楚留香新传", "@value": "楚留香"},
                "subject": "张智尧",
            }
        ],
    }
    s = sentence_from_json(original)
    assert s.triples[0].key() == ("张智尧", "饰演", "楚留香")
    s.triples[0].object = "香帅"
    obj = sentence_to_json(s)["spo_list"][0]["object"]
    assert list(obj.items()) == [("inWork", "楚留香新传"), ("@value", "香帅")]


def test_an_integer_score_stays_an_integer() -> None:
    obj = {
        "text": "甲乙",
        "spo_list": [{"subject": "甲", "predicate": "p", "object": "乙", "score": 1}],
    }
    assert json.dumps(sentence_to_json(sentence_from_json(obj))) == json.dumps(obj)


def test_a_byte_order_mark_and_blank_lines_are_tolerated(tmp_path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes('\ufeff{"text": "一"}\n\n  \n{"text": "二"}'.encode())
    assert [(n, obj["text"]) for n, obj in iter_jsonl(path)] == [(1, "一"), (4, "二")]


def test_json_arrays_and_json_lines_are_both_read_with_their_lines(tmp_path) -> None:
    array = tmp_path / "array.json"
    array.write_text('[\n  {"a": 1},\n  {\n    "a": 2\n  }\n]\n', encoding="utf-8")
    assert list(read_json_any(array)) == [(2, {"a": 1}), (3, {"a": 2})]
    lines = tmp_path / "lines.json"
    lines.write_text('{"a": 1}\n{"a": 2}\n', encoding="utf-8")
    assert list(read_json_any(lines)) == [(1, {"a": 1}), (2, {"a": 2})]
    empty = tmp_path / "empty.json"
    empty.write_text(" [ ] \n", encoding="utf-8")
    assert list(read_json_any(empty)) == []


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[\n  {"a": 1},\n  [2]\n]', r"bad.json:3: expected a JSON object, got a list"),
        ('[\n  {"a": 1}\n  {"a": 2}\n]', r'bad.json:3: expected "," or "\]" after an item, got'),
        ('[\n  {"a": 1},\n]', r"bad.json:3: expected a JSON object, got invalid JSON at column 1"),
        ('[\n  {"a": 1}\n]\n]', r"bad.json:4: expected nothing after the closing \]"),
        ('[\n  {"a": 1}', r"bad.json:2: .*got the end of the file"),
    ],
)
def test_errors_in_a_json_array_point_at_the_line(tmp_path, content, expected) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError, match=expected):
        list(read_json_any(path))


def test_a_schema_error_in_a_json_array_names_the_line_of_the_entry(tmp_path) -> None:
    path = tmp_path / "schema.json"
    path.write_text(
        '[\n  {"subject_type": "人物", "predicate": "妻子", "object_type": {"@value": "人物"}},\n'
        '  {\n    "subject_type": "人物",\n    "predicate": "丈夫",\n'
        '    "object_type": {"inWork": "作品"}\n  }\n]\n',
        encoding="utf-8",
    )
    with pytest.raises(FormatError) as err:
        read_schema(path)
    assert str(err.value).startswith(f"{path}:3: object_type: expected a string or")


def test_write_sentences_is_atomic_and_counts(tmp_path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_text("old\n", encoding="utf-8")

    def sentences():
        yield Sentence("甲", [])
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_sentences(path, sentences())
    assert path.read_text(encoding="utf-8") == "old\n"
    assert write_sentences(path, [Sentence("甲", []), Sentence("乙", [], has_spo_list=False)]) == 2
    assert path.read_text(encoding="utf-8") == ('{"text": "甲", "spo_list": []}\n{"text": "乙"}\n')


def test_atomic_write_keeps_the_permissions_of_the_file_it_replaces(tmp_path) -> None:
    path = tmp_path / "out.txt"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o640)
    with atomic_write_text(path) as f:
        f.write("new")
    assert path.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_schemas_are_written_back_as_they_were_read(data_dir, tmp_path) -> None:
    v1_path = data_dir / "duie1" / "all_50_schemas"
    write_schema(tmp_path / "v1.jsonl", read_schema(v1_path))
    assert (tmp_path / "v1.jsonl").read_bytes() == v1_path.read_bytes()

    v2_path = data_dir / "duie2" / "duie_schema.json"
    v2 = read_schema(v2_path)
    dubbing = next(e for e in v2.entries if e.predicate == "配音")
    assert dubbing.object_type == "人物" and dubbing.extra["object_type"]["inWork"] == "影视作品"
    write_schema(tmp_path / "v2.jsonl", v2)
    written = [obj for _, obj in iter_jsonl(tmp_path / "v2.jsonl")]
    assert json.dumps(written, ensure_ascii=False) == json.dumps(
        json.loads(v2_path.read_text(encoding="utf-8")), ensure_ascii=False
    )


def test_a_new_file_gets_the_usual_permissions(tmp_path) -> None:
    umask = os.umask(0o022)
    try:
        write_jsonl_atomic(tmp_path / "new.jsonl", [{"a": 1}])
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.jsonl").stat().st_mode) == 0o644


# -- where a string is, and what a schema says --------------------------------------------

SCHEMA = [
    {"subject_type": "歌曲", "predicate": "歌手", "object_type": "人物"},
    {"subject_type": "歌曲", "predicate": "所属专辑", "object_type": "音乐专辑"},
    {"subject_type": "人物", "predicate": "出生地", "object_type": "地点"},
]


def test_locate_takes_the_nearest_occurrence_and_the_earlier_of_two_as_near() -> None:
    text = "王菲甲乙王菲丙丁王菲"
    assert locate(text, "王菲") == Span(0, 2)
    assert locate(text, "王菲", near=Span(7, 9)) == Span(8, 10)
    assert locate(text, "王菲", near=Span(6, 8)) == Span(4, 6)  # 4 and 8 are as near
    assert locate(text, "王菲", near=Span(2, 4)) == Span(0, 2)
    assert locate(text, "周杰伦") is None and locate(text, "") is None


def test_locate_keeps_an_object_out_of_its_subject_unless_it_has_to() -> None:
    text = "南京市长江大桥，南京"
    subject = Span(0, 7)
    assert locate(text, "南京", near=subject, avoid=subject) == Span(8, 10)
    assert locate("南京市", "南京", near=Span(0, 3), avoid=Span(0, 3)) == Span(0, 2)


def test_types_for_reads_model_schemas_and_schema_files_alike() -> None:
    assert types_for(SCHEMA, "出生地") == ("人物", "地点")
    assert types_for(SCHEMA, "导演") == ("", "")
    schema = Schema([SchemaEntry(**entry) for entry in SCHEMA])
    assert schema.types_for("所属专辑") == ("歌曲", "音乐专辑")
    assert schema.as_dicts() == SCHEMA
    with pytest.raises(KeyError):
        schema.types_for("导演")
