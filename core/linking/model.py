"""An entity linker: its folder on disk, and batched linking against any KB.

Folder layout (DESIGN.md, "Models on disk"):
    model.json        task "link", format version, lengths, thresholds,
                      training record (no KB in it: the KB is given at run time)
    bert_config.json  the encoder's hyper-parameters
    vocab.txt         the vocabulary the encoder was trained with
    weights.h5        Keras ``save_weights`` of both heads and the encoder, float16

Linking a text: every alias match of the KB is found; the mention head,
informed by those matches, gives every token a start and an end probability;
mentions are the alias matches whose ends are likely enough, and the free
spans whose ends pass the (higher) pointer thresholds; each span's candidates
(the entities with that alias) are scored by the ranker, whose score is made
a probability by the calibration fitted on held-out queries
(core/linking/calibration.py); the best candidate is the link when its
probability reaches ``nil_threshold``, otherwise NIL.

Newer linkers also read the alias prior (core/linking/alias_prior.py), kept
in the folder as ``alias_prior.json``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.compat import bert4keras
from core.encoder.spans import char_to_token_span, pointer_spans
from core.encoder.tokenizer import Tokenizer
from core.errors import BadInput
from core.linking.alias_prior import PRIOR_FILE, AliasPrior
from core.linking.calibration import IDENTITY, apply_calibration
from core.linking.candidates import AliasIndex, AliasMatch, CandidateGenerator, by_prior
from core.linking.folder import FORMAT_VERSION, TASK
from core.linking.kb import KnowledgeBase
from core.linking.network import (
    ALIAS_FEATURES,
    PRIOR_FEATURES,
    LinkNetwork,
    build_link_network,
)
from core.linking.pair_features import PAIR_FEATURES, entity_text, pair_features
from core.linking.queries import NIL, Mention
from core.linking.samples import (
    MIN_ALIAS_CHARS,
    mention_arrays,
    mention_windows,
    pair_arrays,
    pair_ids,
)
from core.runtime.jobs import JobContext
from core.runtime.model_folder import FolderModel, check_header, encoder_config

# A span the head proposes on its own (no alias matches it) that runs over a
# comma, an enumeration mark or a full stop is two names or a phrase, not one.
_BREAKS_A_NAME = re.compile(r"[，、。；：！？,;:!?\s]")


class LinkerFolderError(BadInput):
    """A linker folder that is missing files or was written for something else."""


def calibration_of(value: Any, where: str) -> tuple[float, float, float]:
    """(a, b, c) from ``model.json``; older linkers wrote (a, b)."""
    if not (isinstance(value, list | tuple) and len(value) in (2, 3)):
        raise LinkerFolderError(f"{where}: calibration must be [a, b] or [a, b, c]")
    try:
        numbers = [float(v) for v in value]
    except (TypeError, ValueError):
        raise LinkerFolderError(f"{where}: calibration must be numbers") from None
    return (numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else 0.0)


@dataclass
class LinkerInfo:
    maxlen: int = 128  # ids per window of the mention head
    pair_maxlen: int = 128  # ids of a (context, description) pair
    description_chars: int = 160
    max_candidates: int = 10  # per mention, by alias prior
    mention_start: float = 0.5  # a free span: its start and end probabilities
    mention_end: float = 0.5
    alias_threshold: float = 0.5  # an alias match: the smaller of its two
    max_free_tokens: int = 12  # a longer free span is a decoding accident, not a name
    nil_threshold: float = 0.5
    # Per token features of the mention head: 3 (alias matches) or 5 (and the
    # alias prior). Folders written before the prior existed have 3.
    alias_features: int = ALIAS_FEATURES + PRIOR_FEATURES
    # Numbers per (mention, candidate) pair the ranker reads beside its
    # encoder (core/linking/pair_features.py); 0 in older linkers.
    pair_features: int = PAIR_FEATURES
    # The ranker reads the sense description before the abstract (older
    # linkers: after it).
    sense_first: bool = True
    # The link probability: sigmoid(a * logit(ranker) + b + c * logit(mention
    # probability)), fitted on held-out queries (core/linking/calibration.py).
    calibration: tuple[float, float, float] = (1.0, 0.0, 0.0)
    name: str = "linker"
    version: str = "1"
    training: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"task": TASK, "format_version": FORMAT_VERSION, **asdict(self)}

    @classmethod
    def from_json(cls, d: dict[str, Any], where: str) -> LinkerInfo:
        check_header(d, TASK, FORMAT_VERSION, where, LinkerFolderError)
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        known.setdefault("alias_features", ALIAS_FEATURES)
        if known["alias_features"] not in (ALIAS_FEATURES, ALIAS_FEATURES + PRIOR_FEATURES):
            raise LinkerFolderError(f"{where}: alias_features must be 3 or 5")
        known.setdefault("pair_features", 0)
        known.setdefault("sense_first", False)
        if known["pair_features"] not in (0, PAIR_FEATURES):
            raise LinkerFolderError(f"{where}: pair_features must be 0 or {PAIR_FEATURES}")
        known["calibration"] = calibration_of(known.get("calibration", IDENTITY), where)
        return cls(**known)

    @property
    def reads_prior(self) -> bool:
        return self.alias_features > ALIAS_FEATURES


@dataclass
class ScoredMention:
    """A proposed mention with every candidate's ranker score (before the NIL
    decision, so thresholds can be tried without running the model again)."""

    start: int
    end: int
    text: str
    mention_score: float
    candidates: list[tuple[str, float]]  # best first

    def decide(self, nil_threshold: float) -> Mention:
        best = self.candidates[0] if self.candidates else None
        kb_id = best[0] if best and best[1] >= nil_threshold else NIL
        score = best[1] if best else None
        return Mention(
            self.start,
            self.end,
            self.text,
            kb_id,
            score,
            tuple(self.candidates),
            self.mention_score,
        )


class LinkerModel(FolderModel):
    """The network, its tokenizer and its settings; calls into TensorFlow are
    serialised by a lock, so one model can serve several threads."""

    folder_error = LinkerFolderError
    folder_kind = "KG Studio linker folder"
    info: LinkerInfo
    network: LinkNetwork

    def __init__(
        self, info: LinkerInfo, network: LinkNetwork, tokenizer: Tokenizer, bert_config: dict
    ) -> None:
        super().__init__(info, network, tokenizer, bert_config)
        self.prior: AliasPrior | None = AliasPrior() if info.reads_prior else None
        self._lock = threading.Lock()
        tf = bert4keras().tf
        ids = tf.TensorSpec([None, None], tf.int32)
        # One trace for every batch shape (predict_on_batch retraces per shape).
        self._mention_fn = tf.function(
            lambda t, s, f: network.mention_model([t, s, f], training=False),
            input_signature=[
                ids,
                ids,
                tf.TensorSpec([None, None, info.alias_features], tf.float32),
            ],
        )
        if info.pair_features:
            self._ranker_fn = tf.function(
                lambda t, s, f: network.ranker_model([t, s, f], training=False),
                input_signature=[ids, ids, tf.TensorSpec([None, info.pair_features], tf.float32)],
            )
        else:
            self._ranker_fn = tf.function(
                lambda t, s: network.ranker_model([t, s], training=False),
                input_signature=[ids, ids],
            )

    # -- construction ------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        info: LinkerInfo,
        bert_config: dict[str, Any],
        tokenizer: Tokenizer,
        checkpoint: str | None = None,
        keep_tokens: list[int] | None = None,
    ) -> LinkerModel:
        config = encoder_config(
            bert_config,
            tokenizer,
            max(info.maxlen, info.pair_maxlen),
            "choose shorter windows and pairs (maxlen, pair_maxlen)",
        )
        network = build_link_network(
            config,
            checkpoint=checkpoint,
            keep_tokens=keep_tokens,
            alias_features=info.alias_features,
            pair_features=info.pair_features,
        )
        return cls(info, network, tokenizer, config)

    @classmethod
    def read_info(cls, meta: dict[str, Any], where: str) -> LinkerInfo:
        return LinkerInfo.from_json(meta, where)

    @classmethod
    def build_network(cls, config: dict[str, Any], info: LinkerInfo) -> LinkNetwork:
        return build_link_network(
            config, alias_features=info.alias_features, pair_features=info.pair_features
        )

    @classmethod
    def load(cls, folder: str | Path) -> LinkerModel:
        model = super().load(folder)
        if model.info.reads_prior:
            path = Path(folder) / PRIOR_FILE
            if not path.is_file():
                raise LinkerFolderError(f"{folder}: missing {PRIOR_FILE} (the alias prior)")
            model.prior = AliasPrior.read(path)
        return model

    def extra_files(self) -> dict[str, str]:
        return {PRIOR_FILE: self.prior.to_json()} if self.prior is not None else {}

    def match_priors(self, matches: Sequence[AliasMatch]) -> list[tuple[float, float]] | None:
        """(prior, evidence) of each match, for a model that reads them."""
        if self.prior is None:
            return None
        return [self.prior.of(m.alias) for m in matches]

    def calibrated(self, raw: float, mention: float) -> float:
        """The link probability of a candidate the ranker scored ``raw``, for
        a span the mention head gave ``mention``."""
        return float(apply_calibration([raw], [mention], self.info.calibration)[0])

    # -- linking -----------------------------------------------------------------------

    def _run(self, fn: Any, *arrays: np.ndarray) -> np.ndarray:
        with self._lock:
            return fn(*arrays).numpy()

    def propose(
        self, texts: Sequence[str], index: AliasIndex, batch_size: int = 32
    ) -> list[list[tuple[int, int, float]]]:
        """Mention spans per text: (start, end, probability), in reading order."""
        matches = [index.find(t) for t in texts]
        priors = None if self.prior is None else [self.match_priors(m) for m in matches]
        windows = mention_windows(
            self.tokenizer,
            texts,
            matches,
            self.info.maxlen,
            priors,  # type: ignore[arg-type]
        )
        found: list[dict[tuple[int, int], float]] = [{} for _ in texts]
        order = sorted(range(len(windows)), key=lambda i: len(windows[i].encoding.token_ids))
        for begin in range(0, len(order), batch_size):
            chunk = [windows[i] for i in order[begin : begin + batch_size]]
            ids, segs, feats = mention_arrays(chunk, self.info.maxlen)
            probs = self._run(self._mention_fn, ids, segs, feats)
            for w, p in zip(chunk, probs, strict=True):
                last = len(w.encoding.token_ids) - 2
                spans = {
                    (span.start, span.end): min(span.start_prob, span.end_prob)
                    for span in pointer_spans(
                        p, 1, last, self.info.mention_start, self.info.mention_end
                    )
                    if span.end - span.start < self.info.max_free_tokens
                    and not _BREAKS_A_NAME.search(
                        texts[w.text_index][
                            w.encoding.offsets[span.start][0] : w.encoding.offsets[span.end][1]
                        ]
                    )
                }
                # An alias match is a mention when the head gives its two ends
                # enough probability, which may be less than a free span needs.
                for m in matches[w.text_index]:
                    if m.end - m.start < MIN_ALIAS_CHARS:
                        continue
                    tok = char_to_token_span(w.encoding.offsets, m.start, m.end)
                    if tok is not None and tok[1] <= last:
                        score = float(min(p[tok[0], 0], p[tok[1], 1]))
                        if score >= self.info.alias_threshold:
                            spans[tok] = max(score, spans.get(tok, 0.0))
                for (s, e), score in spans.items():
                    key = (w.encoding.offsets[s][0], w.encoding.offsets[e][1])
                    found[w.text_index][key] = max(score, found[w.text_index].get(key, 0.0))
        return [sorted((s, e, p) for (s, e), p in f.items()) for f in found]

    def rank(
        self,
        items: Sequence[tuple[str, int, int, Sequence[str]]],
        kb: KnowledgeBase,
        batch_size: int = 64,
    ) -> list[list[tuple[str, float]]]:
        """For each (text, start, end, candidate ids): the candidates with their
        raw ranker scores, best first."""
        pairs, owner, features = [], [], []
        for k, (text, start, end, ids) in enumerate(items):
            for entity_id in ids:
                entity = kb.get(entity_id)
                description = (
                    entity.description(self.info.description_chars, self.info.sense_first)
                    if entity
                    else ""
                )
                pairs.append(
                    pair_ids(self.tokenizer, text, start, end, description, self.info.pair_maxlen)
                )
                if self.info.pair_features:
                    whole = entity_text(entity) if entity else ""
                    features.append(pair_features(text, start, end, whole))
                owner.append((k, entity_id))
        scores = np.zeros(len(pairs), dtype="float32")
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]))
        for begin in range(0, len(order), batch_size):
            chunk = order[begin : begin + batch_size]
            arrays = list(pair_arrays([pairs[i] for i in chunk], self.info.pair_maxlen))
            if self.info.pair_features:
                arrays.append(np.stack([features[i] for i in chunk]))
            scores[chunk] = self._run(self._ranker_fn, *arrays)[:, 0]
        out: list[list[tuple[str, float]]] = [[] for _ in items]
        for (k, entity_id), s in zip(owner, scores, strict=True):
            out[k].append((entity_id, float(s)))
        for ranked in out:
            ranked.sort(key=lambda c: -c[1])
        return out

    def score(
        self,
        texts: Sequence[str],
        kb: KnowledgeBase,
        index: AliasIndex,
        batch_size: int = 32,
        ctx: JobContext | None = None,
        candidates: CandidateGenerator | None = None,
    ) -> list[list[ScoredMention]]:
        """Every proposed mention with its candidates scored. The alias index
        finds the aliases the mention head reads; a mention's candidates come
        from ``candidates`` (by default the same index), the one question the
        linker asks of a knowledge base."""
        ctx = ctx or JobContext.null()
        generator: CandidateGenerator = index if candidates is None else candidates
        out: list[list[ScoredMention]] = []
        step = max(1, batch_size * 4)
        for begin in range(0, len(texts), step):
            ctx.check_cancelled()
            chunk = texts[begin : begin + step]
            spans = self.propose(chunk, index, batch_size)
            items = []
            for text, found in zip(chunk, spans, strict=True):
                for start, end, _ in found:
                    offered = by_prior(generator.get_candidates(text[start:end]))
                    ids = [c.entity_id for c in offered[: self.info.max_candidates]]
                    items.append((text, start, end, ids))
            ranked = iter(self.rank(items, kb, batch_size * 2))
            for text, found in zip(chunk, spans, strict=True):
                row = []
                for s, e, p in found:
                    raw = next(ranked)
                    probs = apply_calibration(
                        [c[1] for c in raw], [p] * len(raw), self.info.calibration
                    )
                    scored = sorted(
                        zip([c[0] for c in raw], map(float, probs), strict=True),
                        key=lambda c: -c[1],
                    )
                    row.append(ScoredMention(s, e, text[s:e], p, scored))
                out.append(row)
            ctx.report(min(len(texts), begin + step), len(texts), "linking")
        return out

    def link(
        self,
        texts: Sequence[str],
        kb: KnowledgeBase,
        index: AliasIndex,
        batch_size: int = 32,
        ctx: JobContext | None = None,
        candidates: CandidateGenerator | None = None,
    ) -> list[list[Mention]]:
        """Mentions of each text, linked to an entity id or NIL."""
        return [
            [m.decide(self.info.nil_threshold) for m in found]
            for found in self.score(texts, kb, index, batch_size, ctx, candidates)
        ]
