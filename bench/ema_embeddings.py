"""The weight average against bert4keras' EMA optimizer on gathered variables.

    python bench/ema_embeddings.py

Trains the same small encoder 125 steps twice, once with bert4keras'
``extend_with_exponential_moving_average`` (momentum 0.999) and once with
``core.encoder.optimizer.WeightAverage``, and prints the norm of the averaged
token embeddings (a gathered, sparsely updated variable) and of the position
embeddings (dense) over the raw ones. On tf-keras the subclass updates the
average of a gathered variable twice per step, so its averaged token
embeddings come out far too large while the dense ones do not.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.compat import bert4keras, set_seed  # noqa: E402
from core.encoder.bert import build_bert  # noqa: E402
from core.encoder.optimizer import WeightAverage, make_optimizer  # noqa: E402

CONFIG = {
    "hidden_size": 64,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0,
    "max_position_embeddings": 64,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
    "vocab_size": 200,
}
STEPS = 125


def build(b4k):
    bert = build_bert(CONFIG)
    out = b4k.keras.layers.Lambda(lambda x: b4k.K.mean(x, axis=[1, 2]))(bert.model.output)
    return b4k.keras.models.Model(bert.model.inputs, out)


def main() -> None:
    b4k = bert4keras()
    rng = np.random.default_rng(0)
    ids = rng.integers(5, 200, (32, 20))
    x, y = [ids, np.zeros_like(ids)], np.ones(32)
    for name in ("bert4keras EMA subclass", "WeightAverage"):
        set_seed(0)
        model = build(b4k)
        average = None
        if name == "WeightAverage":
            model.compile(optimizer=make_optimizer(1e-3, 1, 1000), loss="mse")
            average = WeightAverage(model, 0.999, 0)
        else:
            opt = b4k.optimizers
            base = opt.extend_with_piecewise_linear_lr(opt.Adam, name="AdamLR")
            cls = opt.extend_with_exponential_moving_average(base, name="AdamLREMA")
            optimizer = cls(learning_rate=1e-3, lr_schedule={1: 1.0, 1000: 0.1}, ema_momentum=0.999)
            model.compile(optimizer=optimizer, loss="mse")
        token = next(w for w in model.weights if "Embedding-Token" in w.name)
        position = next(w for w in model.weights if "Embedding-Position" in w.name)
        for step in range(1, STEPS + 1):
            model.train_on_batch(x, y)
            if average:
                average.update(step)
        raw = np.linalg.norm(token.numpy()), np.linalg.norm(position.numpy())
        if average:
            with average.applied():
                averaged = np.linalg.norm(token.numpy()), np.linalg.norm(position.numpy())
        else:
            optimizer.apply_ema_weights()
            averaged = np.linalg.norm(token.numpy()), np.linalg.norm(position.numpy())
            optimizer.reset_old_weights()
        print(
            f"{name:<24} after {STEPS} steps, averaged / raw norm: token embeddings "
            f"{averaged[0] / raw[0]:.3f}, position embeddings {averaged[1] / raw[1]:.3f}"
        )


if __name__ == "__main__":
    main()
