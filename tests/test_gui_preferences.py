"""Preferences persist in QSettings and take effect at once."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

pytestmark = pytest.mark.gui


def make_window(qtbot, settings_file, model_dir):
    from gui.main_window import MainWindow

    w = MainWindow(QSettings(str(settings_file), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.set_model_dir(model_dir)
    return w


def test_preferences_take_effect_and_survive_a_restart(qtbot, tmp_path, tiny_model_dir) -> None:
    from gui.preferences import PreferencesDialog

    settings_file = tmp_path / "settings.ini"
    w = make_window(qtbot, settings_file, tiny_model_dir)
    assert w.triples.thresholds is None  # the model's own until a person changes them
    own = json.loads((tiny_model_dir / "model.json").read_text(encoding="utf-8"))["thresholds"]

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, PreferencesDialog)
        assert dialog.threshold_boxes["subject_start"].value() == pytest.approx(
            own["subject_start"]
        )
        dialog.threshold_boxes["subject_start"].setValue(0.45)
        dialog.threshold_boxes["object_end"].setValue(0.35)
        dialog.batch_size.setValue(16)
        dialog.low_score.setValue(0.55)
        dialog.model_folder.setText(str(tiny_model_dir))
        dialog._accept()

    QTimer.singleShot(50, fill)
    w.preferences_dialog()
    # in effect at once
    assert w.triples.batch_size == 16 and w.triples.low_score == pytest.approx(0.55)
    assert w.triples.thresholds["subject_start"] == pytest.approx(0.45)
    assert w.triples.thresholds["object_end"] == pytest.approx(0.35)
    w.close()

    again = make_window(qtbot, settings_file, tiny_model_dir)
    p = again.preferences
    assert (p.batch_size, p.low_score, p.model_folder) == (
        16,
        pytest.approx(0.55),
        str(tiny_model_dir),
    )
    assert again.triples.batch_size == 16 and again.triples.low_score == pytest.approx(0.55)
    assert again.triples.thresholds == {
        "subject_start": pytest.approx(0.45),
        "subject_end": pytest.approx(own["subject_end"]),
        "object_start": pytest.approx(own["object_start"]),
        "object_end": pytest.approx(0.35),
    }
    again.close()


def test_the_low_score_filter_uses_the_cut_off(qtbot, tmp_path, tiny_model_dir) -> None:
    from gui.preferences import Preferences
    from tests.conftest import write_jsonl

    w = make_window(qtbot, tmp_path / "settings.ini", tiny_model_dir)
    assert w.open_project(tmp_path / "p.kgs", create=True)
    spo = {"subject": "甲", "predicate": "作者", "object": "乙"}
    w.import_file(
        write_jsonl(
            tmp_path / "in.jsonl",
            [{"text": "甲是乙的作者", "spo_list": [{**spo, "score": s}]} for s in (0.3, 0.6, 0.9)],
        )
    )
    w.triples.filter_box.setCurrentIndex(3)  # Low score
    qtbot.waitUntil(lambda: len(w.triples.doc_model.rows) == 2)  # below the default 0.7
    prefs = Preferences.load(w.settings)
    prefs.low_score = 0.5
    w.set_preferences(prefs)
    qtbot.waitUntil(lambda: len(w.triples.doc_model.rows) == 1)
    w.close()
