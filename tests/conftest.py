"""Shared fixtures. Expensive ones (a built model) are session-scoped."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest_plugins = ["tests.store_engines"]

ROOT = Path(__file__).resolve().parents[1]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    """A JSON-lines file of ``records`` (UTF-8, Chinese kept readable)."""
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


RESOURCES = ROOT / "resources"
DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory) -> Path:
    """Indexes cached by the tests go to a folder of their own (child
    processes inherit it), never to the user's cache."""
    folder = tmp_path_factory.mktemp("cache")
    os.environ["KGSTUDIO_CACHE_DIR"] = str(folder)
    return folder


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Small pieces of public data sets, kept with the tests (tests/data/SOURCES.md)."""
    return DATA


@pytest.fixture(scope="session")
def bert_tokenizer():
    from core.encoder.tokenizer import Tokenizer

    return Tokenizer.from_file(RESOURCES / "bert_vocab" / "vocab.txt")


TINY = {
    "hidden_size": 32,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0,
    "max_position_embeddings": 64,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
}
TEXTS = ["甲是乙的作者。丙丁戊己庚辛壬癸", "Hello 世界，甲和乙 2019年😀"]


@pytest.fixture(scope="session")
def tiny_model(bert_tokenizer):
    from core.compat import set_seed
    from core.encoder.tokenizer import Tokenizer, cut_vocabulary
    from core.triples.decode import Thresholds
    from core.triples.model import TripleModel, TripleModelInfo

    set_seed(1)
    vocab, _ = cut_vocabulary(bert_tokenizer, TEXTS + ["子丑寅卯辰巳午未申酉戌亥"])
    info = TripleModelInfo(
        predicates=["作者", "导演", "主演"],
        schema=[
            {"subject_type": "图书作品", "predicate": "作者", "object_type": "人物"},
            {"subject_type": "影视作品", "predicate": "导演", "object_type": "人物"},
            {"subject_type": "影视作品", "predicate": "主演", "object_type": "人物"},
        ],
        maxlen=16,
        # Low thresholds so that an untrained network still predicts something.
        thresholds=Thresholds(0.2, 0.2, 0.05, 0.05),
    )
    return TripleModel.create(info, TINY, Tokenizer(vocab))


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_model, tmp_path_factory) -> Path:
    return tiny_model.save(tmp_path_factory.mktemp("models") / "tiny")
