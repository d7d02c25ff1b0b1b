"""A triple extraction model: its folder on disk, and batched extraction.

Folder layout (DESIGN.md, "Models on disk"):
    model.json        task, format version, maxlen, predicates and schema,
                      thresholds, training record
    bert_config.json  the encoder's hyper-parameters
    vocab.txt         the vocabulary the encoder was trained with
    weights.h5        Keras ``save_weights`` of the whole network, float16
Loading rebuilds the architecture in code and loads the weights; nothing in a
model folder is ever executed or unpickled.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.compat import bert4keras
from core.encoder.folder import (
    read_model_folder,
    write_model_folder,
    write_model_json,
)
from core.encoder.samples import pad_ids
from core.encoder.tokenizer import Encoding, Tokenizer
from core.errors import BadInput
from core.formats.duie import Span, Triple
from core.jobs import JobContext
from core.triples.decode import Thresholds, decode_objects, decode_subjects, window_starts
from core.triples.network import TripleNetwork, build_triple_network

TASK = "triples"
FORMAT_VERSION = 1


class ModelFolderError(BadInput):
    """A model folder that is missing files or was written for something else."""


@dataclass
class TripleModelInfo:
    predicates: list[str]
    schema: list[dict[str, str]]  # {"subject_type", "predicate", "object_type"}
    maxlen: int = 160
    thresholds: Thresholds = field(default_factory=Thresholds)
    name: str = "triples"
    version: str = "1"
    training: dict[str, Any] = field(default_factory=dict)

    def types_for(self, predicate: str) -> tuple[str, str]:
        for entry in self.schema:
            if entry.get("predicate") == predicate:
                return entry.get("subject_type", ""), entry.get("object_type", "")
        return "", ""

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        return {"task": TASK, "format_version": FORMAT_VERSION, **d}

    @classmethod
    def from_json(cls, d: dict[str, Any], where: str) -> TripleModelInfo:
        if d.get("task") != TASK:
            raise ModelFolderError(f"{where}: task is {d.get('task')!r}, expected {TASK!r}")
        if d.get("format_version", 0) > FORMAT_VERSION:
            raise ModelFolderError(
                f"{where}: format_version {d.get('format_version')} is newer than this "
                f"KG Studio understands ({FORMAT_VERSION})"
            )
        predicates = d.get("predicates")
        if not isinstance(predicates, list) or not predicates:
            raise ModelFolderError(f"{where}: expected a non-empty list of predicates")
        return cls(
            predicates=list(predicates),
            schema=list(d.get("schema", [])),
            maxlen=int(d.get("maxlen", 160)),
            thresholds=Thresholds.from_dict(d.get("thresholds")),
            name=str(d.get("name", "triples")),
            version=str(d.get("version", "1")),
            training=dict(d.get("training", {})),
        )


@dataclass
class _Chunk:
    text_index: int
    encoding: Encoding


class TripleModel:
    """The network, its tokenizer and its settings. Extraction is batched and
    thread-safe (calls into TensorFlow are serialised by a lock)."""

    def __init__(
        self,
        info: TripleModelInfo,
        network: TripleNetwork,
        tokenizer: Tokenizer,
        bert_config: dict[str, Any],
    ) -> None:
        self.info = info
        self.network = network
        self.tokenizer = tokenizer
        self.bert_config = bert_config
        self._lock = threading.Lock()
        tf = bert4keras().tf
        ids_spec = tf.TensorSpec([None, None], tf.int32)
        hidden_size = network.object_head_model.inputs[0].shape[-1]
        # One trace for every batch size and length: predict_on_batch would
        # retrace (seconds each) for every new input shape.
        self._encoder_fn = tf.function(
            lambda ids, segs: network.encoder_model([ids, segs], training=False),
            input_signature=[ids_spec, ids_spec],
        )
        self._head_fn = tf.function(
            lambda hidden, subj: network.object_head_model([hidden, subj], training=False),
            input_signature=[
                tf.TensorSpec([None, None, hidden_size], tf.float32),
                tf.TensorSpec([None, 2], tf.int32),
            ],
        )

    # -- construction ------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        info: TripleModelInfo,
        bert_config: dict[str, Any],
        tokenizer: Tokenizer,
        checkpoint: str | None = None,
        keep_tokens: list[int] | None = None,
    ) -> TripleModel:
        """A new model: a fresh encoder, or one loaded from a BERT checkpoint."""
        config = {**bert_config, "vocab_size": len(tokenizer)}
        positions = int(config.get("max_position_embeddings", 512))
        if info.maxlen > positions:
            raise BadInput(
                f"maxlen {info.maxlen} exceeds the encoder's max_position_embeddings "
                f"({positions}); choose --maxlen {positions} or less"
            )
        network = build_triple_network(
            config, len(info.predicates), checkpoint=checkpoint, keep_tokens=keep_tokens
        )
        return cls(info, network, tokenizer, config)

    @classmethod
    def load(cls, folder: str | Path) -> TripleModel:
        found = read_model_folder(folder, ModelFolderError)
        info = TripleModelInfo.from_json(found.meta, str(Path(folder) / "model.json"))
        network = build_triple_network(found.config, len(info.predicates))
        network.train_model.load_weights(str(found.weights))
        return cls(info, network, found.tokenizer, found.config)

    def save(self, folder: str | Path) -> Path:
        """Write the model folder; a complete folder replaces the old one at once."""
        return write_model_folder(
            folder, self.info.to_json(), self.bert_config, self.tokenizer, self.network.train_model
        )

    def save_info(self, folder: str | Path) -> None:
        """Rewrite only ``model.json`` (thresholds, name...), atomically."""
        write_model_json(Path(folder), self.info.to_json())

    # -- extraction --------------------------------------------------------------------

    def _chunks(self, texts: Sequence[str]) -> list[_Chunk]:
        size = self.info.maxlen - 2
        stride = max(1, size - size // 4)
        chunks = []
        for i, text in enumerate(texts):
            tokens = self.tokenizer.tokenize(text)
            for start in window_starts(len(tokens), size, stride):
                chunks.append(_Chunk(i, self.tokenizer.encode_tokens(tokens[start : start + size])))
        return chunks

    def extract(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        ctx: JobContext | None = None,
        pair_batch_size: int = 256,
    ) -> list[list[Triple]]:
        """Triples for each text, with character spans into that text and a score.

        Windows of all texts go through the encoder and subject head in
        batches; the (window, subject) pairs of each batch then go through the
        object head together, on the hidden states already computed. Texts
        longer than ``maxlen`` are cut into overlapping windows and the results
        merged."""
        ctx = ctx or JobContext.null()
        th = self.info.thresholds
        chunks = self._chunks(texts)
        order = sorted(range(len(chunks)), key=lambda k: len(chunks[k].encoding.token_ids))
        found: list[dict[tuple, Triple]] = [{} for _ in texts]
        for b in range(0, len(order), batch_size):
            ctx.report(b, len(order), "extracting triples")
            idx = order[b : b + batch_size]
            ids = pad_ids([chunks[k].encoding.token_ids for k in idx], limit=self.info.maxlen)
            subject_probs, hidden = self._predict(self._encoder_fn, ids, np.zeros_like(ids))
            pairs = [
                (row, span)
                for row, k in enumerate(idx)
                for span in decode_subjects(
                    subject_probs[row], 1, len(chunks[idx[row]].encoding.token_ids) - 2, th
                )
            ]
            # Every (window, subject) pair of the batch through the object head
            # at once, on the hidden states already computed.
            for p0 in range(0, len(pairs), pair_batch_size):
                part = pairs[p0 : p0 + pair_batch_size]
                rows = np.array([row for row, _ in part])
                subj = np.array([[s.start, s.end] for _, s in part], dtype="int32")
                object_probs = self._predict(self._head_fn, hidden[rows], subj)
                for (row, s), probs in zip(part, object_probs, strict=True):
                    chunk = chunks[idx[row]]
                    n = len(chunk.encoding.token_ids)
                    for o, p in decode_objects(probs, 1, n - 2, th):
                        triple = self._triple(texts[chunk.text_index], chunk.encoding, s, o, p)
                        key = (
                            triple.subject_span.start,
                            triple.subject_span.end,
                            triple.predicate,
                            triple.object_span.start,
                            triple.object_span.end,
                        )
                        seen = found[chunk.text_index].get(key)
                        if seen is None or (triple.score or 0) > (seen.score or 0):
                            found[chunk.text_index][key] = triple
        ctx.report(len(order), len(order), "done")
        return [sorted(d.values(), key=_reading_order) for d in found]

    def _predict(self, fn: Any, *arrays: np.ndarray) -> Any:
        with self._lock:
            out = fn(*arrays)
        return tuple(x.numpy() for x in out) if isinstance(out, list | tuple) else out.numpy()

    def _triple(self, text: str, enc: Encoding, s: Any, o: Any, p: int) -> Triple:
        s_span = Span(enc.offsets[s.start][0], enc.offsets[s.end][1])
        o_span = Span(enc.offsets[o.start][0], enc.offsets[o.end][1])
        predicate = self.info.predicates[p]
        s_type, o_type = self.info.types_for(predicate)
        score = float(np.prod([s.start_prob, s.end_prob, o.start_prob, o.end_prob]) ** 0.25)
        return Triple(
            subject=text[s_span.start : s_span.end],
            predicate=predicate,
            object=text[o_span.start : o_span.end],
            subject_type=s_type,
            object_type=o_type,
            subject_span=s_span,
            object_span=o_span,
            score=round(score, 4),
        )


def _reading_order(t: Triple) -> tuple[int, int, str]:
    return (t.subject_span.start, t.object_span.start, t.predicate)  # type: ignore[union-attr]
