"""SQuAD v1.1-layout files: CMRC 2018 and DRCD records read as questions, a
bad record named by its JSON path, predictions written in the CMRC layout."""

from __future__ import annotations

import json

import pytest

from core.formats.errors import FormatError
from core.mrc.squad import read_predictions, read_squad, write_predictions, write_squad


def _file(tmp_path, obj, name="q.json"):
    path = tmp_path / name
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def _one(qas, context="甲乙丙丁"):
    return {
        "version": "v1",
        "data": [{"title": "t", "paragraphs": [{"context": context, "qas": qas}]}],
    }


def test_cmrc_and_drcd_samples_read_with_their_answers(data_dir):
    cmrc = read_squad(data_dir / "mrc" / "cmrc2018_trial_sample.json")
    drcd = read_squad(data_dir / "mrc" / "drcd_dev_sample.json")
    assert [q.id for q in cmrc] == ["TRIAL_800_QUERY_0", "TRIAL_800_QUERY_1", "TRIAL_800_QUERY_2"]
    assert cmrc[1].answer_texts() == ["4分钟"]
    assert drcd[0].answer_texts() == ["歐洲", "歐洲"]
    for q in cmrc + drcd:
        start, end = q.located_answer()
        assert q.context[start:end] in q.answer_texts()


def test_an_answer_at_a_wrong_offset_is_found_where_it_occurs(tmp_path):
    path = _file(
        tmp_path,
        _one([{"id": "a", "question": "?", "answers": [{"text": "丙丁", "answer_start": 0}]}]),
    )
    (q,) = read_squad(path)
    assert q.located_answer() == (2, 4)


@pytest.mark.parametrize(
    ("qa", "where"),
    [
        (
            {"id": "a", "question": "?", "answers": [{"text": "乙", "answer_start": "1"}]},
            "qas[0].answers[0].answer_start",
        ),
        ({"id": "a", "question": 5, "answers": []}, "qas[0].question"),
        ({"question": "?", "answers": []}, "qas[0].id"),
        ({"id": "a", "question": "?", "answers": [{"answer_start": 1}]}, "qas[0].answers[0].text"),
        ({"id": "a", "question": "?", "answers": {"text": "乙"}}, "qas[0].answers"),
    ],
)
def test_a_bad_record_is_named_by_its_json_path(tmp_path, qa, where):
    path = _file(tmp_path, _one([qa]))
    with pytest.raises(FormatError) as e:
        read_squad(path)
    assert str(e.value).startswith(f"{path}: data[0].paragraphs[0].{where}: expected")


def test_bad_files_name_what_is_wrong(tmp_path):
    with pytest.raises(FormatError, match=r"q.json:2: not valid JSON"):
        read_squad(
            _file(tmp_path, {}).with_name("q.json").write_text('{"data":\n[}')
            and tmp_path / "q.json"
        )
    with pytest.raises(FormatError, match=r"\(top level\): expected an object"):
        read_squad(_file(tmp_path, [1, 2]))
    with pytest.raises(
        FormatError, match=r"data\[0\]\.paragraphs\[0\]\.context: expected a string"
    ):
        read_squad(_file(tmp_path, {"data": [{"paragraphs": [{"qas": []}]}]}))
    twice = [{"id": "a", "question": "?", "answers": []}] * 2
    with pytest.raises(
        FormatError, match=r"qas\[1\]\.id: 'a' repeats data\[0\]\.paragraphs\[0\]\.qas\[0\]\.id"
    ):
        read_squad(_file(tmp_path, _one(twice)))


def test_questions_without_answers_are_read_unless_answers_are_required(tmp_path):
    path = _file(tmp_path, _one([{"id": "a", "question": "?", "answers": []}]))
    assert read_squad(path)[0].answers == []
    with pytest.raises(FormatError, match=r"qas\[0\]\.answers: expected at least one answer"):
        read_squad(path, require_answers=True)


def test_write_and_read_back(tmp_path, data_dir):
    questions = read_squad(data_dir / "mrc" / "drcd_dev_sample.json")
    write_squad(tmp_path / "out.json", questions)
    again = read_squad(tmp_path / "out.json")
    assert [(q.id, q.question, q.context, q.answers) for q in again] == [
        (q.id, q.question, q.context, q.answers) for q in questions
    ]
    write_predictions(tmp_path / "pred.json", {"a": "歐洲", "b": ""})
    assert read_predictions(tmp_path / "pred.json") == {"a": "歐洲", "b": ""}
    (tmp_path / "bad.json").write_text('{"a": 3}', encoding="utf-8")
    with pytest.raises(FormatError, match=r"bad.json: a: expected an answer string, got a number"):
        read_predictions(tmp_path / "bad.json")
