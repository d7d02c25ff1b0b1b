"""Retraining on reviewed documents makes a new model version."""

from __future__ import annotations

import json

from core.formats.duie import Sentence, Span, Triple
from core.triples.model import TripleModel
from core.triples.retrain import retrain_on_reviewed, split_reviewed
from core.triples.training import TrainSettings


def test_split_holds_out_every_fifth_document() -> None:
    docs = [Sentence(str(i)) for i in range(10)]
    train, dev = split_reviewed(docs)
    assert [s.text for s in dev] == ["4", "9"] and len(train) == 8


def test_retraining_saves_a_new_version_and_reports_f1_before_and_after(
    tiny_model_dir, tmp_path
) -> None:
    reviewed = [
        Sentence(
            f"甲是乙的作者{'。' * i}",
            [Triple("甲", "作者", "乙", subject_span=Span(0, 1), object_span=Span(2, 3))],
        )
        for i in range(6)
    ]
    losses = []
    from core.runtime.jobs import JobContext

    result = retrain_on_reviewed(
        tiny_model_dir,
        reviewed,
        tmp_path / "models",
        TrainSettings(epochs=2, batch_size=2, learning_rate=1e-3, warmup_steps=1),
        JobContext(on_partial=losses.append),
    )
    assert (
        result["version"] == "2" and result["train_documents"] == 5 and result["dev_documents"] == 1
    )
    assert set(result["before"]) >= {"precision", "recall", "f1"}
    folder = tmp_path / "models" / "triples-v2"
    assert result["out"] == str(folder)
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    assert meta["version"] == "2" and meta["training"]["reviewed_documents"] == 6
    assert TripleModel.load(folder).info.version == "2"
    assert not (tmp_path / "models" / "triples-v2.state").exists()
