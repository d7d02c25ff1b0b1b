"""One resumable training loop for every model family.

A family hands the trainer its Keras training model and a
:class:`~core.runtime.training_task.TrainingTask`: the batches of an epoch,
an evaluation of the current weights, and how to save them. The trainer owns
the rest: the optimizer and its learning-rate schedule, the optional weight
average, progress counted in steps over the whole run (so the job's ETA holds
across epochs), the state in ``OUT.state/`` (core/runtime/training_state.py)
saved every ``save_every`` steps, at the end of every epoch and on Ctrl-C or
cancel, one record per epoch, and the choice of the epoch to keep.

An epoch's batches are a function of (seed, epoch), so a resumed run draws
the steps an interrupted epoch already took again and skips them, and goes
on as the uninterrupted run would have: only TensorFlow's dropout stream,
which a new process starts afresh, is not carried over (docs/decisions/0007).
The weights evaluated are the weights saved: the average once it runs.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from core.compat import set_seed
from core.encoder.optimizer import WeightAverage, make_optimizer
from core.formats.jsonl import atomic_write_text
from core.runtime.jobs import Cancelled, JobContext, NestedContext
from core.runtime.model_folder import FolderModel
from core.runtime.training_state import SigintFlag, TrainingState, new_progress, state_folder
from core.runtime.training_task import (
    Epoch,
    Evaluation,
    Schedule,
    TrainingResult,
    TrainingSettings,
    TrainingTask,
    keep_in_folder,
)


class _RunContext(NestedContext):
    """The job's context, stopped by Ctrl-C too, so an evaluation in progress
    ends at its next batch and the state is saved."""

    def __init__(self, outer: JobContext, sigint: SigintFlag) -> None:
        super().__init__(outer)
        self.sigint = sigint

    def report(self, done: int, total: int, message: str = "") -> None:
        self.outer.report(done, total, message)
        self.check_cancelled()

    def check_cancelled(self) -> None:
        if self.sigint.raised:
            raise KeyboardInterrupt
        self.outer.check_cancelled()

    def partial(self, value: Any) -> None:
        self.outer.partial(value)


def history_path(out: str | Path) -> Path:
    """The epoch records of the run writing ``out``, beside it."""
    out = Path(out)
    return out.with_name(out.name + ".history.json")


def run_training(
    model: Any,
    task: TrainingTask,
    out: str | Path,
    schedule: Schedule,
    ctx: JobContext | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
    keep_state: bool = True,
    settings: dict[str, Any] | None = None,
) -> TrainingResult:
    """Train ``model`` (compiled here) for ``schedule.epochs``, continuing the
    run whose state is beside ``out`` if there is one. ``on_epoch`` receives
    each epoch's record; ``settings`` are recorded in the state. With
    ``keep_state=False`` the state is deleted once training ends."""
    ctx = ctx or JobContext.null()
    state = TrainingState(state_folder(out))
    set_seed(schedule.seed)
    model.compile(
        optimizer=make_optimizer(
            schedule.learning_rate, schedule.warmup_steps, schedule.total_steps
        )
    )
    average = WeightAverage(model, schedule.ema_momentum, schedule.ema_start)
    progress = state.load(model, average) if state.exists() else new_progress()
    run = _Run(model, task, schedule, state, average, progress, settings or {})
    with SigintFlag() as sigint:
        run_ctx = _RunContext(ctx, sigint)
        try:
            while progress["epoch"] < schedule.epochs:
                record = run.epoch(run_ctx)
                with atomic_write_text(history_path(out)) as f:
                    f.write(json.dumps(progress["history"], indent=1))
                if on_epoch:
                    on_epoch(record)
        except (KeyboardInterrupt, Cancelled):
            run.save_state()
            raise
    if not keep_state:
        shutil.rmtree(state.folder, ignore_errors=True)
    return TrainingResult(
        best_score=progress["best_score"],
        history=progress["history"],
        steps=progress["step"],
        seconds_this_run=round(time.monotonic() - run.started, 1),
        seconds=round(run.seconds(), 1),
    )


def train_folder_model(
    model: FolderModel,
    batches: Callable[[int], Epoch],
    evaluate: Callable[[JobContext], Evaluation] | None,
    out: str | Path,
    settings: TrainingSettings,
    steps_per_epoch: int,
    about: dict[str, Any],
    ctx: JobContext | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
    keep_state: bool = True,
) -> dict[str, Any]:
    """:func:`run_training` for a model kept as a folder: the best epoch is
    written to ``out`` with a training record that adds ``about`` the run
    and the settings.
    Returns what the train commands print: ``best_f1`` (the best score, an
    F1 for every family so far), ``history`` and ``seconds_this_run``."""
    about = {**about, "settings": asdict(settings)}
    task = TrainingTask(batches, keep_in_folder(model, out, about), evaluate)
    result = run_training(
        model.network.train_model,
        task,
        out,
        settings.schedule(steps_per_epoch),
        ctx,
        on_epoch,
        keep_state,
        settings=asdict(settings),
    )
    return {
        "best_f1": result.best_score,
        "history": result.history,
        "seconds_this_run": result.seconds_this_run,
    }


class _Run:
    """One call of :func:`run_training`: the loop's state between epochs."""

    def __init__(
        self,
        model: Any,
        task: TrainingTask,
        schedule: Schedule,
        state: TrainingState,
        average: WeightAverage,
        progress: dict[str, Any],
        settings: dict[str, Any],
    ) -> None:
        self.model = model
        self.task = task
        self.schedule = schedule
        self.state = state
        self.average = average
        self.progress = progress
        self.settings = settings
        self.started = time.monotonic()
        self.seconds_before = float(progress.get("seconds", 0.0))

    def seconds(self) -> float:
        return self.seconds_before + time.monotonic() - self.started

    def save_state(self) -> None:
        self.progress["seconds"] = round(self.seconds(), 1)
        self.progress["settings"] = self.settings
        self.state.save(self.model, self.average, self.progress)

    def epoch(self, ctx: JobContext) -> dict[str, Any]:
        p, schedule = self.progress, self.schedule
        epoch = p["epoch"]
        batches = self.task.batches(epoch)
        if p["step"] is None:  # a state of an earlier trainer: its epochs were all this long
            p["step"] = epoch * batches.steps + p["step_in_epoch"]
        total = p["step"] - p["step_in_epoch"] + batches.steps * (schedule.epochs - epoch)
        started = time.monotonic()
        if p["step_in_epoch"] < batches.steps:
            for k, batch in enumerate(batches.batches):
                if k < p["step_in_epoch"]:
                    continue
                ctx.report(p["step"], total, self._message(epoch, total))
                self._step(batch, ctx)
        with self.average.applied():
            evaluation = self.task.evaluate(ctx.silent()) if self.task.evaluate else None
            loss_sum, loss_count = p["epoch_loss"]
            record = {
                "epoch": epoch + 1,
                "step": p["step"],
                "loss": round(loss_sum / max(1, loss_count), 5),
                "seconds": round(time.monotonic() - started, 1),
                "averaged": self.average.active,
                **(evaluation.fields if evaluation else {}),
            }
            if self._keeps(evaluation, epoch):
                if evaluation is not None:
                    p["best_score"] = evaluation.score
                record["saved"] = True
                self.task.save(record, evaluation)
        p["history"].append(record)
        p["epoch"] = epoch + 1
        p["step_in_epoch"] = 0
        p["epoch_loss"] = [0.0, 0]
        self.save_state()
        return record

    def _keeps(self, evaluation: Evaluation | None, epoch: int) -> bool:
        if evaluation is None:
            return epoch + 1 == self.schedule.epochs
        best = self.progress["best_score"]
        return best is None or evaluation.score > best

    def _message(self, epoch: int, total: int) -> str:
        recent = self.progress["losses"][-50:]
        loss = f" loss {np.mean(recent):.4f}" if recent else ""
        if self.schedule.counted == "step":
            return f"step {self.progress['step']}/{total}{loss}"
        return f"epoch {epoch + 1}/{self.schedule.epochs}{loss}"

    def _step(self, batch: Any, ctx: JobContext) -> None:
        p = self.progress
        loss = float(self.model.train_on_batch(batch))
        p["step"] += 1
        self.average.update(p["step"])
        p["losses"] = [*p["losses"][-199:], loss]
        p["epoch_loss"] = [p["epoch_loss"][0] + loss, p["epoch_loss"][1] + 1]
        if p["step"] % 10 == 0:
            ctx.partial({"step": p["step"], "loss": float(np.mean(p["losses"][-10:]))})
        p["step_in_epoch"] += 1
        if p["step_in_epoch"] % self.schedule.save_every == 0:
            self.save_state()
