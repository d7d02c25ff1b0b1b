"""BERT encoders: Google-format checkpoint folders, the small demo config, building."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.compat import bert4keras
from core.errors import BadInput

# The demo encoder: small enough to train from scratch on two CPU cores.
SMALL_CONFIG: dict[str, Any] = {
    "hidden_size": 256,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "intermediate_size": 1024,
    "hidden_act": "gelu",
    "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1,
    "max_position_embeddings": 512,
    "type_vocab_size": 2,
    "initializer_range": 0.02,
}

# Keys bert4keras reads; anything else in a bert_config.json is carried along
# untouched so the config written next to our weights stays the user's.
_REQUIRED_KEYS = (
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "vocab_size",
)


@dataclass(frozen=True)
class CheckpointFolder:
    """A Google-BERT-format folder: ``bert_config.json``, ``vocab.txt`` and the
    TF checkpoint ``bert_model.ckpt.*`` (``checkpoint`` is the prefix)."""

    folder: Path
    config_path: Path
    vocab_path: Path
    checkpoint: str


def find_checkpoint(folder: str | Path) -> CheckpointFolder:
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a folder (expected a BERT checkpoint folder)")
    config, vocab = folder / "bert_config.json", folder / "vocab.txt"
    for path in (config, vocab):
        if not path.is_file():
            raise FileNotFoundError(
                f"{folder}: missing {path.name} (expected a BERT checkpoint folder)"
            )
    indexes = sorted(folder.glob("*.ckpt.index")) or sorted(folder.glob("*.index"))
    if not indexes:
        raise FileNotFoundError(
            f"{folder}: no TensorFlow checkpoint (expected bert_model.ckpt.index and .data-*)"
        )
    prefix = str(indexes[0])[: -len(".index")]
    return CheckpointFolder(folder, config, vocab, prefix)


def read_bert_config(path: str | Path) -> dict[str, Any]:
    try:
        config = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise BadInput(f"{path}:{e.lineno}: not valid JSON ({e.msg})") from None
    if not isinstance(config, dict):
        raise BadInput(f"{path}: expected a JSON object with BERT hyper-parameters")
    missing = [k for k in _REQUIRED_KEYS if k not in config]
    if missing:
        raise BadInput(f"{path}: missing {', '.join(missing)} (expected a BERT config)")
    return config


def small_config(vocab_size: int, **overrides: Any) -> dict[str, Any]:
    return {**SMALL_CONFIG, "vocab_size": vocab_size, **overrides}


def build_bert(
    config: dict[str, Any],
    checkpoint: str | None = None,
    keep_tokens: list[int] | None = None,
    with_mlm: bool = False,
    application: str = "encoder",
) -> Any:
    """A bert4keras ``BERT`` object (``.model`` is the Keras model).

    ``keep_tokens`` slices a pretrained embedding table to a cut vocabulary;
    ``application="unilm"`` gives the UniLM attention mask (segment 0 seen
    both ways, segment 1 left to right) to the same weights.
    """
    b4k = bert4keras()
    config = dict(config)
    if keep_tokens is not None:
        config["vocab_size"] = len(keep_tokens)

    def build(conf: dict[str, Any], ckpt: str | None) -> Any:
        return b4k.models.build_transformer_model(
            config_path=None,
            checkpoint_path=ckpt,
            model="bert",
            return_keras_model=False,
            keep_tokens=keep_tokens,
            with_mlm=with_mlm,
            application=application,
            **conf,
        )

    with checkpoint_errors(checkpoint):
        saved_types = _checkpoint_segments(checkpoint) if checkpoint else None
        wanted_types = int(config.get("type_vocab_size", 2))
        if saved_types is None or saved_types >= wanted_types:
            return build(config, checkpoint)
        # More segment types than the checkpoint has (a model that marks its input
        # with extra segment ids): load the checkpoint as it is, then copy it into
        # the wider model, each new row starting as a copy of the last saved one.
        base = build({**config, "type_vocab_size": saved_types}, checkpoint)
        wide = build(config, None)
        for layer in wide.model.layers:
            weights = base.model.get_layer(layer.name).get_weights()
            if layer.name == "Embedding-Segment":
                table = weights[0]
                extra = np.repeat(table[-1:], wanted_types - saved_types, axis=0)
                weights = [np.concatenate([table, extra])]
            layer.set_weights(weights)
        return wide


@contextmanager
def checkpoint_errors(checkpoint: str | None) -> Iterator[None]:
    """TensorFlow's errors on reading ``checkpoint`` as one line saying what
    is wrong with it: a damaged file, or a variable the model needs (an MLM
    head an exported encoder lacks)."""
    tf = bert4keras().tf
    try:
        yield
    except tf.errors.NotFoundError as e:
        first = str(e.message).splitlines()[0]
        hint = (
            "; it has no MLM head: give it one with `pretrain from-model --mlm-head`"
            if "cls/predictions" in first
            else ""
        )
        raise BadInput(f"{checkpoint}: {first}{hint}") from None
    except tf.errors.OpError as e:
        first = str(e.message).splitlines()[0]
        raise BadInput(f"{checkpoint}: not a readable TensorFlow checkpoint ({first})") from None


def _checkpoint_segments(checkpoint: str) -> int | None:
    """Rows of a checkpoint's segment (token type) embedding table."""
    tf = bert4keras().tf
    names = dict(tf.train.list_variables(checkpoint))
    shape = names.get("bert/embeddings/token_type_embeddings")
    return int(shape[0]) if shape else None


@dataclass
class EncoderSetup:
    """What a new model needs to build its encoder."""

    config: dict[str, Any]
    tokenizer: Any  # core.encoder.tokenizer.Tokenizer
    checkpoint: str | None
    keep_tokens: list[int] | None


def prepare_encoder(
    base: str | Path | None,
    vocab_path: str | Path | None = None,
    cut_texts: Any = None,
    fixed_vocab: list[str] | None = None,
) -> EncoderSetup:
    """A pretrained checkpoint folder (``base``) or a fresh small encoder over
    ``vocab_path``. With ``cut_texts`` the vocabulary is cut to the tokens they
    contain (and a pretrained embedding table sliced to match); ``fixed_vocab``
    instead reuses a cut made earlier, so a resumed run sees the same ids."""
    from core.encoder.tokenizer import Tokenizer, cut_vocabulary

    checkpoint = None
    if base is not None:
        folder = find_checkpoint(base)
        config = read_bert_config(folder.config_path)
        tokenizer = Tokenizer.from_file(folder.vocab_path)
        checkpoint = folder.checkpoint
    else:
        if vocab_path is None:
            raise BadInput("a fresh encoder needs a vocabulary file")
        tokenizer = Tokenizer.from_file(vocab_path)
        config = small_config(len(tokenizer))
    keep_tokens = None
    if fixed_vocab is not None or cut_texts is not None:
        full = tokenizer
        if fixed_vocab is not None:
            missing = [t for t in fixed_vocab if t not in full.token_to_id]
            if missing:
                raise BadInput(f"the saved vocabulary has tokens the base lacks: {missing[:5]}")
            vocab, keep_tokens = fixed_vocab, [full.token_to_id[t] for t in fixed_vocab]
        else:
            vocab, keep_tokens = cut_vocabulary(full, cut_texts)
        tokenizer = Tokenizer(vocab)
        config = {**config, "vocab_size": len(vocab)}
        if checkpoint is None:
            keep_tokens = None  # nothing to slice: the encoder starts fresh
    return EncoderSetup(config, tokenizer, checkpoint, keep_tokens)
