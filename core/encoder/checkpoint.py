"""Writing encoders as Google-BERT-format TF checkpoints, and Keras weights files
stored in float16.

Our own pre-trained encoder is written in the same format as a downloaded
Chinese BERT, so ``--base`` takes either without a special case.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from core.compat import bert4keras
from core.encoder.bert import checkpoint_errors
from core.encoder.tokenizer import save_vocab
from core.errors import BadInput
from core.outputs import replacing_folder

# The pre-training head's variables in Google's checkpoints (and ours).
MLM_HEAD_PREFIX = "cls/predictions/"


def write_google_checkpoint(
    bert: Any,
    folder: str | Path,
    config: dict[str, Any],
    vocab: list[str],
    extra: dict[str, np.ndarray] | None = None,
) -> Path:
    """Save a bert4keras BERT as ``bert_config.json``, ``vocab.txt`` and
    ``bert_model.ckpt.*`` with the variable names of Google's release;
    ``extra`` variables (by their checkpoint names) are written beside it.
    The folder is replaced whole (other files in it are kept), so a run
    stopped while saving leaves the last complete checkpoint."""
    b4k = bert4keras()
    tf, K = b4k.tf, b4k.K
    folder = Path(folder)
    values: dict[str, np.ndarray] = {}
    for layer_name, names in bert.variable_mapping().items():
        if layer_name not in bert.layers:
            continue
        weights = K.batch_get_value(bert.layers[layer_name].trainable_weights)
        for name, value in zip(names, weights, strict=False):
            if name == "cls/seq_relationship/output_weights":
                value = value.T
            values[name] = value
    for name, value in (extra or {}).items():
        values.setdefault(name, value)
    with replacing_folder(folder, keep_others=True) as tmp:
        with tf.Graph().as_default():
            variables = [tf.compat.v1.Variable(v, name=n) for n, v in values.items()]
            saver = tf.compat.v1.train.Saver(variables)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.variables_initializer(variables))
                saver.save(sess, str(tmp / "bert_model.ckpt"), write_meta_graph=False)
        config = {**config, "vocab_size": len(vocab)}
        (tmp / "bert_config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        save_vocab(tmp / "vocab.txt", vocab)
    return folder


def save_weights_float16(model: Any, path: str | Path) -> None:
    """Keras ``save_weights`` (HDF5), then the float32 arrays rewritten as
    float16 to halve the file. Keras casts back to the variables' dtype on
    ``load_weights``, so loading needs nothing special. Written atomically."""
    import h5py

    path = Path(path)
    fd, tmp = tempfile.mkstemp(suffix=".h5", dir=path.parent)
    os.close(fd)
    try:
        model.save_weights(tmp, save_format="h5")
        with h5py.File(tmp, "r+") as f:
            datasets: list[str] = []
            f.visititems(
                lambda name, obj: (
                    datasets.append(name)
                    if isinstance(obj, h5py.Dataset) and obj.dtype == np.float32
                    else None
                )
            )
            for name in datasets:
                data = f[name][()]
                attrs = dict(f[name].attrs)
                del f[name]
                ds = f.create_dataset(name, data=data.astype(np.float16))
                for k, v in attrs.items():
                    ds.attrs[k] = v
        # h5py leaves freed space in place; copy to drop it.
        compact = tmp + ".compact"
        with h5py.File(tmp, "r") as src, h5py.File(compact, "w") as dst:
            for k, v in src.attrs.items():
                dst.attrs[k] = v
            for key in src:
                src.copy(src[key], dst, name=key)
        os.replace(compact, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def mlm_head_from(
    checkpoint: str, vocab: list[str], head_vocab: list[str], hidden_size: int
) -> dict[str, np.ndarray]:
    """The MLM head (``cls/predictions/*``) of a Google-format checkpoint, to
    give an encoder that lost it (one taken out of a fine-tuned model) back
    its pre-training head. The head predicts over the checkpoint's own
    vocabulary, so it must be ``vocab`` exactly, and its width the encoder's."""
    if head_vocab != vocab:
        raise BadInput(
            f"{checkpoint}: its vocabulary ({len(head_vocab)} tokens) is not the encoder's "
            f"({len(vocab)} tokens); an MLM head predicts over its own vocabulary"
        )
    tf = bert4keras().tf
    with checkpoint_errors(checkpoint):
        names = [n for n, _ in tf.train.list_variables(checkpoint) if n.startswith(MLM_HEAD_PREFIX)]
        if not names:
            raise BadInput(f"{checkpoint}: no MLM head ({MLM_HEAD_PREFIX}*) in this checkpoint")
        head = {n: tf.train.load_variable(checkpoint, n) for n in names}
    kernel = head.get(MLM_HEAD_PREFIX + "transform/dense/kernel")
    if kernel is None or kernel.shape != (hidden_size, hidden_size):
        shape = None if kernel is None else tuple(kernel.shape)
        raise BadInput(
            f"{checkpoint}: its MLM head is {shape} wide, the encoder's hidden size is {hidden_size}"
        )
    return head
