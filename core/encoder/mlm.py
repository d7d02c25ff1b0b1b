"""Masked-language-model pre-training of a BERT encoder from scratch.

No pretrained Chinese BERT can be downloaded here, so the demo encoder learns
the language from the unlabelled text we have before it learns triples. BERT's
recipe: 15% of tokens are chosen; of those 80% become ``[MASK]``, 10% a random
token, 10% stay; the loss is cross-entropy at the chosen positions only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.compat import bert4keras
from core.encoder.bert import build_bert
from core.encoder.checkpoint import write_google_checkpoint
from core.encoder.samples import pack_token_sequences, pad_ids
from core.encoder.tokenizer import SPECIAL_TOKENS, Tokenizer
from core.errors import BadInput
from core.runtime.jobs import JobContext
from core.runtime.trainer import run_training
from core.runtime.training_state import new_progress, state_folder
from core.runtime.training_task import Epoch, Evaluation, Schedule, TrainingTask

# Steps per epoch: the corpus is an endless stream here, an epoch is the slice
# of it after which the loss is recorded and the state saved.
EPOCH_STEPS = 50


@dataclass
class MlmSettings:
    maxlen: int = 128
    batch_size: int = 32
    steps: int = 3000
    learning_rate: float = 5e-4
    warmup_steps: int = 300
    mask_rate: float = 0.15
    seed: int = 42


def mask_batch(
    token_ids: np.ndarray, tokenizer: Tokenizer, rate: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(masked inputs, positions to predict, their target ids, 0/1 weights).

    Positions are listed per row and padded to the longest list with weight 0:
    the output layer then runs on the ~15% chosen tokens only, not on every
    token (with an 8k vocabulary that layer is a third of a step's work)."""
    special = np.isin(token_ids, [tokenizer.token_to_id[t] for t in SPECIAL_TOKENS])
    chosen = (rng.random(token_ids.shape) < rate) & ~special
    roll = rng.random(token_ids.shape)
    inputs = token_ids.copy()
    inputs[chosen & (roll < 0.8)] = tokenizer.mask_id
    random_tokens = rng.integers(len(SPECIAL_TOKENS), len(tokenizer), token_ids.shape)
    swap = chosen & (roll >= 0.8) & (roll < 0.9)
    inputs[swap] = random_tokens[swap]
    width = max(1, int(chosen.sum(axis=1).max()))
    positions = np.zeros((len(token_ids), width), dtype="int32")
    weights = np.zeros((len(token_ids), width), dtype="float32")
    for row, mask in enumerate(chosen):
        where = np.flatnonzero(mask)
        positions[row, : len(where)] = where
        weights[row, : len(where)] = 1.0
    targets = np.take_along_axis(token_ids, positions, axis=1)
    return inputs, positions, targets, weights


def mlm_predictions_at(bert: Any, positions: Any) -> Any:
    """The MLM head (built by bert4keras with ``with_mlm=True``, so a
    checkpoint keeps Google's names) applied, with its own weights, to the
    hidden states at ``positions`` (batch, k) only: (batch, k, vocab)
    probabilities. With a vocabulary of thousands, running the head on every
    token would cost as much as the encoder."""
    b4k = bert4keras()
    keras, tf = b4k.keras, b4k.tf
    encoded = bert.model.get_layer("MLM-Dense").input
    x = keras.layers.Lambda(lambda a: tf.gather(a[0], a[1], batch_dims=1), name="mlm_gather")(
        [encoded, positions]
    )
    x = bert.layers["MLM-Norm"](bert.layers["MLM-Dense"](x))
    x = bert.layers["Embedding-Token"](x, mode="dense")
    return bert.layers["MLM-Activation"](bert.layers["MLM-Bias"](x))


def weighted_token_loss(name: str) -> Any:
    """A loss layer over ``[target ids, 0/1 weights, predicted probabilities]``:
    cross-entropy averaged over the weighted positions."""
    b4k = bert4keras()
    K = b4k.K

    class TokenLoss(b4k.layers.Loss):
        def compute_loss(self, inputs: list[Any], mask: Any = None) -> Any:
            y_true, y_weight, y_pred = inputs
            loss = K.sparse_categorical_crossentropy(y_true, y_pred)
            return K.sum(loss * y_weight) / (K.sum(y_weight) + K.epsilon())

    return TokenLoss(output_axis=2, name=name)


def _build(config: dict[str, Any], checkpoint: str | None = None) -> tuple[Any, Any]:
    """The encoder and the training model (not compiled: the trainer does it)."""
    keras = bert4keras().keras
    bert = build_bert(config, checkpoint=checkpoint, with_mlm=True)
    positions = keras.layers.Input(shape=(None,), dtype="int32", name="mlm_positions")
    targets = keras.layers.Input(shape=(None,), dtype="int32", name="mlm_targets")
    weights = keras.layers.Input(shape=(None,), name="mlm_weights")
    predictions = mlm_predictions_at(bert, positions)
    out = weighted_token_loss("mlm_loss")([targets, weights, predictions])
    return bert, keras.models.Model([*bert.model.inputs, positions, targets, weights], out)


