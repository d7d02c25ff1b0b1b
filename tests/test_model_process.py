"""Models served by a child process give the same triples as in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.runtime.jobs import Cancelled, JobContext
from core.triples.model import TripleModel
from core.triples.model_process import ModelProcess
from tests.conftest import TEXTS


def test_child_process_predictions_equal_in_process_ones(tiny_model, tiny_model_dir) -> None:
    parts = []
    models = ModelProcess()
    try:
        origin, n = models.predict_documents(
            tiny_model_dir,
            list(enumerate(TEXTS)),
            JobContext(on_partial=parts.append),
            batch_size=1,
        )
        with pytest.raises(RuntimeError, match="not a folder"):
            models.predict_documents(tiny_model_dir / "missing", [(0, "x")])
        # the process survives a failed request
        assert models.predict_documents(tiny_model_dir, [(5, TEXTS[0])])[1] == 1
    finally:
        models.close()
    assert n == len(TEXTS) and origin == f"{tiny_model.info.name}@{tiny_model.info.version}"
    got = {doc: [t.key() for t in ts] for _, batch in parts for doc, ts in batch}
    expected = {i: [t.key() for t in ts] for i, ts in enumerate(tiny_model.extract(TEXTS))}
    assert got == expected


def _reviewed(n: int) -> list:
    from core.formats.duie import Sentence, Span, Triple

    return [
        Sentence(
            f"甲是乙的作者{'。' * i}",
            [Triple("甲", "作者", "乙", subject_span=Span(0, 1), object_span=Span(2, 3))],
        )
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def models():
    process = ModelProcess()
    yield process
    process.close()


def test_retraining_in_the_child_streams_loss_points_and_saves_a_new_version(
    models, tiny_model_dir, tmp_path
) -> None:
    from core.triples.training import TrainSettings

    progress, losses = [], []
    # 12 reviewed documents: 10 to train on in 5 steps of 2 per epoch, 2 held out.
    result = models.retrain(
        tiny_model_dir,
        _reviewed(12),
        tmp_path / "models",
        TrainSettings(epochs=2, batch_size=2, learning_rate=1e-3, warmup_steps=1),
        JobContext(lambda d, t, m: progress.append((d, t, m)), losses.append),
    )
    folder = tmp_path / "models" / "triples-v2"
    assert result["out"] == str(folder) and result["version"] == "2"
    assert result["train_documents"] == 10 and result["dev_documents"] == 2
    assert {"precision", "recall", "f1"} <= set(result["before"]) & set(result["after"])
    assert [e["epoch"] for e in result["history"]] == [1, 2]
    assert len(losses) == 1 and losses[0]["step"] == 10 and losses[0]["loss"] > 0
    assert progress[-1][:2] == (9, 10) and "epoch 2/2" in progress[-1][2]
    assert (folder / "model.json").is_file()
    # the core job's errors arrive as readable messages
    with pytest.raises(RuntimeError, match="review at least 5"):
        models.retrain(tiny_model_dir, _reviewed(3), tmp_path / "models")


def test_cancelling_a_retraining_stops_it_and_saves_nothing(
    models, tiny_model_dir, tmp_path
) -> None:
    from core.triples.training import TrainSettings

    seen = []

    def on_progress(done: int, total: int, message: str) -> None:
        seen.append(done)
        if "epoch" in message and done >= 2:
            ctx.cancel()

    ctx = JobContext(on_progress)
    models.predict_documents(tiny_model_dir, [(0, TEXTS[0])])
    pid = models.pid
    with pytest.raises(Cancelled):
        models.retrain(
            tiny_model_dir,
            _reviewed(12),
            tmp_path / "models",
            TrainSettings(epochs=50, batch_size=2, learning_rate=1e-3, warmup_steps=1),
            ctx,
        )
    assert max(seen) < 10  # stopped within the first epochs of 250 steps
    # the child noticed the cancel between steps: it was not stopped by force
    assert models.pid == pid
    assert not (tmp_path / "models" / "triples-v2").exists()
    # the process serves the next request (the cancel does not linger)
    assert models.predict_documents(tiny_model_dir, [(0, TEXTS[0])])[1] == 1


def test_cancel_stops_the_child_inside_one_large_document(models, tiny_model_dir) -> None:
    """Cancel is honoured between the model's batches, not only between
    documents: a huge document is abandoned within moments, nothing of it is
    delivered, and the child itself stopped and answers the next request."""
    import threading
    import time

    parts: list = []
    ctx = JobContext(on_partial=parts.append)
    models.predict_documents(tiny_model_dir, [(0, TEXTS[0])])  # model loaded
    pid = models.pid
    cancelled_at: list[float] = []

    def cancel() -> None:
        cancelled_at.append(time.monotonic())
        ctx.cancel()

    threading.Timer(1.0, cancel).start()
    with pytest.raises(Cancelled):
        models.predict_documents(tiny_model_dir, [(1, "甲是乙的作者。" * 200_000)], ctx)
    # The whole document takes far longer; a few seconds leave room for a busy machine.
    assert time.monotonic() - cancelled_at[0] < 5.0
    assert parts == []
    assert models.pid == pid
    assert models.predict_documents(tiny_model_dir, [(2, TEXTS[1])])[1] == 1


def _triples(parts: list) -> dict[int, list]:
    return {doc: [t.key() for t in ts] for _, batch in parts for doc, ts in batch}


def test_thresholds_travel_with_the_request(models, tiny_model, tiny_model_dir) -> None:
    from core.triples.decode import Thresholds

    strict = {"subject_start": 0.5, "subject_end": 0.5, "object_start": 0.3, "object_end": 0.3}
    parts: list = []
    documents = list(enumerate(TEXTS))
    ctx = JobContext(on_partial=parts.append)
    models.predict_documents(tiny_model_dir, documents, ctx, thresholds=strict)
    expected = tiny_model.extract(TEXTS, thresholds=Thresholds.from_dict(strict))
    assert _triples(parts) == {i: [t.key() for t in ts] for i, ts in enumerate(expected)}
    own = tiny_model.extract(TEXTS)
    assert [len(ts) for ts in expected] != [len(ts) for ts in own]  # they made a difference
    parts.clear()
    models.predict_documents(tiny_model_dir, documents, JobContext(on_partial=parts.append))
    assert _triples(parts) == {i: [t.key() for t in ts] for i, ts in enumerate(own)}


def test_a_running_child_sees_thresholds_written_into_the_folder(
    models, tiny_model, tiny_model_dir, tmp_path
) -> None:
    """What ``tune --write`` does: model.json rewritten, weights untouched."""
    import json
    import shutil

    folder = Path(shutil.copytree(tiny_model_dir, tmp_path / "tiny"))
    documents = list(enumerate(TEXTS))
    before: list = []
    models.predict_documents(folder, documents, JobContext(on_partial=before.append))
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    meta["thresholds"] = {
        "subject_start": 0.5,
        "subject_end": 0.5,
        "object_start": 0.3,
        "object_end": 0.3,
    }
    (folder / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    after: list = []
    origin, _ = models.predict_documents(folder, documents, JobContext(on_partial=after.append))
    expected = TripleModel.load(folder).extract(TEXTS)
    assert _triples(after) == {i: [t.key() for t in ts] for i, ts in enumerate(expected)}
    assert _triples(after) != _triples(before)
    assert origin == f"{tiny_model.info.name}@{tiny_model.info.version}"
