"""What a training run keeps on disk to resume, in one layout for every model.

The state of a run writing ``OUT`` lives beside it in ``OUT.state/``, not
inside it: a model folder is replaced whole each time a better epoch is
saved, which would take a state inside it along.

    progress.json   where the run is (epoch, step), the epoch records, the
                    best score, recent losses, the time spent, the settings
    weights.h5      the raw weights of the training model
    optimizer.npz   the optimizer's moments and step count
    average.npz     the weight average, once it has started
    vocab.txt       the vocabulary a cut-vocabulary run chose (the commands)

Each file is written beside itself and renamed into place, ``progress.json``
last, so an interruption while saving leaves the previous state whole.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import numpy as np

from core.compat import bert4keras
from core.encoder.optimizer import WeightAverage

PROGRESS = "progress.json"
WEIGHTS = "weights.h5"
OPTIMIZER = "optimizer.npz"
AVERAGE = "average.npz"


def state_folder(out: str | Path) -> Path:
    """Where the run writing ``out`` keeps its resume state."""
    out = Path(out)
    return out.with_name(out.name + ".state")


def new_progress() -> dict[str, Any]:
    return {
        "epoch": 0,  # epochs finished
        "step_in_epoch": 0,  # steps finished in the current epoch
        "step": 0,  # steps finished in all
        "history": [],  # one record per finished epoch
        "best_score": None,
        "losses": [],  # the latest losses, for progress messages
        "epoch_loss": [0.0, 0],  # sum and count of the current epoch's losses
        "seconds": 0.0,  # training time of every run so far
    }


def upgrade_progress(saved: dict[str, Any]) -> dict[str, Any]:
    """A progress record of any earlier trainer in today's shape. Runs of the
    triple and linker loops recorded no global step: it is set when the epoch's
    length is known (``step`` None), and their best F1 becomes the best score."""
    progress = {**new_progress(), **saved}
    if "step" not in saved:
        progress["step"] = None
    if "best_score" not in saved:
        best = saved.get("best_f1", -1.0)
        progress["best_score"] = None if best is None or best < 0 else best
    progress.pop("best_f1", None)
    return progress


class TrainingState:
    """The files of one run's state folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def exists(self) -> bool:
        return (self.folder / PROGRESS).is_file()

    def load(self, model: Any, average: WeightAverage) -> dict[str, Any]:
        """The saved progress; the model's weights, its optimizer and the
        average are set from the state as they were saved."""
        progress = upgrade_progress(json.loads((self.folder / PROGRESS).read_text()))
        model.load_weights(str(self.folder / WEIGHTS))
        restore_optimizer(model, self.folder / OPTIMIZER)
        average.restore(self.folder / AVERAGE)
        return progress

    def save(self, model: Any, average: WeightAverage, progress: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / "weights.saving.h5"
        model.save_weights(str(tmp))
        os.replace(tmp, self.folder / WEIGHTS)
        # np.savez adds ".npz" to a name without it: the temporary name keeps it.
        tmp = self.folder / "optimizer.saving.npz"
        np.savez(tmp, *model.optimizer.get_weights())
        os.replace(tmp, self.folder / OPTIMIZER)
        tmp = self.folder / "average.saving.npz"
        average.save(tmp)
        if tmp.exists():
            os.replace(tmp, self.folder / AVERAGE)
        else:
            (self.folder / AVERAGE).unlink(missing_ok=True)
        tmp = self.folder / "progress.saving.json"
        tmp.write_text(json.dumps(progress, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.folder / PROGRESS)


def restore_optimizer(model: Any, path: Path) -> None:
    """Load the optimizer state saved with the model's state into a compiled model."""
    if not path.exists():
        return
    opt = model.optimizer
    tf = bert4keras().tf
    # Slots are created lazily; a zero-gradient step creates them (and changes
    # nothing that set_weights does not overwrite).
    opt.apply_gradients([(tf.zeros_like(w), w) for w in model.trainable_weights])
    saved = np.load(path)
    opt.set_weights([saved[f"arr_{i}"] for i in range(len(saved.files))])


class SigintFlag:
    """While active, Ctrl-C sets ``raised`` instead of interrupting at a random
    point, so a loop can save its state first. Outside the main thread (the GUI's
    workers) it does nothing: cancellation goes through the job context."""

    def __init__(self) -> None:
        self.raised = False
        self._previous: Any = None
        self._installed = False

    def __enter__(self) -> SigintFlag:
        try:
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        except ValueError:
            pass
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        self.raised = True

    def __exit__(self, *exc: Any) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
