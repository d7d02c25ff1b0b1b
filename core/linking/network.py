"""The linker's networks: one BERT encoder, two heads.

mention head   per-token start / end probabilities of entity mentions. The
               encoder reads the text alone; the head also sees, per token,
               whether a knowledge-base alias match begins, ends or covers it
               (three 0/1 features) and, in newer models, how often the
               aliases covering it are mentions at all (the alias prior,
               core/linking/alias_prior.py), so it learns which dictionary
               matches are real mentions and can still propose spans no alias
               matches.
ranker head    a cross-encoder: ``[CLS] text with 【mention】 marked [SEP]
               candidate description [SEP]``; Dense(1, sigmoid) on [CLS] is the
               probability that the candidate is the entity meant.

Both heads run on the same encoder (same weights): the two tasks train
together and a linker folder holds one encoder. Neither head knows any entity
id, so a model trained on one KB links against another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.compat import bert4keras
from core.encoder.bert import build_bert

ALIAS_FEATURES = 3  # begins a match, ends a match, inside a match
PRIOR_FEATURES = 2  # the alias prior of the matches covering a token, and its evidence


@dataclass
class LinkNetwork:
    bert: Any
    mention_model: Any  # (token_ids, segment_ids, alias_features) -> (batch, len, 2)
    ranker_model: Any  # (token_ids, segment_ids[, pair_features]) -> (batch, 1)
    train_model: Any  # both tasks' inputs and labels -> summed loss


def build_link_network(
    bert_config: dict[str, Any],
    checkpoint: str | None = None,
    keep_tokens: list[int] | None = None,
    alias_features: int = ALIAS_FEATURES,
    pair_features: int = 0,
) -> LinkNetwork:
    """``pair_features``: numbers per (mention, candidate) pair the ranker
    reads beside [CLS] (core/linking/pair_features.py; 0 in older linkers)."""
    b4k = bert4keras()
    keras, K = b4k.keras, b4k.K
    layers = keras.layers
    bert = build_bert(bert_config, checkpoint=checkpoint, keep_tokens=keep_tokens)
    init = bert.initializer
    encoder = bert.model

    # Mention recognition.
    m_tokens = layers.Input(shape=(None,), dtype="int32", name="mention_token_ids")
    m_segments = layers.Input(shape=(None,), dtype="int32", name="mention_segment_ids")
    m_alias = layers.Input(shape=(None, alias_features), name="alias_features")
    m_labels = layers.Input(shape=(None, 2), name="mention_labels")
    m_mask = layers.Input(shape=(None,), name="mention_loss_mask")
    m_hidden = encoder([m_tokens, m_segments])
    m_joined = layers.Concatenate(name="with_alias_features")([m_hidden, m_alias])
    m_joined = layers.Dense(
        K.int_shape(m_hidden)[-1], activation="gelu", kernel_initializer=init, name="mention_mix"
    )(m_joined)
    m_probs = layers.Dense(2, activation="sigmoid", kernel_initializer=init, name="mention_head")(
        m_joined
    )
    mention_model = keras.models.Model(
        [m_tokens, m_segments, m_alias], m_probs, name="mention_model"
    )

    # Candidate ranking.
    r_tokens = layers.Input(shape=(None,), dtype="int32", name="ranker_token_ids")
    r_segments = layers.Input(shape=(None,), dtype="int32", name="ranker_segment_ids")
    r_labels = layers.Input(shape=(1,), name="ranker_labels")
    r_hidden = encoder([r_tokens, r_segments])
    r_cls = layers.Lambda(lambda x: x[:, 0], name="cls_vector")(r_hidden)
    r_cls = layers.Dropout(0.1, name="ranker_dropout")(r_cls)
    r_inputs = [r_tokens, r_segments]
    if pair_features:
        r_feats = layers.Input(shape=(pair_features,), name="pair_features")
        r_inputs.append(r_feats)
        r_cls = layers.Concatenate(name="with_pair_features")([r_cls, r_feats])
    r_score = layers.Dense(1, activation="sigmoid", kernel_initializer=init, name="ranker_head")(
        r_cls
    )
    ranker_model = keras.models.Model(r_inputs, r_score, name="ranker_model")

    class LinkLoss(b4k.layers.Loss):
        """Mention BCE summed over each text's real, annotated tokens (the
        mask), plus ranker BCE per pair."""

        def compute_loss(self, inputs: list[Any], mask: Any = None) -> Any:
            ml, mp, tokens, rl, rp = inputs
            # Summed over each text's tokens, not averaged: mentions are a few
            # tokens in fifty, and a per-token mean lets "no mention anywhere"
            # look nearly right for many epochs.
            m_loss = K.sum(K.binary_crossentropy(ml, mp), 2)
            m_loss = K.mean(K.sum(m_loss * tokens, 1))
            r_loss = K.mean(K.binary_crossentropy(rl, rp))
            return m_loss + r_loss

    loss = LinkLoss(output_axis=[1, 4], name="link_loss")(
        [m_labels, m_probs, m_mask, r_labels, r_score]
    )
    train_model = keras.models.Model(
        [m_tokens, m_segments, m_alias, m_labels, m_mask, *r_inputs, r_labels],
        loss,
        name="link_train_model",
    )
    return LinkNetwork(bert, mention_model, ranker_model, train_model)
