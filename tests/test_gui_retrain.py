"""The retrain dialog, driven with qtbot on a tiny project and model."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import Qt  # noqa: E402

from tests.conftest import write_jsonl  # noqa: E402

pytestmark = pytest.mark.gui


ROOT = Path(__file__).resolve().parents[1]


def reviewed_records() -> list[dict]:
    # 25 reviewed documents: 20 to train on (10 steps of 2), 5 held out.
    spo = {
        "subject": "甲",
        "subject_type": "图书作品",
        "predicate": "作者",
        "object": "乙",
        "object_type": "人物",
    }
    return [
        {"text": f"甲是乙的作者{'。' * (i % 5)}", "spo_list": [spo], "reviewed": True}
        for i in range(25)
    ]


@pytest.fixture
def dialog(qtbot, tmp_path, tiny_model_dir):
    from core.store import Project
    from gui.jobs import JobRunner
    from gui.retrain_dialog import RetrainDialog

    project = Project.open(tmp_path / "p.kgs", create=True)
    project.import_file(write_jsonl(tmp_path / "reviewed.jsonl", reviewed_records()))
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


def test_retraining_never_imports_tensorflow_into_the_window_process(
    tmp_path, tiny_model_dir
) -> None:
    # In a fresh interpreter: this test process imported TensorFlow to build the model.
    records = write_jsonl(tmp_path / "reviewed.jsonl", reviewed_records())
    code = textwrap.dedent(
        """
        import os, sys, time
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from pathlib import Path
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        from core.store import Project
        from gui.jobs import JobRunner
        from gui.retrain_dialog import RetrainDialog

        app = QApplication([])
        records, model_dir, tmp = map(Path, sys.argv[1:4])
        project = Project.open(tmp / "p.kgs", create=True)
        project.import_file(records)
        runner = JobRunner()
        dialog = RetrainDialog(runner, project, model_dir, tmp / "models")
        dialog.epochs.setValue(1)
        dialog.batch_size.setValue(2)
        saved = []
        dialog.model_saved.connect(saved.append)
        dialog.show()
        dialog.start()
        deadline = time.monotonic() + 120
        while not saved and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        assert saved, dialog.result.text()
        assert dialog.losses and "after" in dialog.result.text()
        assert [m["version"] for m in project.models()] == ["2"]
        assert "tensorflow" not in sys.modules, "tensorflow imported"
        runner.shutdown()
        project.close()
        print("ok")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(records), str(tiny_model_dir), str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.stdout.strip() == "ok", out.stderr
