"""The command line: results on stdout, one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli.app import main
from tests.conftest import write_jsonl

ROOT = Path(__file__).resolve().parents[1]
GOLD = [
    {
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
    {
        "text": "《英雄》由张艺谋导演",
        "spo_list": [
            {
                "subject": "英雄",
                "predicate": "导演",
                "object": "张艺谋",
                "subject_type": "影视作品",
                "object_type": "人物",
            }
        ],
    },
]


def test_extract_writes_input_fields_plus_spo_list_with_exact_spans(
    tiny_model_dir, tmp_path, capsys
) -> None:
    src = write_jsonl(
        tmp_path / "in.jsonl",
        [{"id": "a1", "text": "Ｈello　甲乙😀丙丁"}, {"id": "a2", "text": "甲"}],
    )
    out = tmp_path / "out.jsonl"
    assert (
        main(["extract", "--model", str(tiny_model_dir), "--input", str(src), "--output", str(out)])
        == 0
    )
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == ["a1", "a2"]
    assert lines[0]["spo_list"]
    for line in lines:
        for spo in line["spo_list"]:
            s0, s1 = spo["subject_span"]
            o0, o1 = spo["object_span"]
            assert line["text"][s0:s1] == spo["subject"] and line["text"][o0:o1] == spo["object"]
            assert set(spo) == {
                "subject",
                "subject_type",
                "predicate",
                "object",
                "object_type",
                "subject_span",
                "object_span",
                "score",
            }


def test_evaluate_prints_scores_as_the_last_json_line(tmp_path, capsys) -> None:
    gold = write_jsonl(tmp_path / "gold.jsonl", GOLD)
    pred = [dict(GOLD[0]), {"text": GOLD[1]["text"], "spo_list": []}]
    pred_file = write_jsonl(tmp_path / "pred.jsonl", pred)
    assert (
        main(
            ["evaluate", "triples", "--gold", str(gold), "--pred", str(pred_file), "--by-predicate"]
        )
        == 0
    )
    out = capsys.readouterr().out.strip().splitlines()
    scores = json.loads(out[-1])
    assert scores == {
        "precision": 1.0,
        "recall": 0.5,
        "f1": 0.6667,
        "n_gold": 2,
        "n_pred": 1,
        "n_correct": 1,
    }
    assert any(line.startswith("导演") for line in out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["extract", "--model", "/no/such/model", "--text", "x"], "/no/such/model: not a folder"),
        (
            ["extract", "--input", "/no/such.jsonl", "--output", "o.jsonl"],
            "/no/such.jsonl: no such file",
        ),
        (["extract", "--input", "{in}", "--text", "x"], "not allowed with argument"),
        (
            ["extract", "--input", "{bad}", "--output", "{tmp}/o.jsonl"],
            "bad.jsonl:2: expected a JSON object",
        ),
        (["extract", "--input", "{in}"], "--input needs --output"),
        (["evaluate", "triples", "--gold", "{gold}", "--pred", "{short}"], "1 sentences, but"),
        (
            [
                "train",
                "triples",
                "--train",
                "{gold}",
                "--dev",
                "{gold}",
                "--schema",
                "{bad}",
                "--config",
                "small",
                "--out",
                "{tmp}/m",
            ],
            "bad.jsonl:1: expected subject_type",
        ),
    ],
)
def test_bad_input_gives_one_line_and_exit_code_2(tmp_path, capsys, args, message) -> None:
    files = {
        "in": str(write_jsonl(tmp_path / "in.jsonl", [{"text": "你好"}])),
        "gold": str(write_jsonl(tmp_path / "gold.jsonl", GOLD)),
        "short": str(write_jsonl(tmp_path / "short.jsonl", GOLD[:1])),
        "tmp": str(tmp_path),
    }
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "好"}\n{"text": \n', encoding="utf-8")
    files["bad"] = str(bad)
    args = [a.format(**files) for a in args]
    try:
        code = main(args)
    except SystemExit as e:  # argparse usage errors
        code = e.code
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_the_real_entry_point_prints_no_traceback(tmp_path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "extract",
            "--model",
            str(tmp_path / "none"),
            "--text",
            "你好",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"kgstudio: error: {tmp_path / 'none'}: not a folder (expected a KG Studio model folder)"
    ]
