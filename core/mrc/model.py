"""A reading-comprehension model: its folder, and answering questions.

Folder (docs/decisions/0002): ``model.json`` (task ``mrc``, the method, the
token budget of an input, the beam size, the training record),
``bert_config.json``, ``vocab.txt``, ``weights.h5`` (float16).

A passage longer than a window is read in overlapping windows; each window
gives its best answer under the method's rule (core/mrc/decode.py) and the
answer with the highest log-probability across windows wins. The answer is
the passage's own characters at the span found.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from core.compat import bert4keras
from core.encoder.samples import pad_ids
from core.encoder.tokenizer import Tokenizer
from core.errors import BadInput
from core.mrc.decode import (
    Candidate,
    best_mlm_span,
    best_pointer_span,
    constrained_beam_search,
    pooled_greedy_search,
)
from core.mrc.network import MrcNetwork, build_mrc_network
from core.mrc.windows import (
    MARKED_SEGMENTS,
    METHODS,
    Encoded,
    Layout,
    Window,
    encode,
    passage_windows,
    question_ids,
)
from core.runtime.jobs import JobContext
from core.runtime.model_folder import FolderModel, check_header, encoder_config

TASK = "mrc"
FORMAT_VERSION = 1
DECODERS = ("beam", "pooled")


class MrcFolderError(BadInput):
    """A folder that is not a reading-comprehension model."""


@dataclass
class MrcModelInfo:
    method: str
    layout: Layout = field(default_factory=Layout)
    beam_size: int = 4
    # seq2seq: "beam" (one beam per question across its windows, pruned) or
    # "pooled" (the article's greedy vote over every window; core/mrc/decode.py)
    decoder: str = "beam"
    # How answers of different lengths compare (core/mrc/decode.py); tune mrc
    length_penalty: float = 0.0
    question_marks: bool = False  # pointer: segment ids mark what the question shares
    fold_traditional: bool = False  # read Traditional characters as Simplified (tokenizer)
    name: str = "mrc"
    version: str = "1"
    training: dict[str, Any] = field(default_factory=dict)

    @property
    def maxlen(self) -> int:
        return self.layout.input_len(self.method)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        return {"task": TASK, "format_version": FORMAT_VERSION, "maxlen": self.maxlen, **d}

    @classmethod
    def from_json(cls, d: dict[str, Any], where: str) -> MrcModelInfo:
        check_header(d, TASK, FORMAT_VERSION, where, MrcFolderError)
        method = d.get("method")
        if method not in METHODS:
            raise MrcFolderError(f'{where}: "method": expected one of {", ".join(METHODS)}')
        raw = d.get("layout", {})
        if not isinstance(raw, dict) or not all(
            isinstance(raw.get(k, 1), int) and raw.get(k, 1) > 0 for k in Layout.__annotations__
        ):
            raise MrcFolderError(f'{where}: "layout": expected whole numbers above 0')
        beam = d.get("beam_size", 4)
        if not isinstance(beam, int) or beam < 1:
            raise MrcFolderError(f'{where}: "beam_size": expected a whole number of 1 or more')
        decoder = d.get("decoder", "beam")
        if decoder not in DECODERS:
            raise MrcFolderError(f'{where}: "decoder": expected one of {", ".join(DECODERS)}')
        penalty = d.get("length_penalty", 0.0)
        if isinstance(penalty, bool) or not isinstance(penalty, int | float) or penalty < 0:
            raise MrcFolderError(f'{where}: "length_penalty": expected a number of 0 or more')
        marks = d.get("question_marks", False)
        if not isinstance(marks, bool) or (marks and method != "pointer"):
            raise MrcFolderError(
                f'{where}: "question_marks": expected true (pointer only) or false'
            )
        fold = d.get("fold_traditional", False)
        if not isinstance(fold, bool):
            raise MrcFolderError(f'{where}: "fold_traditional": expected true or false')
        return cls(
            method=method,
            layout=Layout(**{k: raw[k] for k in Layout.__annotations__ if k in raw}),
            beam_size=beam,
            decoder=decoder,
            length_penalty=float(penalty),
            question_marks=marks,
            fold_traditional=fold,
            name=str(d.get("name", "mrc")),
            version=str(d.get("version", "1")),
            training=dict(d.get("training", {})),
        )


@dataclass(frozen=True)
class Answer:
    """The answer to one question. ``start`` / ``end`` are the ``[start, end)``
    characters of ``text`` in the context (None: no answer). ``score`` is the
    geometric mean of the probabilities of the model's decisions (0 to 1);
    ``seconds`` the time spent on this question (its share of a batch)."""

    text: str
    start: int | None
    end: int | None
    score: float
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


NO_ANSWER = Answer("", None, None, 0.0, 0.0)


class MrcModel(FolderModel):
    """A network answering questions with one of the three methods. Answering
    is batched and thread-safe (calls into TensorFlow are serialised)."""

    folder_error = MrcFolderError
    folder_kind = "KG Studio reading-comprehension model folder"
    info: MrcModelInfo
    network: MrcNetwork

    def __init__(
        self,
        info: MrcModelInfo,
        network: MrcNetwork,
        tokenizer: Tokenizer,
        bert_config: dict[str, Any],
    ) -> None:
        if info.fold_traditional and not tokenizer.fold_traditional:
            tokenizer = Tokenizer(tokenizer.vocab, tokenizer.do_lower_case, fold_traditional=True)
        super().__init__(info, network, tokenizer, bert_config)
        self._lock = threading.Lock()
        tf = bert4keras().tf
        ids = tf.TensorSpec([None, None], tf.int32)
        third = (
            tf.TensorSpec([None, None], tf.float32)
            if info.method == "pointer"
            else tf.TensorSpec([None, None], tf.int32)
        )
        model = network.predict_model
        # One trace for every batch size and length.
        self._predict_fn = tf.function(
            lambda a, b, c: model([a, b, c], training=False), input_signature=[ids, ids, third]
        )

    @classmethod
    def create(
        cls,
        info: MrcModelInfo,
        bert_config: dict[str, Any],
        tokenizer: Tokenizer,
        checkpoint: str | None = None,
        keep_tokens: list[int] | None = None,
    ) -> MrcModel:
        config = encoder_config(bert_config, tokenizer, info.maxlen, "shorten the passage windows")
        if info.question_marks:
            # The base's segment table grows (core/encoder/bert.py).
            types = max(MARKED_SEGMENTS, int(config.get("type_vocab_size", 2)))
            config = {**config, "type_vocab_size": types}
        network = build_mrc_network(info.method, config, checkpoint, keep_tokens)
        return cls(info, network, tokenizer, config)

    @classmethod
    def read_info(cls, meta: dict[str, Any], where: str) -> MrcModelInfo:
        return MrcModelInfo.from_json(meta, where)

    @classmethod
    def build_network(cls, config: dict[str, Any], info: MrcModelInfo) -> MrcNetwork:
        return build_mrc_network(info.method, config)

    @property
    def identity(self) -> str:
        return f"{self.info.name}@{self.info.version}"

    # -- answering ---------------------------------------------------------------------

    def answer(self, question: str, context: str) -> Answer:
        return self.answer_many([(question, context)])[0]

    def answer_many(
        self,
        pairs: Sequence[tuple[str, str]],
        batch_size: int = 32,
        ctx: JobContext | None = None,
    ) -> list[Answer]:
        """The answer to each (question, context), in order. Questions go
        through the model ``batch_size`` at a time (MLM and pointer: all
        their windows in batches of ``batch_size`` inputs; seq2seq: the beams
        of ``batch_size`` questions decoded together). Cancellation is
        checked between batches."""
        ctx = ctx or JobContext.null()
        out: list[Answer] = []
        for begin in range(0, len(pairs), batch_size):
            ctx.report(begin, len(pairs), "answering")
            group = pairs[begin : begin + batch_size]
            started = time.perf_counter()
            found = self._answer_group(group, batch_size, ctx)
            each = (time.perf_counter() - started) / max(1, len(group))
            for (_, context), item in zip(group, found, strict=True):
                out.append(_answer(context, item, each))
        ctx.report(len(pairs), len(pairs), "done")
        return out

    def _answer_group(
        self, group: Sequence[tuple[str, str]], batch_size: int, ctx: JobContext
    ) -> list[tuple[list[Window], Candidate | None]]:
        layout, tok = self.info.layout, self.tokenizer
        windows = [passage_windows(tok, c, layout) for _, c in group]
        questions = [question_ids(tok, q, layout) for q, _ in group]
        if self.info.method == "seq2seq":
            found = self._decode_seq2seq(windows, questions, batch_size, ctx)
            return list(zip(windows, found, strict=True))
        inputs = [
            (
                q,
                w,
                encode(self.info.method, tok, questions[q], win, layout, self.info.question_marks),
            )
            for q in range(len(group))
            for w, win in enumerate(windows[q])
        ]
        best: list[Candidate | None] = [None] * len(group)
        for b in range(0, len(inputs), batch_size):
            ctx.check_cancelled()
            part = inputs[b : b + batch_size]
            for (q, _w, _enc), cand in zip(part, self._window_answers(part, windows), strict=True):
                if cand is not None and (best[q] is None or cand.rank > best[q].rank):
                    best[q] = cand
        return list(zip(windows, best, strict=True))

    def _window_answers(
        self, part: list[tuple[int, int, Encoded]], windows: list[list[Window]]
    ) -> list[Candidate | None]:
        layout = self.info.layout
        ids = pad_ids([e.token_ids for _, _, e in part], limit=self.info.maxlen)
        segs = pad_ids([e.segment_ids for _, _, e in part], length=ids.shape[1])
        if self.info.method == "mlm":
            positions = np.tile(np.arange(1, layout.answer_len + 1, dtype="int32"), (len(part), 1))
            probs = self._predict(ids, segs, positions)
            out: list[Candidate | None] = []
            for k, (q, w, _) in enumerate(part):
                # Only the window's tokens and [PAD] can be chosen: the log of
                # those columns alone (of the whole vocabulary it was a seventh
                # of the answering time).
                passage = np.append(windows[q][w].ids, self.tokenizer.pad_id)
                columns, local = np.unique(passage, return_inverse=True)
                log_probs = np.log(np.maximum(probs[k][:, columns], 1e-12))
                out.append(
                    best_mlm_span(
                        log_probs, local[:-1], int(local[-1]), w, self.info.length_penalty
                    )
                )
            return out
        allowed = np.zeros(ids.shape, dtype="float32")
        allowed[:, 0] = 1.0
        for k, (q, w, e) in enumerate(part):
            allowed[k, e.passage_at : e.passage_at + len(windows[q][w].ids)] = 1.0
        log_probs = self._predict(ids, segs, allowed)
        out = []
        for k, (q, w, e) in enumerate(part):
            n = len(windows[q][w].ids)
            lp = log_probs[k, e.passage_at : e.passage_at + n]
            null = float(log_probs[k, 0, 0] + log_probs[k, 0, 1])
            out.append(best_pointer_span(lp[:, 0], lp[:, 1], layout.answer_len, w, null))
        return out

    def _decode_seq2seq(
        self,
        windows: list[list[Window]],
        questions: list[list[int]],
        batch_size: int,
        ctx: JobContext,
    ) -> list[Candidate | None]:
        tok = self.tokenizer
        heads = [
            [encode("seq2seq", tok, questions[q], win, self.info.layout).token_ids for win in ws]
            for q, ws in enumerate(windows)
        ]

        def next_log_probs(prefixes: list[tuple[int, int, list[int]]]) -> np.ndarray:
            out = []
            for b in range(0, len(prefixes), batch_size):
                ctx.check_cancelled()
                part = prefixes[b : b + batch_size]
                rows = [heads[q][w] + ids for q, w, ids in part]
                token_ids = pad_ids(rows, limit=self.info.maxlen)
                segs = np.zeros_like(token_ids)
                for k, (q, w, _ids) in enumerate(part):
                    segs[k, len(heads[q][w]) : len(rows[k])] = 1
                last = np.array([[len(r) - 1] for r in rows], dtype="int32")
                probs = self._predict(token_ids, segs, last)[:, 0]
                out.append(np.log(np.maximum(probs, 1e-12)))
            return np.concatenate(out)

        passages = [[w.ids for w in ws] for ws in windows]
        if self.info.decoder == "pooled":
            return pooled_greedy_search(
                passages, next_log_probs, tok.sep_id, self.info.layout.answer_len
            )
        return constrained_beam_search(
            passages,
            next_log_probs,
            tok.sep_id,
            self.info.layout.answer_len,
            self.info.beam_size,
            self.info.length_penalty,
        )

    def _predict(self, *arrays: np.ndarray) -> np.ndarray:
        with self._lock:
            return self._predict_fn(*arrays).numpy()


def _answer(context: str, item: tuple[list[Window], Candidate | None], seconds: float) -> Answer:
    windows, cand = item
    if cand is None:
        return Answer("", None, None, 0.0, round(seconds, 4))
    start, end = windows[cand.window].char_span(cand.start, cand.end)
    return Answer(context[start:end], start, end, round(cand.probability, 4), round(seconds, 4))


AnswerFn = Callable[[Sequence[tuple[str, str]]], list[Answer]]
