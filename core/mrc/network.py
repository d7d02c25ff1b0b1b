"""The three answerers' networks on one encoder.

mlm       the encoder with its pre-training head (``with_mlm``); the head
          runs on the L mask positions only, predicting the answer's tokens
          and then [PAD] in one pass.
seq2seq   the same encoder and head with the UniLM attention mask: the
          window and the question (segment 0) see each other, the answer
          (segment 1) sees them and its own past; the head runs on the
          positions that predict the answer's next token.
pointer   Dense(2) on the encoder's output: a softmax over [CLS] and the
          window's tokens for the start and one for the end ([CLS] when the
          window holds no answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.compat import bert4keras
from core.encoder.bert import build_bert
from core.encoder.mlm import mlm_predictions_at, weighted_token_loss


@dataclass
class MrcNetwork:
    method: str
    bert: Any
    train_model: Any  # inputs + labels -> loss
    predict_model: Any  # what answering runs (see build_mrc_network)


def build_mrc_network(
    method: str,
    config: dict[str, Any],
    checkpoint: str | None = None,
    keep_tokens: list[int] | None = None,
) -> MrcNetwork:
    """``predict_model`` takes (token ids, segment ids, positions) and gives
    probabilities at the positions (mlm, seq2seq: (batch, k, vocab)), or
    (token ids, segment ids, allowed) and gives start / end log-probabilities
    (pointer: (batch, length, 2); ``allowed`` is 1 on [CLS] and the window)."""
    b4k = bert4keras()
    keras, K = b4k.keras, b4k.K
    layers = keras.layers
    if method in ("mlm", "seq2seq"):
        bert = build_bert(
            config,
            checkpoint=checkpoint,
            keep_tokens=keep_tokens,
            with_mlm=True,
            application="unilm" if method == "seq2seq" else "encoder",
        )
        positions = layers.Input(shape=(None,), dtype="int32", name="answer_positions")
        targets = layers.Input(shape=(None,), dtype="int32", name="answer_targets")
        weights = layers.Input(shape=(None,), name="answer_weights")
        probs = mlm_predictions_at(bert, positions)
        loss = weighted_token_loss(f"{method}_loss")([targets, weights, probs])
        inputs = bert.model.inputs[:2]
        train_model = keras.models.Model([*inputs, positions, targets, weights], loss)
        predict_model = keras.models.Model([*inputs, positions], probs)
        return MrcNetwork(method, bert, train_model, predict_model)
    if method != "pointer":
        raise ValueError(f"unknown method {method!r}")
    bert = build_bert(config, checkpoint=checkpoint, keep_tokens=keep_tokens)
    inputs = bert.model.inputs[:2]
    allowed = layers.Input(shape=(None,), name="allowed")
    logits = layers.Dense(2, kernel_initializer=bert.initializer, name="pointer_head")(
        bert.model.output
    )

    def log_softmax_over_allowed(a: list[Any]) -> Any:
        x, keep = a
        x = x - (1.0 - K.expand_dims(keep, -1)) * 1e12
        return x - K.logsumexp(x, axis=1, keepdims=True)

    log_probs = layers.Lambda(log_softmax_over_allowed, name="pointer_log_probs")([logits, allowed])
    spans = layers.Input(shape=(2,), dtype="int32", name="answer_span")

    class PointerLoss(b4k.layers.Loss):
        def compute_loss(self, inputs: list[Any], mask: Any = None) -> Any:
            span, lp = inputs
            tf = b4k.tf
            start = tf.gather(lp[:, :, 0], span[:, 0], batch_dims=1)
            end = tf.gather(lp[:, :, 1], span[:, 1], batch_dims=1)
            return -K.mean(start + end) / 2

    loss = PointerLoss(output_axis=1, name="pointer_loss")([spans, log_probs])
    train_model = keras.models.Model([*inputs, allowed, spans], loss)
    predict_model = keras.models.Model([*inputs, allowed], log_probs)
    return MrcNetwork(method, bert, train_model, predict_model)
