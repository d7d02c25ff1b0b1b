"""What a model family gives the shared trainer (core/runtime/trainer.py),
and what it gets back.

A family turns its settings into a :class:`Schedule` and describes its
training as a :class:`TrainingTask`: the batches of an epoch, an evaluation
of the current weights, and how to save them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from core.runtime.jobs import JobContext
from core.runtime.model_folder import FolderModel


@dataclass(frozen=True)
class Schedule:
    epochs: int
    total_steps: int  # the length of the learning-rate schedule
    learning_rate: float
    warmup_steps: int
    seed: int = 42
    save_every: int = 100  # steps inside an epoch between two saves of the state
    ema_momentum: float = 0.0  # 0: no weight average
    ema_start: int = 0  # steps before the average starts
    # What progress messages count: epochs, or steps for a run whose epochs
    # are only slices of an endless stream (MLM pre-training).
    counted: Literal["epoch", "step"] = "epoch"


@dataclass
class TrainingSettings:
    """The settings every family's training has (each adds its own)."""

    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 1e-3
    warmup_steps: int = 200
    ema_momentum: float = 0.0  # 0: no weight average
    ema_start: int = 0  # steps before the average starts
    seed: int = 42
    save_every: int = 100

    def schedule(self, steps_per_epoch: int) -> Schedule:
        return Schedule(
            epochs=self.epochs,
            total_steps=steps_per_epoch * self.epochs,
            learning_rate=self.learning_rate,
            warmup_steps=self.warmup_steps,
            seed=self.seed,
            save_every=self.save_every,
            ema_momentum=self.ema_momentum,
            ema_start=self.ema_start,
        )


@dataclass
class Epoch:
    """An epoch's batches (the inputs of ``train_on_batch``) and their number."""

    steps: int
    batches: Iterable[Any]


@dataclass
class Evaluation:
    score: float  # the epoch kept is the one with the highest score
    fields: dict[str, Any] = field(default_factory=dict)  # added to the epoch's record
    summary: dict[str, Any] | None = None  # recorded in the model saved


@dataclass
class TrainingTask:
    """What a model family gives the trainer.

    ``batches(epoch)`` must be a function of the seed and the epoch alone.
    ``evaluate(ctx)`` scores the weights in place (``ctx`` is cancelled with
    the run). ``save(record, evaluation)`` writes the weights in place where
    the family keeps its models; it is called for each epoch better than
    every earlier one, or, without an evaluation, once for the last epoch."""

    batches: Callable[[int], Epoch]
    save: Callable[[dict[str, Any], Evaluation | None], None]
    evaluate: Callable[[JobContext], Evaluation] | None = None


def keep_in_folder(
    model: FolderModel, out: str | Path, about: dict[str, Any]
) -> Callable[[dict[str, Any], Evaluation | None], None]:
    """A ``save`` for :class:`TrainingTask` writing ``model`` to the folder
    ``out``, its training record saying which epoch it is, how it scored and
    ``about`` the run."""

    def save(record: dict[str, Any], evaluation: Evaluation | None) -> None:
        model.info.training = {
            **model.info.training,
            "epochs_trained": record["epoch"],
            "best_dev": evaluation.summary if evaluation else None,
            **about,
        }
        model.save(out)

    return save


@dataclass
class TrainingResult:
    best_score: float | None
    history: list[dict[str, Any]]
    steps: int
    seconds_this_run: float
    seconds: float  # every run of this training together
