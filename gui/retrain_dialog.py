"""Retraining the current model on the reviewed documents: a live loss curve,
held-out F1 before and after, the new model version saved and used.

The training runs in a model process (:mod:`core.triples.model_process`), never
in the window's process: importing TensorFlow and tracing would freeze the
window."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import Signal  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from core.runtime.jobs import format_duration  # noqa: E402
from core.triples.model_process import ModelProcess  # noqa: E402
from gui.jobs import JobRunner  # noqa: E402

OWNER = "retrain"


class RetrainDialog(QDialog):
    model_saved = Signal(str)  # folder of the new model version

    def __init__(
        self,
        runner: JobRunner,
        project: Any,
        model_dir: Path,
        models_root: Path,
        parent=None,
        models: ModelProcess | None = None,
    ):
        """``models``: the model process to train in; without one, each
        retraining starts its own and stops it when done, which also frees the
        memory the training took."""
        super().__init__(parent)
        self.models = models
        self.setWindowTitle("Retrain on reviewed documents")
        self.runner, self.project, self.model_dir, self.models_root = (
            runner,
            project,
            model_dir,
            models_root,
        )
        layout = QVBoxLayout(self)
        self.info = QLabel(
            f"Fine-tune <b>{model_dir.name}</b> on the documents you reviewed. Every fifth "
            "reviewed document is held out to measure F1 before and after."
        )
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        row = QHBoxLayout()
        row.addWidget(QLabel("Epochs"))
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 50)
        self.epochs.setValue(3)
        row.addWidget(self.epochs)
        row.addWidget(QLabel("Batch size"))
        self.batch_size = QSpinBox()
        self.batch_size.setRange(1, 256)
        self.batch_size.setValue(16)
        row.addWidget(self.batch_size)
        row.addStretch(1)
        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(self.start)
        row.addWidget(self.start_button)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(lambda: self.runner.cancel(OWNER))
        self.cancel_button.setEnabled(False)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        progress_row.addWidget(self.progress, 1)
        self.status = QLabel("")  # "epoch 1/3 loss 0.1234", ETA
        progress_row.addWidget(self.status)
        layout.addLayout(progress_row)
        runner.job_progress.connect(self._on_progress)
        pg.setConfigOptions(antialias=True, background="w", foreground="k")
        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "training step")
        self.plot.setLabel("left", "loss")
        self.curve = self.plot.plot([], [], pen=pg.mkPen((30, 110, 200), width=2))
        layout.addWidget(self.plot, 1)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        layout.addWidget(self.result)
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.resize(640, 460)

    def start(self) -> None:
        from core.formats.duie import read_sentences
        from core.triples.training import TrainSettings

        with tempfile.TemporaryDirectory() as folder:  # read whole, then removed
            tmp = Path(folder) / "reviewed.jsonl"
            self.project.export_file(tmp, reviewed_only=True, clean=True)
            reviewed = list(read_sentences(tmp))
        settings = TrainSettings(
            epochs=self.epochs.value(),
            batch_size=self.batch_size.value(),
            learning_rate=5e-5,
            warmup_steps=20,
        )
        base, root, shared = self.model_dir, self.models_root, self.models
        self.steps, self.losses = [], []
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.result.setText(f"Training on {len(reviewed)} reviewed documents…")

        def retrain(ctx):
            models = shared if shared is not None else ModelProcess()
            try:
                return models.retrain(base, reviewed, root, settings, ctx)
            finally:
                if shared is None:
                    models.close()  # on the worker thread: stopping it may take a moment

        self.runner.submit(
            OWNER,
            retrain,
            name="Retraining on reviewed documents",
            tensorflow=True,
            on_partial=self._on_loss,
            on_result=self._done,
            on_error=lambda m, tb: self.result.setText(f"<span style='color:#b00020'>{m}</span>"),
            on_cancelled=self._cancelled,
            on_finished=self._finished,
        )

    def _on_progress(self, owner: str, done: int, total: int, message: str, eta: float) -> None:
        if owner != OWNER:
            return
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        left = f" — {format_duration(eta)} left" if eta >= 0 else ""
        self.status.setText(f"{message}{left}")

    def _on_loss(self, point: dict) -> None:
        self.steps.append(point["step"])
        self.losses.append(point["loss"])
        self.curve.setData(self.steps, self.losses)

    def _done(self, result: dict) -> None:
        before, after = result["before"], result["after"]
        self.result.setText(
            f"Held-out F1 on {result['dev_documents']} documents: "
            f"<b>{before['f1']:.3f}</b> before → <b>{after['f1']:.3f}</b> after. "
            f"Saved as {result['name']} version {result['version']} in {result['out']}."
        )
        self.project.register_model(result["name"], result["version"], result["out"])
        self.project.record_run(
            "retrain",
            {"base": str(self.model_dir)},
            {k: v for k, v in result.items() if k != "history"},
        )
        self.model_saved.emit(result["out"])

    def _cancelled(self) -> None:
        # A cancelled job is no longer its owner's current one, so on_finished
        # does not come: the training has stopped, Start works again.
        self.result.setText("Cancelled; no new model was saved.")
        self._finished()

    def _finished(self) -> None:
        self.start_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def reject(self) -> None:  # closing the dialog stops the training
        self.runner.cancel(OWNER)
        super().reject()
