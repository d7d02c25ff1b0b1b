"""Shared fixtures. Expensive ones (a built model) are session-scoped."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
RESOURCES = ROOT / "resources"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = ROOT.parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip("the shared data folder is not present")
    return path


@pytest.fixture(scope="session")
def bert_tokenizer():
    from core.encoder.tokenizer import Tokenizer

    return Tokenizer.from_file(RESOURCES / "bert_vocab" / "vocab.txt")
