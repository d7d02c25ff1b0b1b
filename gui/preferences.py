"""Preferences: extraction thresholds, pre-annotation batch size, the "low
score" cut-off and the default model folder. They live in QSettings (never
in the project file), take effect as soon as the dialog is accepted and are
read back when the window opens again."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from core.store.project import LOW_SCORE

THRESHOLD_KEYS = ("subject_start", "subject_end", "object_start", "object_end")


@dataclass
class Preferences:
    # Per model name: the thresholds a person chose; a model not listed uses
    # the ones in its model.json.
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    batch_size: int = 64
    low_score: float = LOW_SCORE
    model_folder: str = ""  # "" : the model the window opened with

    @classmethod
    def load(cls, settings: QSettings) -> Preferences:
        p = cls()
        try:
            thresholds = json.loads(str(settings.value("preferences/thresholds", "{}")))
            p.thresholds = {
                str(name): {k: float(v[k]) for k in THRESHOLD_KEYS}
                for name, v in thresholds.items()
            }
        except (ValueError, TypeError, KeyError, AttributeError):
            p.thresholds = {}  # a damaged entry falls back to the models' own
        p.batch_size = _number(settings, "preferences/batch_size", p.batch_size, int)
        p.low_score = _number(settings, "preferences/low_score", p.low_score, float)
        p.model_folder = str(settings.value("preferences/model_folder", "") or "")
        return p

    def save(self, settings: QSettings) -> None:
        settings.setValue("preferences/thresholds", json.dumps(self.thresholds))
        settings.setValue("preferences/batch_size", int(self.batch_size))
        settings.setValue("preferences/low_score", float(self.low_score))
        settings.setValue("preferences/model_folder", self.model_folder)
        settings.sync()


def _number(settings: QSettings, key: str, default, kind):
    try:
        return kind(settings.value(key, default))
    except (TypeError, ValueError):
        return default


def model_info(folder: Path | None) -> dict:
    if folder is None:
        return {}
    try:
        return json.loads((Path(folder) / "model.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def model_thresholds(folder: Path | None) -> dict[str, float]:
    """The thresholds in the folder's model.json (the decoder's defaults for
    any it leaves out)."""
    from core.triples.decode import Thresholds

    own = model_info(folder).get("thresholds") or {}
    defaults = Thresholds()
    return {k: float(own.get(k, getattr(defaults, k))) for k in THRESHOLD_KEYS}


class PreferencesDialog(QDialog):
    """Edits a copy of ``prefs``; :meth:`result_preferences` gives it back."""

    def __init__(self, prefs: Preferences, model_dir: Path | None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.model_dir = model_dir
        self.model_name = model_info(model_dir).get("name") or (model_dir.name if model_dir else "")
        self.prefs = Preferences(
            dict(prefs.thresholds), prefs.batch_size, prefs.low_score, prefs.model_folder
        )
        form = QFormLayout(self)
        defaults = model_thresholds(model_dir)
        current = self.prefs.thresholds.get(self.model_name, defaults)
        form.addRow(
            QLabel(
                f"Extraction thresholds of <b>{self.model_name or 'no model yet'}</b>:"
                " lower finds more triples, higher fewer and surer ones."
            )
        )
        self.threshold_boxes: dict[str, QDoubleSpinBox] = {}
        for label, keys in (
            ("Subject start / end", ("subject_start", "subject_end")),
            ("Object start / end", ("object_start", "object_end")),
        ):
            row = QHBoxLayout()
            for k in keys:
                box = QDoubleSpinBox()
                box.setRange(0.01, 0.99)
                box.setSingleStep(0.05)
                box.setDecimals(2)
                box.setValue(current[k])
                self.threshold_boxes[k] = box
                row.addWidget(box)
            form.addRow(label, _wrap(row))
        reset = QPushButton(f"Use the model's own ({_short(defaults)})")
        reset.clicked.connect(lambda: self._set_thresholds(defaults))
        form.addRow("", reset)
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 1024)
        self.batch_size.setValue(self.prefs.batch_size)
        self.batch_size.setSuffix(" documents")
        form.addRow("Pre-annotation batch", self.batch_size)
        self.low_score = QDoubleSpinBox()
        self.low_score.setRange(0.0, 1.0)
        self.low_score.setSingleStep(0.05)
        self.low_score.setDecimals(2)
        self.low_score.setValue(self.prefs.low_score)
        form.addRow("“Low score” below", self.low_score)
        folder_row = QHBoxLayout()
        self.model_folder = QLineEdit(self.prefs.model_folder)
        self.model_folder.setPlaceholderText("the model the window opened with")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        folder_row.addWidget(self.model_folder, 1)
        folder_row.addWidget(browse)
        form.addRow("Default model folder", _wrap(folder_row))
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b00020")
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _set_thresholds(self, values: dict[str, float]) -> None:
        for k, box in self.threshold_boxes.items():
            box.setValue(values[k])

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Default model folder")
        if folder:
            self.model_folder.setText(folder)

    def _accept(self) -> None:
        folder = self.model_folder.text().strip()
        if folder and not (Path(folder) / "model.json").is_file():
            self.error.setText(f"{folder} is not a model folder (it has no model.json).")
            return
        chosen = {k: round(box.value(), 4) for k, box in self.threshold_boxes.items()}
        if self.model_name:
            if chosen == model_thresholds(self.model_dir):
                self.prefs.thresholds.pop(self.model_name, None)
            else:
                self.prefs.thresholds[self.model_name] = chosen
        self.prefs.batch_size = self.batch_size.value()
        self.prefs.low_score = round(self.low_score.value(), 4)
        self.prefs.model_folder = folder
        self.accept()

    def result_preferences(self) -> Preferences:
        return self.prefs


def _wrap(layout) -> QWidget:
    w = QWidget()
    layout.setContentsMargins(0, 0, 0, 0)
    w.setLayout(layout)
    return w


def _short(values: dict[str, float]) -> str:
    return " / ".join(f"{values[k]:g}" for k in THRESHOLD_KEYS)
