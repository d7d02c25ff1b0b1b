"""The retrain dialog, driven with qtbot on a tiny project and model."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402

from tests.conftest import write_jsonl  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture
def dialog(qtbot, tmp_path, tiny_model_dir):
    from core.store import Project
    from gui.jobs import JobRunner
    from gui.retrain_dialog import RetrainDialog

    # 25 reviewed documents: 20 to train on (10 steps of 2), 5 held out.
    spo = {
        "subject": "甲",
        "subject_type": "图书作品",
        "predicate": "作者",
        "object": "乙",
        "object_type": "人物",
    }
    records = [
        {"text": f"甲是乙的作者{'。' * (i % 5)}", "spo_list": [spo], "reviewed": True}
        for i in range(25)
    ]
    project = Project.open(tmp_path / "p.kgs", create=True)
    project.import_file(write_jsonl(tmp_path / "reviewed.jsonl", records))
    runner = JobRunner()
    d = RetrainDialog(runner, project, tiny_model_dir, tmp_path / "models")
    qtbot.addWidget(d)
    d.epochs.setValue(1)
    d.batch_size.setValue(2)
    d.show()
    yield d
    runner.shutdown()
    project.close()


def test_retraining_shows_progress_and_loss_and_saves_a_new_version(
    dialog, qtbot, tmp_path
) -> None:
    saved = []
    dialog.model_saved.connect(saved.append)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert not dialog.start_button.isEnabled() and dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: bool(saved), timeout=120000)
    folder = tmp_path / "models" / "triples-v2"
    assert saved == [str(folder)]
    assert dialog.steps and dialog.steps[0] == 10 and dialog.losses[0] > 0  # the loss curve
    assert dialog.progress.maximum() == 10 and dialog.progress.value() > 0
    assert "epoch 1/1" in dialog.status.text()
    assert "before" in dialog.result.text() and "after" in dialog.result.text()
    meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    assert meta["version"] == "2"
    assert [(m["name"], m["version"]) for m in dialog.project.models()] == [(meta["name"], "2")]
    assert [r["kind"] for r in dialog.project.runs()] == ["retrain"]
    qtbot.waitUntil(dialog.start_button.isEnabled)


def test_cancel_stops_the_training_and_saves_nothing(dialog, qtbot, tmp_path) -> None:
    def cancel_once_training(owner, done, total, message, eta) -> None:
        if "epoch" in message and dialog.cancel_button.isEnabled():
            qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    dialog.runner.job_progress.connect(cancel_once_training)
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Cancelled" in dialog.result.text(), timeout=120000)
    qtbot.waitUntil(dialog.start_button.isEnabled)
    assert not (tmp_path / "models" / "triples-v2").exists()
    assert dialog.project.models() == [] and dialog.project.runs() == []