def epoch_batches(
    sequences: Sequence[list[int]], settings: MlmSettings, tokenizer: Tokenizer, epoch: int
) -> Epoch:
    """The steps of one epoch of :data:`EPOCH_STEPS`. The corpus is read in
    passes, each in its own random order; a step's rows and masks are a
    function of (seed, step), so a resumed run draws what it would have drawn."""
    first = epoch * EPOCH_STEPS
    steps = max(0, min(EPOCH_STEPS, settings.steps - first))
    size = settings.batch_size
    per_pass = max(1, len(sequences) // size)

    def batches() -> Iterator[list[np.ndarray]]:
        order, order_pass = np.arange(0), -1
        for step in range(first, first + steps):
            n_pass, slot = divmod(step, per_pass)
            if n_pass != order_pass:
                rng = np.random.default_rng([settings.seed, n_pass])
                order, order_pass = rng.permutation(len(sequences)), n_pass
            rows = [sequences[i] for i in order[slot * size : (slot + 1) * size]]
            rng = np.random.default_rng([settings.seed, n_pass, slot, 1])
            inputs, positions, targets, weights = mask_batch(
                pad_ids(rows, limit=settings.maxlen), tokenizer, settings.mask_rate, rng
            )
            yield [inputs, np.zeros_like(inputs), positions, targets, weights]

    return Epoch(steps, batches())


def mlm_state_folder(out_dir: str | Path) -> Path:
    """The resume state of the pre-training writing ``out_dir``. Earlier
    versions kept it inside the output (``out_dir/state/``); such a state is
    moved beside the output and read as it was, or refused when a state is
    there already."""
    out_dir = Path(out_dir)
    folder = state_folder(out_dir)
    legacy = out_dir / "state"
    if not any((legacy / name).is_file() for name in ("progress.json", "vocab.txt")):
        return folder
    if folder.exists():
        raise BadInput(
            f"{legacy} and {folder} both hold the resume state of {out_dir}: "
            "delete the one that should not be continued"
        )
    if _keras3_weights(legacy / "model.weights.h5"):
        raise BadInput(
            f"{legacy}: the resume state of an earlier version, in a format this one cannot "
            f"continue; {out_dir} holds its finished checkpoint: pre-train on from it with "
            f"--base {out_dir} and another --out"
        )
    os.replace(legacy, folder)
    if (folder / "model.weights.h5").exists():
        os.replace(folder / "model.weights.h5", folder / "weights.h5")
    progress_path = folder / "progress.json"
    if progress_path.exists():
        saved = json.loads(progress_path.read_text())
        step = int(saved.get("step", 0))
        progress = {
            **new_progress(),
            "epoch": step // EPOCH_STEPS,
            "step_in_epoch": step % EPOCH_STEPS,
            "step": step,
            "history": [{"epoch": h["step"] // EPOCH_STEPS, **h} for h in saved.get("history", [])],
            "seconds": float(saved.get("seconds", 0.0)),
            "settings": saved.get("settings", {}),
        }
        progress_path.write_text(json.dumps(progress, indent=1))
    return folder


def _keras3_weights(path: Path) -> bool:
    """Whether ``path`` holds weights in Keras 3's layout (``layers/``, ``vars/``),
    which tf-keras cannot load into a model."""
    if not path.is_file():
        return False
    import h5py

    with h5py.File(path, "r") as f:
        return {"layers", "vars"} <= set(f.keys())


def pretrain_mlm(
    texts: Sequence[str],
    tokenizer: Tokenizer,
    config: dict[str, Any],
    out_dir: str | Path,
    settings: MlmSettings | None = None,
    ctx: JobContext | None = None,
    checkpoint: str | None = None,
) -> dict[str, Any]:
    """Pre-train and write a Google-format checkpoint folder to ``out_dir``;
    from ``checkpoint`` (with its MLM head) when given, else from scratch.

    Resumable: the shared trainer keeps its state in ``OUT.state/``; running
    again continues from there. Ctrl-C (SIGINT) saves first.
    """
    settings = settings or MlmSettings()
    out_dir = Path(out_dir)
    mlm_state_folder(out_dir)
    config = {**config, "vocab_size": len(tokenizer)}
    sequences = pack_token_sequences(texts, tokenizer, settings.maxlen)
    if not sequences:
        raise BadInput("no text to pre-train on")
    bert, model = _build(config, checkpoint)

    def save(record: dict[str, Any], evaluation: Evaluation | None) -> None:
        write_google_checkpoint(bert, out_dir, config, tokenizer.vocab)

    schedule = Schedule(
        epochs=-(-settings.steps // EPOCH_STEPS),
        total_steps=settings.steps,
        learning_rate=settings.learning_rate,
        warmup_steps=settings.warmup_steps,
        seed=settings.seed,
        counted="step",
    )
    task = TrainingTask(lambda epoch: epoch_batches(sequences, settings, tokenizer, epoch), save)
    result = run_training(model, task, out_dir, schedule, ctx, settings=asdict(settings))
    history = [{"step": r["step"], "loss": r["loss"]} for r in result.history]
    summary = {
        "steps": result.steps,
        "sequences": len(sequences),
        "seconds_this_run": result.seconds_this_run,
        "seconds": result.seconds,  # every run together
        "final_loss": history[-1]["loss"] if history else None,
        "history": history,
    }
    (out_dir / "pretraining.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary
