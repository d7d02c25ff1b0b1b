"""The half-pointer, half-tagging triple extraction network with Conditional
Layer Normalization (Su Jianlin, "用bert4keras做三元组抽取").

subject head   Dense(2, sigmoid) on the encoder output, squared: per-token start /
               end probabilities of subjects.
object head    the hidden vectors at the subject's start and end (taken from the
               layer *before* the encoder's final output) are concatenated and used
               as the condition of a conditional LayerNorm over the sequence;
               Dense(2 * predicates, sigmoid) to the 4th power, reshaped to
               (length, predicates, 2): start / end of the object per predicate.

Squaring and the 4th power push probabilities down; that is what lets the fixed
0.6 / 0.5 thresholds work on very unbalanced labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.compat import bert4keras
from core.encoder.bert import build_bert


@dataclass
class TripleNetwork:
    bert: Any  # the bert4keras BERT object
    train_model: Any  # inputs + labels -> loss (added inside the model)
    subject_model: Any  # (token_ids, segment_ids) -> (batch, len, 2)
    object_model: Any  # (token_ids, segment_ids, subject_ids) -> (batch, len, P, 2)
    encoder_model: Any  # (token_ids, segment_ids) -> subject probs, hidden states for the head
    object_head_model: Any  # (hidden states, subject_ids) -> (batch, len, P, 2)
    n_predicates: int


def build_triple_network(
    bert_config: dict[str, Any],
    n_predicates: int,
    checkpoint: str | None = None,
    keep_tokens: list[int] | None = None,
) -> TripleNetwork:
    b4k = bert4keras()
    keras, K, tf = b4k.keras, b4k.K, b4k.tf
    layers = keras.layers
    bert = build_bert(bert_config, checkpoint=checkpoint, keep_tokens=keep_tokens)
    init = bert.initializer
    token_ids, segment_ids = bert.model.inputs[:2]

    subject_labels = layers.Input(shape=(None, 2), name="subject_labels")
    subject_ids = layers.Input(shape=(2,), dtype="int32", name="subject_ids")
    object_labels = layers.Input(shape=(None, n_predicates, 2), name="object_labels")
    # 1 for the predicates a sentence's source annotates: an unannotated
    # predicate is neither a positive nor a negative for the object head.
    predicate_mask = layers.Input(shape=(n_predicates,), name="predicate_mask")

    hidden = bert.model.output
    subject_preds = layers.Dense(
        2, activation="sigmoid", kernel_initializer=init, name="subject_head"
    )(hidden)
    subject_preds = layers.Lambda(lambda x: x**2, name="subject_probs")(subject_preds)
    subject_model = keras.models.Model(bert.model.inputs, subject_preds, name="subject_model")

    # The last layer of a bert4keras BERT is the final FeedForward's LayerNorm;
    # conditioning works better on the representation just before it.
    before_last = bert.model.layers[-2].get_output_at(-1)

    def gather_subject(inputs: list[Any]) -> Any:
        seq, ids = inputs
        vectors = tf.gather(seq, tf.cast(ids, "int32"), batch_dims=1)  # (batch, 2, hidden)
        return K.reshape(vectors, (-1, 2 * K.int_shape(seq)[-1]))

    # The object head as layer objects, applied twice with shared weights: on
    # the encoder inside the end-to-end models, and on precomputed hidden states
    # so that decoding runs the encoder once per sentence, not once per subject.
    head = [
        layers.Lambda(gather_subject, name="subject_vector"),
        b4k.layers.LayerNormalization(conditional=True, name="conditional_layer_norm"),
        layers.Dense(
            n_predicates * 2, activation="sigmoid", kernel_initializer=init, name="object_head"
        ),
        layers.Lambda(lambda x: x**4, name="object_probs"),
        layers.Reshape((-1, n_predicates, 2), name="object_reshape"),
    ]

    def object_head(seq: Any, ids: Any) -> Any:
        vec = head[0]([seq, ids])
        out = head[1]([seq, vec])
        for layer in head[2:]:
            out = layer(out)
        return out

    object_preds = object_head(before_last, subject_ids)
    object_model = keras.models.Model(
        [*bert.model.inputs, subject_ids], object_preds, name="object_model"
    )
    encoder_model = keras.models.Model(
        bert.model.inputs, [subject_preds, before_last], name="encoder_model"
    )
    hidden_in = layers.Input(shape=(None, K.int_shape(before_last)[-1]), name="hidden_states")
    head_ids = layers.Input(shape=(2,), dtype="int32", name="head_subject_ids")
    object_head_model = keras.models.Model(
        [hidden_in, head_ids], object_head(hidden_in, head_ids), name="object_head_model"
    )

    class TripleLoss(b4k.layers.Loss):
        """Binary cross-entropy on both heads, averaged over real tokens; the
        object head's only over the predicates the sentence's source annotates."""

        def compute_loss(self, inputs: list[Any], mask: Any = None) -> Any:
            s_labels, o_labels, s_preds, o_preds, ids, p_mask = inputs
            tokens = K.cast(K.greater(ids, 0), K.floatx())
            n_tokens = K.sum(tokens)
            s_loss = K.mean(K.binary_crossentropy(s_labels, s_preds), 2)
            s_loss = K.sum(s_loss * tokens) / n_tokens
            o_loss = K.mean(K.binary_crossentropy(o_labels, o_preds), 3)
            o_loss = K.sum(o_loss * K.expand_dims(p_mask, 1), 2)
            o_loss = K.sum(o_loss * tokens) / n_tokens
            return s_loss + o_loss

    loss_out = TripleLoss(output_axis=[2, 3], name="triple_loss")(
        [subject_labels, object_labels, subject_preds, object_preds, token_ids, predicate_mask]
    )
    train_model = keras.models.Model(
        [*bert.model.inputs, subject_labels, subject_ids, object_labels, predicate_mask],
        loss_out,
        name="triple_train_model",
    )
    return TripleNetwork(
        bert,
        train_model,
        subject_model,
        object_model,
        encoder_model,
        object_head_model,
        n_predicates,
    )
