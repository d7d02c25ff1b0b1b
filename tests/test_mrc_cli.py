"""`train mrc`, `ask` and `evaluate mrc` end to end on the tiny TF1 BERT
checkpoint in tests/data (a Google-format folder with its MLM head), each
method trained for one epoch on a few English questions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli.app import main
from core.mrc.squad import Question, Reference, read_squad, write_squad

CONTEXTS = [
    "all work and no play makes jack a dull boy",
    "jack makes a dull boy and all play",
    "no work makes a boy dull and jack play",
]
ASKED = [("makes", "jack"), ("no", "play"), ("all", "work and"), ("dull", "boy")]
TINY = ["--passage-len", "6", "--question-len", "3", "--answer-len", "2", "--stride", "4"]


def _questions(with_answers: bool = True) -> list[Question]:
    out = []
    for c, context in enumerate(CONTEXTS):
        for k, (question, answer) in enumerate(ASKED):
            start = context.find(answer)
            if start < 0:
                continue
            refs = [Reference(answer, start)] if with_answers else []
            out.append(Question(f"q{c}-{k}", question, context, refs, f"article {c}"))
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("mrc")
    write_squad(folder / "train.json", _questions())
    write_squad(folder / "open.json", _questions(with_answers=False))
    return {"folder": folder, "train": folder / "train.json", "open": folder / "open.json"}


@pytest.fixture(scope="module", params=["mlm", "seq2seq", "pointer", "pointer-marks"])
def trained(request, files, data_dir) -> Path:
    out = files["folder"] / f"model-{request.param}"
    method, _, marks = request.param.partition("-")
    code = main(
        ["train", "mrc", "--method", method, "--train", str(files["train"])]
        + ["--dev", str(files["train"]), "--base", str(data_dir / "tiny_ckpt"), "--out", str(out)]
        + ["--epochs", "1", "--batch-size", "4", "--warmup", "1", *TINY]
        + (["--question-marks", "--fold-traditional", "--model-version", "2"] if marks else [])
    )
    assert code == 0
    return out


def _last_json(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_train_writes_a_model_folder_that_answers_with_exact_spans(trained, capsys):
    info = json.loads((trained / "model.json").read_text())
    assert info["task"] == "mrc" and info["method"] in trained.name
    assert info["training"]["epochs_trained"] == 1
    # the version its answers will carry as their origin (name@version)
    assert info["version"] == ("2" if "marks" in trained.name else "1")
    context = CONTEXTS[0]
    assert main(["ask", "--model", str(trained), "--question", "makes", "--context", context]) == 0
    answer = _last_json(capsys)
    assert answer["text"] and context[answer["start"] : answer["end"]] == answer["text"]
    assert 0 < answer["score"] <= 1


def test_question_marks_widen_the_segment_table_of_the_base(trained, data_dir):
    info = json.loads((trained / "model.json").read_text())
    config = json.loads((trained / "bert_config.json").read_text())
    base = json.loads((data_dir / "tiny_ckpt" / "bert_config.json").read_text())
    marked = trained.name.endswith("marks")
    assert info["question_marks"] is marked and info["fold_traditional"] is marked
    assert config["type_vocab_size"] == (4 if marked else base.get("type_vocab_size", 2))


def test_ask_a_file_without_answers_then_evaluate(trained, files, capsys):
    pred = files["folder"] / f"pred-{trained.name}.json"
    code = main(
        ["ask", "--model", str(trained), "--input", str(files["open"]), "--output", str(pred)]
    )
    assert code == 0
    answers = json.loads(pred.read_text(encoding="utf-8"))
    questions = read_squad(files["open"])
    assert set(answers) == {q.id for q in questions}
    for q in questions:
        assert answers[q.id] and answers[q.id] in q.context
    capsys.readouterr()
    assert main(["evaluate", "mrc", "--gold", str(files["train"]), "--pred", str(pred)]) == 0
    from_file = _last_json(capsys)
    assert set(from_file) == {"em", "f1", "n"} and from_file["n"] == len(questions)
    assert main(["evaluate", "mrc", "--gold", str(files["train"]), "--model", str(trained)]) == 0
    assert _last_json(capsys) == from_file  # the same answers, answered again


def test_gold_answers_score_one(files, capsys, tmp_path):
    gold = {q.id: q.answers[0].text for q in _questions()}
    (tmp_path / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    assert (
        main(
            [
                "evaluate",
                "mrc",
                "--gold",
                str(files["train"]),
                "--pred",
                str(tmp_path / "gold.json"),
            ]
        )
        == 0
    )
    assert _last_json(capsys) == {"em": 1.0, "f1": 1.0, "n": len(gold)}


def test_bad_input_is_one_line_exit_2_and_nothing_written(trained, files, tmp_path, capsys):
    out = tmp_path / "pred.json"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"data": [{"paragraphs": [{"context": "a", "qas": [{"id": 1}]}]}]}))
    assert main(["ask", "--model", str(trained), "--input", str(bad), "--output", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "data[0].paragraphs[0].qas[0].id: expected a string, got a number" in err
    assert not out.exists()
    assert (
        main(
            [
                "ask",
                "--model",
                str(trained),
                "--input",
                str(files["open"]),
                "--output",
                str(files["open"]),
            ]
        )
        == 2
    )
    assert read_squad(files["open"])  # the input is intact
    assert main(["ask", "--model", str(trained), "--question", "who"]) == 2
    assert "--question needs --context" in capsys.readouterr().err
    assert main(["ask", "--model", str(tmp_path), "--question", "a", "--context", "b"]) == 2
    assert "missing model.json" in capsys.readouterr().err
    assert main(["evaluate", "mrc", "--gold", str(files["open"]), "--model", str(trained)]) == 2
    assert "expected at least one answer" in capsys.readouterr().err


def test_ask_every_document_of_a_project(trained, tmp_path, capsys):
    from core.store.project import Project
    from tests.conftest import write_jsonl

    lines = [
        {
            "text": CONTEXTS[0],
            "spo_list": [
                {
                    "subject": "jack",
                    "subject_type": "person",
                    "predicate": "is",
                    "object": "a dull boy",
                    "object_type": "thing",
                }
            ],
        },
        {"text": CONTEXTS[1], "spo_list": []},
        {"text": "no play", "spo_list": []},
    ]
    path = tmp_path / "p.kgs"
    with Project.open(path) as p:
        p.import_file(write_jsonl(tmp_path / "in.jsonl", lines))
    args = ["ask", "--model", str(trained), "--project", str(path), "--template", "{subject} makes"]
    assert main([*args, "--type", "person", "--predicate", "does"]) == 0
    result = _last_json(capsys)
    assert (result["names"], result["documents"], result["questions"]) == (1, 2, 2)
    with Project.open(path, create=False) as p:
        docs = [p.document(d) for d in p.all_document_ids()]
    answers = [a for d in docs for a in d.annotations if a.predicate == "does"]
    assert len(answers) == result["triples"]
    for d in docs:
        for a in d.annotations:
            if a.predicate == "does":
                assert a.status == "predicted" and a.origin == result["origin"]
                assert d.text[a.object_span.start : a.object_span.end] == a.object
    assert main([*args, "--type", "person"]) == 2
    assert "--project needs --predicate" in capsys.readouterr().err
    assert main([*args[:-1], "what", "--type", "person", "--predicate", "x"]) == 2
    assert "no {subject}" in capsys.readouterr().err


def test_tune_chooses_settings_on_half_the_questions_and_writes_only_with_write(
    trained, files, tmp_path, capsys
):
    folder = tmp_path / "answerer"
    shutil.copytree(trained, folder)
    before = (folder / "model.json").read_text()
    args = ["tune", "mrc", "--model", str(folder), "--dev", str(files["train"])]
    assert main(args) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    grid, result = lines[:-1], lines[-1]
    strides = [row["stride"] for row in grid if "stride" in row]
    assert strides == [4, 3, 2]  # 3/4, 1/2, 1/4 of a 6-token window
    assert result["stride"] in {4, 3, 2}
    penalties = [row["length_penalty"] for row in grid if "length_penalty" in row]
    # the generating answerers also choose how answers of different lengths compare
    generating = "pointer" not in trained.name
    assert penalties == ([0.0, 0.5, 1.0, 1.5, 2.0] if generating else [])
    assert result["length_penalty"] in ({0.0, 0.5, 1.0, 1.5, 2.0} if generating else {0.0})
    assert result["choose_questions"] + result["report_questions"] == len(_questions())
    assert (folder / "model.json").read_text() == before
    assert main([*args, "--write"]) == 0
    written = json.loads((folder / "model.json").read_text())
    assert written["layout"]["stride"] == result["stride"]
    assert written["length_penalty"] == result["length_penalty"]
    capsys.readouterr()
    assert main(["tune", "mrc", "--model", str(folder), "--dev", str(files["open"])]) == 2
    assert "answer" in capsys.readouterr().err
