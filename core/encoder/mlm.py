"""Masked-language-model pre-training of a BERT encoder from scratch.

No pretrained Chinese BERT can be downloaded here, so the demo encoder learns
the language from the unlabelled text we have before it learns triples. BERT's
recipe: 15% of tokens are chosen; of those 80% become ``[MASK]``, 10% a random
token, 10% stay; the loss is cross-entropy at the chosen positions only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.compat import bert4keras, set_seed
from core.encoder.bert import build_bert
from core.encoder.checkpoint import write_google_checkpoint
from core.encoder.samples import pack_token_sequences, pad_ids
from core.encoder.tokenizer import SPECIAL_TOKENS, Tokenizer
from core.jobs import JobContext
from core.resume import SigintFlag, restore_optimizer, save_optimizer


@dataclass
class MlmSettings:
    maxlen: int = 128
    batch_size: int = 32
    steps: int = 3000
    learning_rate: float = 5e-4
    warmup_steps: int = 300
    mask_rate: float = 0.15
    seed: int = 42
    save_every: int = 200


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


def _build(config: dict[str, Any], settings: MlmSettings) -> tuple[Any, Any]:
    b4k = bert4keras()
    keras, K = b4k.keras, b4k.K
    tf = b4k.tf
    bert = build_bert(config, with_mlm=True)
    positions = keras.layers.Input(shape=(None,), dtype="int32", name="mlm_positions")
    targets = keras.layers.Input(shape=(None,), dtype="int32", name="mlm_targets")
    weights = keras.layers.Input(shape=(None,), name="mlm_weights")
    # The MLM head (built by bert4keras, so the checkpoint keeps Google's names)
    # applied again, with shared weights, to the chosen positions only.
    encoded = bert.model.get_layer("MLM-Dense").input
    x = keras.layers.Lambda(lambda a: tf.gather(a[0], a[1], batch_dims=1), name="mlm_gather")(
        [encoded, positions]
    )
    x = bert.layers["MLM-Norm"](bert.layers["MLM-Dense"](x))
    x = bert.layers["Embedding-Token"](x, mode="dense")
    predictions = bert.layers["MLM-Activation"](bert.layers["MLM-Bias"](x))

    class MlmLoss(b4k.layers.Loss):
        def compute_loss(self, inputs: list[Any], mask: Any = None) -> Any:
            y_true, y_weight, y_pred = inputs
            loss = K.sparse_categorical_crossentropy(y_true, y_pred)
            return K.sum(loss * y_weight) / (K.sum(y_weight) + K.epsilon())

    out = MlmLoss(output_axis=2, name="mlm_loss")([targets, weights, predictions])
    model = keras.models.Model([*bert.model.inputs, positions, targets, weights], out)
    opt = b4k.optimizers
    adam = opt.extend_with_piecewise_linear_lr(opt.Adam, name="AdamLR")
    schedule = {settings.warmup_steps: 1.0, settings.steps: 0.1}
    model.compile(optimizer=adam(learning_rate=settings.learning_rate, lr_schedule=schedule))
    return bert, model


def _batches(
    sequences: Sequence[list[int]], settings: MlmSettings, tokenizer: Tokenizer, rng
) -> Iterator[list[np.ndarray]]:
    while True:
        order = rng.permutation(len(sequences))
        for begin in range(0, len(order) - settings.batch_size + 1, settings.batch_size):
            rows = [sequences[i] for i in order[begin : begin + settings.batch_size]]
            ids = pad_ids(rows)
            inputs, positions, targets, weights = mask_batch(
                ids, tokenizer, settings.mask_rate, rng
            )
            yield [inputs, np.zeros_like(inputs), positions, targets, weights]


def pretrain_mlm(
    texts: Sequence[str],
    tokenizer: Tokenizer,
    config: dict[str, Any],
    out_dir: str | Path,
    settings: MlmSettings | None = None,
    ctx: JobContext | None = None,
) -> dict[str, Any]:
    """Pre-train and write a Google-format checkpoint folder to ``out_dir``.

    Resumable: ``out_dir/state/`` holds the latest weights, optimizer state and
    step; running again continues from there. Ctrl-C (SIGINT) saves first.
    """
    settings = settings or MlmSettings()
    ctx = ctx or JobContext.null()
    out_dir = Path(out_dir)
    state_dir = out_dir / "state"
    state_dir.mkdir(parents=True, exist_ok=True)
    set_seed(settings.seed)
    config = {**config, "vocab_size": len(tokenizer)}
    bert, model = _build(config, settings)
    sequences = pack_token_sequences(texts, tokenizer, settings.maxlen)

    step, history, seconds_before = 0, [], 0.0
    meta_path = state_dir / "progress.json"
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        step, history = meta["step"], meta["history"]
        seconds_before = meta.get("seconds", 0.0)
        model.load_weights(str(state_dir / "model.weights.h5"))
        restore_optimizer(model, state_dir / "optimizer.npz")
    rng = np.random.default_rng(settings.seed + step)
    batches = _batches(sequences, settings, tokenizer, rng)

    def save() -> None:
        model.save_weights(str(state_dir / "model.weights.h5"))
        save_optimizer(model.optimizer, state_dir / "optimizer.npz")
        meta = {
            "step": step,
            "history": history,
            "settings": asdict(settings),
            "seconds": round(seconds_before + time.time() - started, 1),
        }
        meta_path.write_text(json.dumps(meta, indent=1))

    started, losses = time.time(), []
    with SigintFlag() as sigint:
        try:
            while step < settings.steps:
                ctx.report(step, settings.steps, f"MLM step {step}")
                if sigint.raised:
                    raise KeyboardInterrupt
                loss = float(model.train_on_batch(next(batches)))
                losses.append(loss)
                step += 1
                if step % 50 == 0:
                    history.append({"step": step, "loss": float(np.mean(losses[-50:]))})
                if step % settings.save_every == 0:
                    save()
        finally:
            save()
    ctx.report(step, settings.steps, "writing checkpoint")
    write_google_checkpoint(bert, out_dir, config, tokenizer.vocab)
    summary = {
        "steps": step,
        "sequences": len(sequences),
        "seconds_this_run": round(time.time() - started, 1),
        "seconds": round(seconds_before + time.time() - started, 1),  # every run together
        "final_loss": history[-1]["loss"] if history else None,
        "history": history,
    }
    (out_dir / "pretraining.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return summary
