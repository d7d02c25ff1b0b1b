"""Every sub-command against a table of bad inputs: exit code 2, one line on
stderr, no traceback, and no file changed, added or left behind (hashes of the
whole folder before and after). Broken model folders are refused before
TensorFlow is imported, so no case builds a network."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from cli.app import main
from tests.conftest import DATA, RESOURCES, write_jsonl

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "甲", "乙", "是", "的", "作", "者"]
CONFIG = {
    "hidden_size": 8,
    "num_hidden_layers": 1,
    "num_attention_heads": 1,
    "intermediate_size": 8,
    "hidden_act": "gelu",
    "max_position_embeddings": 16,
    "type_vocab_size": 2,
    "vocab_size": len(VOCAB),
}
META = {"task": "triples", "format_version": 1, "predicates": ["作者"], "schema": [], "maxlen": 16}
GOLD = [
    {
        "text": "甲是乙的作者",
        "spo_list": [
            {
                "subject": "乙",
                "subject_type": "图书作品",
                "predicate": "作者",
                "object": "甲",
                "object_type": "人物",
            }
        ],
    }
]
SCHEMA = [{"subject_type": "图书作品", "predicate": "作者", "object_type": "人物"}]
MENTION = {"kb_id": "1", "mention": "甲", "offset": "0"}
KB = [{"subject_id": "1", "subject": "甲", "alias": [], "type": ["人"], "data": []}]


def fake_model(folder: Path, meta: dict | None = None, config: dict | None = None) -> Path:
    """A model folder whose files are well formed but whose weights fit no
    network: enough for every check that runs before one is built."""
    import h5py

    folder.mkdir()
    (folder / "model.json").write_text(json.dumps(meta or META), encoding="utf-8")
    (folder / "bert_config.json").write_text(json.dumps(config or CONFIG), encoding="utf-8")
    (folder / "vocab.txt").write_text("".join(t + "\n" for t in VOCAB), encoding="utf-8")
    with h5py.File(folder / "weights.h5", "w") as f:
        f.create_dataset("layer/kernel", data=np.ones((64, 64), "float32"))
    return folder


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    t = tmp_path
    write_jsonl(t / "in.jsonl", [{"text": "甲是乙的作者"}])
    write_jsonl(t / "gold.jsonl", GOLD)
    write_jsonl(t / "schema.jsonl", SCHEMA)
    write_jsonl(t / "schema_extra.jsonl", [{**SCHEMA[0], "objct_type": "人物"}])
    write_jsonl(t / "kb.jsonl", KB)
    write_jsonl(t / "queries.jsonl", [{"text_id": "1", "text": "甲是乙的作者"}])
    linked = {"text_id": "1", "text": "甲是乙的作者"}
    write_jsonl(t / "linked.jsonl", [{**linked, "mention_data": [MENTION]}])
    write_jsonl(t / "no_id.jsonl", [{"text_id": "1", "text": "甲"}, {"text": "乙"}])
    (t / "empty.jsonl").write_bytes(b"")
    (t / "blank.txt").write_text("\n  \n", encoding="utf-8")
    (t / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (t / "latin1.txt").write_bytes("甲乙\n".encode() + b"caf\xe9\n")
    (t / "truncated.jsonl").write_text('{"text": "甲是', encoding="utf-8")
    (t / "wrong_type.jsonl").write_text('{"text": 5}\n', encoding="utf-8")
    (t / "list.jsonl").write_text("[1, 2]\n", encoding="utf-8")
    (t / "huge.jsonl").write_text('{"text": "' + "甲" * 2_000_000 + "\n", encoding="utf-8")
    (t / "corpus.txt").write_text("甲是乙的作者\n", encoding="utf-8")
    (t / "vocab.txt").write_text("".join(v + "\n" for v in VOCAB), encoding="utf-8")
    (t / "vocab_nospecial.txt").write_text("甲\n乙\n", encoding="utf-8")
    (t / "graph.net").write_text("*Vertices 2\n1 a\n2 b\n*Edges\n1 2\n", encoding="utf-8")
    (t / "truth.clu").write_text("*Vertices 2\n1 1\n2 1\n", encoding="utf-8")
    (t / "graph_bad.net").write_bytes(b"\x00\xff garbage\n")
    (t / "edges_empty.txt").write_bytes(b"")
    (t / "ro").mkdir()
    damaged = t / "ckpt_damaged"
    shutil.copytree(DATA / "tiny_ckpt", damaged)
    for part in damaged.glob("*.data-*"):
        part.write_bytes(b"not a checkpoint\n")
    (damaged / "bert_model.ckpt.index").write_bytes(b"garbage index\n" * 10)
    squad = {"context": "甲是乙的作者", "qas": [{"id": "1", "question": "谁是作者", "answers": []}]}
    squad["qas"][0]["answers"].append({"text": "甲", "answer_start": 0})
    (t / "squad.json").write_text(
        json.dumps({"data": [{"title": "t", "paragraphs": [squad]}]}, ensure_ascii=False),
        encoding="utf-8",
    )

    fake_model(t / "model")
    garbage = fake_model(t / "m_garbage")
    (garbage / "weights.h5").write_bytes(b"not an HDF5 file at all\n" * 100)
    cut = fake_model(t / "m_truncated")
    data = (cut / "weights.h5").read_bytes()
    (cut / "weights.h5").write_bytes(data[: len(data) // 2])
    tiny = fake_model(t / "m_tiny_cut")
    (tiny / "weights.h5").write_bytes((tiny / "weights.h5").read_bytes()[:100])
    (fake_model(t / "m_empty_weights") / "weights.h5").write_bytes(b"")
    fake_model(t / "m_maxlen", {**META, "maxlen": "abc"})
    fake_model(t / "m_maxlen0", {**META, "maxlen": 0})
    fake_model(t / "m_predicates", {**META, "predicates": "作者"})
    fake_model(t / "m_thresholds", {**META, "thresholds": {"subject_start": "high"}})
    fake_model(t / "m_config", config={**CONFIG, "hidden_size": "32"})
    mrc = {"task": "mrc", "format_version": 1, "method": "seq2seq"}
    fake_model(t / "m_penalty", {**mrc, "length_penalty": -1})
    (fake_model(t / "m_json") / "model.json").write_text('{"task": "triples",', encoding="utf-8")
    (fake_model(t / "m_utf8") / "model.json").write_bytes(b'{"name": "\xff"}')
    (fake_model(t / "m_vocab") / "vocab.txt").write_bytes(b"[PAD]\n\xff\xfe\n")
    (fake_model(t / "m_list") / "model.json").write_text("[1]", encoding="utf-8")
    (t / "m_missing").mkdir()

    with_project = t / "P.kgs"
    assert main(["project", "import", str(with_project), str(t / "gold.jsonl")]) == 0
    return {p.name.replace(".", "_"): str(p) for p in t.iterdir()} | {"tmp": str(t)}


CASES = {
    # outputs that are the user's own files
    "export over the project": "project export {P_kgs} {P_kgs}|is the project",
    "export over the project's lock": "project export {P_kgs} {P_kgs}.lock|part of the project",
    "link over the KB": "link --kb {kb_jsonl} --input {queries_jsonl} --output {kb_jsonl}"
    "|is the knowledge base",
    "link over its input": "link --kb {kb_jsonl} --input {queries_jsonl} --output "
    "{queries_jsonl}|is the input",
    "link into the model": "link --kb {kb_jsonl} --model {model} --input {queries_jsonl} "
    "--output {model}/o.jsonl|inside the model folder",
    "extract over its input": "extract --input {in_jsonl} --output {in_jsonl}|is the input",
    "extract into the model": "extract --model {model} --input {in_jsonl} --output "
    "{model}/out.jsonl|inside the model folder",
    "extract over the model": "extract --model {model} --input {in_jsonl} --output {model}"
    "|is the model folder",
    "cluster over its ground truth": "cluster --input {graph_net} --truth {truth_clu} "
    "--output {truth_clu}|is the ground truth",
    "import the project into itself": "project import {P_kgs} {P_kgs}|is the input",
    "train over the data": "train triples --train {gold_jsonl} --dev {gold_jsonl} --schema "
    "{schema_jsonl} --config small --out {gold_jsonl}|is the training data",
    "train into a folder holding the data": "train triples --train {gold_jsonl} --dev "
    "{gold_jsonl} --schema {schema_jsonl} --config small --out {tmp}|contains the training data",
    "train link over the KB": "train link --kb {kb_jsonl} --train {queries_jsonl} --dev "
    "{queries_jsonl} --config small --out {kb_jsonl}|is the knowledge base",
    "pretrain over the corpus": "pretrain mlm --corpus {corpus_txt} --vocab {vocab_txt} "
    "--out {corpus_txt}|is a corpus",
    "from-model over the model": "pretrain from-model --model {model} --out {model}"
    "|is the model folder",
    "train from a damaged checkpoint": "train mrc --method pointer --train {squad_json} --dev "
    "{squad_json} --base {ckpt_damaged} --passage-len 8 --question-len 4 --answer-len 2 "
    "--out {tmp}/m|not a readable TensorFlow checkpoint",
    # outputs that hold another model: a run replaces only its own output
    "train over another model": "train triples --train {gold_jsonl} --dev {gold_jsonl} --schema "
    "{schema_jsonl} --config small --out {m_garbage}|already holds files",
    "train mrc over another model": "train mrc --method pointer --train {squad_json} --dev "
    "{squad_json} --base {model} --out {m_garbage}|already holds files",
    "train link over another model": "train link --kb {kb_jsonl} --train {linked_jsonl} --dev "
    "{linked_jsonl} --config small --out {m_garbage}|already holds files",
    "pretrain over another model": "pretrain mlm --corpus {corpus_txt} --vocab {vocab_txt} "
    "--out {m_garbage}|already holds files",
    "from-model over another model": "pretrain from-model --model {model} --out {m_garbage}"
    "|already holds files",
    "screenshot over the graph": "screenshot --panel graph --graph {graph_net} --out "
    "{graph_net}|is the graph",
    # outputs in a folder that does not exist
    "extract to a missing folder": "extract --model {m_garbage} --input {in_jsonl} --output "
    "{tmp}/no/o.jsonl|no does not exist",
    "link to a missing folder": "link --kb {kb_jsonl} --input {queries_jsonl} --output "
    "{tmp}/no/o.jsonl|does not exist",
    "cluster to a missing folder": "cluster --input {graph_net} --output {tmp}/no/o.clu"
    "|does not exist",
    "import to a missing folder": "project import {tmp}/no/P.kgs {gold_jsonl}|does not exist",
    "export to a missing folder": "project export {P_kgs} {tmp}/no/o.jsonl|does not exist",
    "train to a missing folder": "train triples --train {gold_jsonl} --dev {gold_jsonl} "
    "--schema {schema_jsonl} --config small --out {tmp}/no/m|does not exist",
    "pretrain to a missing folder": "pretrain mlm --corpus {corpus_txt} --vocab {vocab_txt} "
    "--out {tmp}/no/m|does not exist",
    "export to a folder": "project export {P_kgs} {ro}|is a folder, expected a file",
    # broken model folders
    "garbage weights": "extract --model {m_garbage} --text 甲|weights.h5",
    "truncated weights": "extract --model {m_truncated} --text 甲|weights.h5",
    "weights cut to 100 bytes": "extract --model {m_tiny_cut} --text 甲|weights.h5",
    "empty weights": "extract --model {m_empty_weights} --text 甲|weights.h5",
    "maxlen abc": 'extract --model {m_maxlen} --text 甲|"maxlen"',
    "maxlen 0": 'extract --model {m_maxlen0} --text 甲|"maxlen"',
    "predicates a string": 'extract --model {m_predicates} --text 甲|"predicates"',
    "threshold a string": 'extract --model {m_thresholds} --text 甲|"thresholds.subject_start"',
    "bert_config hidden_size a string": 'extract --model {m_config} --text 甲|"hidden_size"',
    "model.json cut short": "extract --model {m_json} --text 甲|invalid JSON",
    "model.json not UTF-8": "extract --model {m_utf8} --text 甲|UTF-8",
    "model.json a list": "extract --model {m_list} --text 甲|expected a JSON object",
    "answerer with a negative length penalty": "ask --model {m_penalty} --question 甲 "
    '--context 乙|"length_penalty": expected a number of 0 or more',
    "model vocab not UTF-8": "extract --model {m_vocab} --text 甲|vocab.txt:2",
    "model folder empty": "extract --model {m_missing} --text 甲|missing model.json",
    "linker garbage weights": "link --kb {kb_jsonl} --model {m_garbage} --input "
    "{queries_jsonl} --output {tmp}/o.jsonl|weights.h5",
    "from-model garbage weights": "pretrain from-model --model {m_garbage} --out {tmp}/c"
    "|weights.h5",
    "tune garbage weights": "tune triples --model {m_garbage} --dev {gold_jsonl}|weights.h5",
    "evaluate garbage weights": "evaluate triples --gold {gold_jsonl} --model {m_garbage}"
    "|weights.h5",
    # numbers and options
    "batch size 0": "extract --text 甲 --batch-size 0|expected 1 or more",
    "batch size -3": "extract --text 甲 --batch-size -3|expected 1 or more",
    "batch size abc": "extract --text 甲 --batch-size abc|expected a whole number",
    "link batch size 0": "link --kb {kb_jsonl} --input {queries_jsonl} --output {tmp}/o.jsonl "
    "--batch-size 0|expected 1 or more",
    "nil threshold 2": "link --kb {kb_jsonl} --input {queries_jsonl} --output {tmp}/o.jsonl "
    "--nil-threshold 2|from 0 to 1",
    "train epochs 0": "train triples --train {gold_jsonl} --dev {gold_jsonl} --schema "
    "{schema_jsonl} --config small --out {tmp}/m --epochs 0|expected 1 or more",
    "train lr nan": "train triples --train {gold_jsonl} --dev {gold_jsonl} --schema "
    "{schema_jsonl} --config small --out {tmp}/m --lr nan|finite",
    "pretrain steps -1": "pretrain mlm --corpus {corpus_txt} --vocab {vocab_txt} --out "
    "{tmp}/m --steps -1|expected 1 or more",
    "screenshot size abc": "screenshot --out {tmp}/s.png --size abc|WIDTHxHEIGHT",
    "screenshot size 0x0": "screenshot --out {tmp}/s.png --size 0x0|WIDTHxHEIGHT",
    "cluster trials abc": "cluster --input {graph_net} --output {tmp}/o.clu --trials abc"
    "|invalid int",
    "unknown command": "frobnicate|invalid choice",
    # bad data files
    "extract empty input": "extract --input {empty_jsonl} --output {tmp}/o.jsonl|no texts",
    "extract binary input": "extract --input {binary_bin} --output {tmp}/o.jsonl|binary.bin:1",
    "extract truncated input": "extract --input {truncated_jsonl} --output {tmp}/o.jsonl"
    "|truncated.jsonl:1",
    "extract text a number": 'extract --input {wrong_type_jsonl} --output {tmp}/o.jsonl|"text"',
    "extract a list line": "extract --input {list_jsonl} --output {tmp}/o.jsonl|got a list",
    "extract a huge broken line": "extract --input {huge_jsonl} --output {tmp}/o.jsonl"
    "|huge.jsonl:1",
    "link empty KB": "link --kb {empty_jsonl} --input {queries_jsonl} --output {tmp}/o.jsonl"
    "|no entities",
    "link binary KB": "link --kb {binary_bin} --input {queries_jsonl} --output {tmp}/o.jsonl|binary.bin:1",
    "link query without text_id": "link --kb {kb_jsonl} --input {no_id_jsonl} --output "
    "{tmp}/o.jsonl|no_id.jsonl:2",
    "link empty queries": "link --kb {kb_jsonl} --input {empty_jsonl} --output {tmp}/o.jsonl"
    "|no queries",
    "pretrain empty corpus": "pretrain mlm --corpus {empty_jsonl} --vocab {vocab_txt} --out "
    "{tmp}/m|no text",
    "pretrain blank corpus": "pretrain mlm --corpus {blank_txt} --vocab {vocab_txt} --out "
    "{tmp}/m|no text",
    "pretrain corpus not UTF-8": "pretrain mlm --corpus {latin1_txt} --vocab {vocab_txt} "
    "--out {tmp}/m|latin1.txt:2",
    "pretrain binary corpus": "pretrain mlm --corpus {binary_bin} --vocab {vocab_txt} --out "
    "{tmp}/m|binary.bin:2",
    "pretrain binary vocab": "pretrain mlm --corpus {corpus_txt} --vocab {binary_bin} --out "
    "{tmp}/m|binary.bin",
    "pretrain vocab without specials": "pretrain mlm --corpus {corpus_txt} --vocab "
    "{vocab_nospecial_txt} --out {tmp}/m|special tokens",
    "train schema with unknown field": "train triples --train {gold_jsonl} --dev {gold_jsonl} "
    '--schema {schema_extra_jsonl} --config small --out {tmp}/m|unknown field "objct_type"',
    "train binary vocab": "train triples --train {gold_jsonl} --dev {gold_jsonl} --schema "
    "{schema_jsonl} --config small --vocab {binary_bin} --out {tmp}/m|binary.bin",
    "train binary data": "train triples --train {binary_bin} --dev {gold_jsonl} --schema "
    "{schema_jsonl} --config small --out {tmp}/m|binary.bin",
    "train empty data": "train triples --train {empty_jsonl} --dev {gold_jsonl} --schema "
    "{schema_jsonl} --config small --out {tmp}/m|empty.jsonl",
    "import a binary file into a new project": "project import {tmp}/new.kgs {binary_bin}|binary.bin:1",
    "import a truncated file into a new project": "project import {tmp}/new.kgs "
    "{truncated_jsonl}|truncated.jsonl:1",
    "import a truncated file into the project": "project import {P_kgs} {truncated_jsonl}"
    "|truncated.jsonl:1",
    "import into a file that is no project": "project import {gold_jsonl} {in_jsonl}"
    "|not a KG Studio project",
    "cluster binary graph": "cluster --input {graph_bad_net} --output {tmp}/o.clu|graph_bad",
    "cluster empty edge list": "cluster --input {edges_empty_txt} --output {tmp}/o.clu|edges_empty",
    # scoring and tuning the linker
    "evaluate link, truncated gold": "evaluate link --gold {truncated_jsonl} --pred "
    "{queries_jsonl}|truncated.jsonl:1",
    "evaluate link, binary predictions": "evaluate link --gold {linked_jsonl} --pred "
    "{binary_bin}|binary.bin",
    "evaluate link, model without a KB": "evaluate link --gold {linked_jsonl} --model {model}|--kb",
    "evaluate link, garbage weights": "evaluate link --gold {linked_jsonl} --model "
    "{m_garbage} --kb {kb_jsonl}|weights.h5",
    "tune link, empty KB": "tune link --model {model} --kb {empty_jsonl} --dev {linked_jsonl}"
    "|empty.jsonl",
    "tune link, missing dev": "tune link --model {model} --kb {kb_jsonl} --dev {tmp}/nope.jsonl"
    "|nope.jsonl",
    "tune triples, garbage weights": "tune triples --model {m_garbage} --dev {gold_jsonl}"
    "|weights.h5",
    "evaluate triples, bad source schema": "evaluate triples --gold {gold_jsonl} --pred "
    "{gold_jsonl} --source-schema duie2|NAME=SCHEMA_FILE",
    "demo with an argument": "demo --model {model}|unrecognized arguments",
}


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "folder"
        for p in sorted(folder.rglob("*"))
    }


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_is_one_line_exit_2_and_changes_nothing(case, files, tmp_path, capsys) -> None:
    template, expected = CASES[case].split("|")
    argv = [a.format(**files) for a in template.split()]
    capsys.readouterr()
    before = _snapshot(tmp_path)
    try:
        code = main(argv)
    except SystemExit as e:  # argparse
        code = e.code
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert expected in lines[0], lines[0]
    assert ".tmp" not in lines[0]  # the user's path, never a temporary one
    assert _snapshot(tmp_path) == before


def test_importing_the_same_file_twice_skips_what_is_there(files, capsys) -> None:
    from core.store import Project

    capsys.readouterr()
    assert main(["project", "import", files["P_kgs"], files["gold_jsonl"]]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "skipped 1 sentences already in" in err[0]
    with Project.open(files["P_kgs"], create=False) as project:
        assert project.count_documents() == 1
    args = ["project", "import", files["P_kgs"], files["gold_jsonl"], "--allow-duplicates"]
    assert main(args) == 0
    with Project.open(files["P_kgs"], create=False) as project:
        assert project.count_documents() == 2


def test_the_shipped_models_pass_the_folder_check() -> None:
    """No false alarm on folders that Keras wrote."""
    from core.modelcheck import check_model_folder

    for name in ("triples-demo", "linker-demo"):
        folder = RESOURCES / "models" / name
        if folder.is_dir():
            check_model_folder(folder)
