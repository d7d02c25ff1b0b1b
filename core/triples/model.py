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

import itertools
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from core.compat import bert4keras
from core.encoder.samples import pad_ids
from core.encoder.tokenizer import Encoding, Token, Tokenizer
from core.errors import BadInput
from core.formats.duie import Occurrence, Span, Triple, types_for
from core.runtime.jobs import JobContext
from core.runtime.model_folder import FolderModel, check_header, encoder_config
from core.sentences import split_sentences
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
        return types_for(self.schema, predicate)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        return {"task": TASK, "format_version": FORMAT_VERSION, **d}

    @classmethod
    def from_json(cls, d: dict[str, Any], where: str) -> TripleModelInfo:
        check_header(d, TASK, FORMAT_VERSION, where, ModelFolderError)
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
    """One model input: a sentence, or a window of a sentence too long for
    ``maxlen``; offsets refer to the whole text."""

    text_index: int
    encoding: Encoding
    chars: float  # the share of the text's characters it stands for (progress)


class TripleModel(FolderModel):
    """The network, its tokenizer and its settings. Extraction is batched and
    thread-safe (calls into TensorFlow are serialised by a lock)."""

    folder_error = ModelFolderError
    info: TripleModelInfo
    network: TripleNetwork

    def __init__(
        self,
        info: TripleModelInfo,
        network: TripleNetwork,
        tokenizer: Tokenizer,
        bert_config: dict[str, Any],
    ) -> None:
        super().__init__(info, network, tokenizer, bert_config)
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
        config = encoder_config(
            bert_config, tokenizer, info.maxlen, "choose --maxlen {positions} or less"
        )
        network = build_triple_network(
            config, len(info.predicates), checkpoint=checkpoint, keep_tokens=keep_tokens
        )
        return cls(info, network, tokenizer, config)

    @classmethod
    def read_info(cls, meta: dict[str, Any], where: str) -> TripleModelInfo:
        return TripleModelInfo.from_json(meta, where)

    @classmethod
    def build_network(cls, config: dict[str, Any], info: TripleModelInfo) -> TripleNetwork:
        return build_triple_network(config, len(info.predicates))

    # -- extraction --------------------------------------------------------------------

    def _chunks(self, texts: Sequence[str]) -> Iterator[_Chunk]:
        """Each text cut into sentences; a sentence longer than ``maxlen`` into
        overlapping windows. Produced lazily, so a huge document starts at once
        and cancelling never waits for the whole text to be tokenised."""
        size = self.info.maxlen - 2
        stride = max(1, size - size // 4)
        for i, text in enumerate(texts):
            for a, b in split_sentences(text):
                tokens = [
                    Token(t.text, t.start + a, t.end + a)
                    for t in self.tokenizer.tokenize(text[a:b])
                ]
                if not tokens:
                    continue
                starts = window_starts(len(tokens), size, stride)
                for start in starts:
                    encoding = self.tokenizer.encode_tokens(tokens[start : start + size])
                    yield _Chunk(i, encoding, (b - a) / len(starts))

    def extract(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        ctx: JobContext | None = None,
        pair_batch_size: int = 256,
        thresholds: Thresholds | None = None,
    ) -> list[list[Triple]]:
        """Triples for each text, with character spans into that text and a score.

        Texts are cut into sentences (the unit the model was trained on); the
        sentences of all texts go through the encoder and subject head in
        batches of similar length; the (sentence, subject) pairs of a batch then
        go through the object head together, on the hidden states already
        computed. The same (subject, predicate, object) found at several places
        of a text is one triple: the best-scoring place in its spans, the others
        in ``occurrences``. ``thresholds`` replace the model's own for this
        call. Cancellation is checked between batches."""
        ctx = ctx or JobContext.null()
        th = thresholds or self.info.thresholds
        total = sum(len(t) for t in texts)
        found: list[dict[tuple, Triple]] = [{} for _ in texts]
        chunks = self._chunks(texts)
        done = 0.0
        while True:
            ctx.report(int(done), total, "extracting triples")
            group = list(itertools.islice(chunks, batch_size * 32))
            if not group:
                break
            order = sorted(range(len(group)), key=lambda k: len(group[k].encoding.token_ids))
            for b in range(0, len(order), batch_size):
                batch = [group[k] for k in order[b : b + batch_size]]
                self._extract_batch(texts, batch, found, pair_batch_size, th)
                done += sum(c.chars for c in batch)
                ctx.report(min(int(done), total), total, "extracting triples")
        ctx.report(total, total, "done")
        return [merge_occurrences(d.values()) for d in found]

    def _extract_batch(
        self,
        texts: Sequence[str],
        batch: list[_Chunk],
        found: list[dict[tuple, Triple]],
        pair_batch_size: int,
        th: Thresholds,
    ) -> None:
        ids = pad_ids([c.encoding.token_ids for c in batch], limit=self.info.maxlen)
        subject_probs, hidden = self._predict(self._encoder_fn, ids, np.zeros_like(ids))
        pairs = [
            (row, span)
            for row, chunk in enumerate(batch)
            for span in decode_subjects(
                subject_probs[row], 1, len(chunk.encoding.token_ids) - 2, th
            )
        ]
        # Every (sentence, subject) pair of the batch through the object head
        # at once, on the hidden states already computed.
        for p0 in range(0, len(pairs), pair_batch_size):
            part = pairs[p0 : p0 + pair_batch_size]
            rows = np.array([row for row, _ in part])
            subj = np.array([[s.start, s.end] for _, s in part], dtype="int32")
            object_probs = self._predict(self._head_fn, hidden[rows], subj)
            for (row, s), probs in zip(part, object_probs, strict=True):
                chunk = batch[row]
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


def merge_occurrences(triples: Iterable[Triple]) -> list[Triple]:
    """One triple per (subject, predicate, object), in reading order: the
    best-scoring place keeps the spans and score, every other place goes to
    ``occurrences`` (in reading order)."""
    groups: dict[tuple[str, str, str], list[Triple]] = {}
    for t in sorted(triples, key=_reading_order):
        groups.setdefault(t.key(), []).append(t)
    merged = []
    for group in groups.values():
        best = max(group, key=lambda t: t.score or 0.0)
        best.occurrences = [
            Occurrence(t.subject_span, t.object_span, t.score)  # type: ignore[arg-type]
            for t in group
            if t is not best
        ]
        merged.append(best)
    return sorted(merged, key=_reading_order)
