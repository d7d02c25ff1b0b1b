"""Training a linker: both heads together, one step = a batch of texts for the
mention head plus a batch of (context, description) pairs for the ranker.

Ranker pairs are drawn again every epoch: for each annotated mention, the
right entity (unless NIL) against the other entities sharing its alias (the
hard negatives) and a few random ones, of the same type when possible.
After each epoch, with the averaged (EMA) weights, the dev queries are linked,
the NIL threshold is chosen on one half of them and F1 measured on the other
half (the rule every threshold here is tuned by), and the best model
so far is saved. The loop and its resume state (``OUT.state/``) are the
shared trainer's (core/runtime/trainer.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import BadInput
from core.linking.alias_prior import AliasPrior, TextCounts, text_counts
from core.linking.candidates import AliasIndex, AliasMatch
from core.linking.evaluation import LinkScores
from core.linking.kb import KnowledgeBase
from core.linking.model import LinkerModel
from core.linking.pair_features import entity_text, pair_features
from core.linking.queries import Query
from core.linking.samples import (
    MentionWindow,
    batches_by_length,
    mention_arrays,
    mention_labels,
    mention_windows,
    pair_arrays,
    pair_ids,
    token_mask,
)
from core.linking.thresholds import calibrate_and_choose, raw_scores, recalibrated, scores_at
from core.runtime.jobs import JobContext
from core.runtime.trainer import train_folder_model
from core.runtime.training_task import Epoch, Evaluation, TrainingSettings
from core.runtime.tuning import require_two_halves, split_held_out


@dataclass
class LinkTrainSettings(TrainingSettings):
    epochs: int = 30
    batch_size: int = 32  # pairs for the ranker and texts for the mention head, per step
    random_negatives: int = 3
    learning_rate: float = 2e-4
    ema_momentum: float = 0.995


def ranker_pairs(
    model: LinkerModel,
    queries: Sequence[Query],
    kb: KnowledgeBase,
    index: AliasIndex,
    rng: random.Random,
    random_negatives: int,
) -> tuple[list[tuple[list[int], list[int]]], list[float], list[np.ndarray]]:
    """(ids, segments) of each pair, its label and, for a ranker that reads
    them, its pair features."""
    by_type: dict[str, list[str]] = {}
    for e in kb.entities.values():
        for t in e.types or ("",):
            by_type.setdefault(t, []).append(e.id)
    all_ids = sorted(kb.entities)
    pairs, labels, features = [], [], []
    chars = model.info.description_chars
    for q in queries:
        seen = set()
        for m in q.mentions:
            if (m.text, m.kb_id) in seen:
                continue
            seen.add((m.text, m.kb_id))
            gold = None if m.is_nil else kb.get(m.kb_id)
            chosen: dict[str, float] = {}
            if gold is not None:
                chosen[gold.id] = 1.0
            for c in index.get_candidates(m.text):
                chosen.setdefault(c.entity_id, 0.0)
            pool = by_type.get(gold.types[0], all_ids) if gold and gold.types else all_ids
            for k in range(random_negatives):
                source = pool if k < random_negatives - 1 and len(pool) > 1 else all_ids
                other = source[rng.randrange(len(source))]
                chosen.setdefault(other, 0.0)
            for entity_id, label in chosen.items():
                entity = kb.get(entity_id)
                if entity is None:
                    continue
                pairs.append(
                    pair_ids(
                        model.tokenizer,
                        q.text,
                        m.start,
                        m.end,
                        entity.description(chars, model.info.sense_first),
                        model.info.pair_maxlen,
                    )
                )
                labels.append(label)
                if model.info.pair_features:
                    features.append(pair_features(q.text, m.start, m.end, entity_text(entity)))
    return pairs, labels, features


def _own_text_left_out(
    prior: AliasPrior, matches: Sequence[Sequence[AliasMatch]], counts: Sequence[TextCounts]
) -> list[list[tuple[float, float]]]:
    """Each training text's alias priors counted without the text itself:
    the head must learn what the prior says of text it has not seen."""
    return [
        [prior.of(m.alias, own) for m in found] for found, own in zip(matches, counts, strict=True)
    ]


def _filled(batch: list[int], size: int, n: int, rng: np.random.Generator) -> list[int]:
    """A short last batch topped up with random samples: Keras needs both
    heads' inputs to have the same number of rows."""
    if len(batch) >= size:
        return batch
    return [*batch, *(int(i) for i in rng.integers(0, n, size - len(batch)))]


def evaluate_linker(
    model: LinkerModel,
    queries: Sequence[Query],
    kb: KnowledgeBase,
    index: AliasIndex,
    tune: bool = False,
    ctx: JobContext | None = None,
) -> LinkScores:
    """Link ``queries`` and score. With ``tune`` the ranker's calibration and
    the NIL threshold are chosen on one half of them (kept in ``model.info``)
    and the scores are those of the other half (core/runtime/tuning.py)."""
    if not tune:
        scored = model.score([q.text for q in queries], kb, index, ctx=ctx)
        return scores_at(scored, queries, model.info.nil_threshold)
    raw = raw_scores(model, [q.text for q in queries], kb, index, ctx=ctx)
    choose_on, report_on = split_held_out(raw)
    choose_gold, report_gold = split_held_out(queries)
    chosen = calibrate_and_choose(choose_on, choose_gold)
    model.info.calibration = chosen.calibration
    model.info.nil_threshold = chosen.nil_threshold
    return scores_at(recalibrated(report_on, chosen.calibration), report_gold, chosen.nil_threshold)


def train_linker(
    model: LinkerModel,
    kb: KnowledgeBase,
    index: AliasIndex,
    train: Sequence[Query],
    dev: Sequence[Query],
    out_dir: str | Path,
    settings: LinkTrainSettings | None = None,
    ctx: JobContext | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
    dev_kb: tuple[KnowledgeBase, AliasIndex] | None = None,
) -> dict[str, Any]:
    """``dev_kb``: the KB (and its index) the dev queries link against, when
    not the training one."""
    settings = settings or LinkTrainSettings()
    eval_kb, eval_index = dev_kb or (kb, index)
    out_dir = Path(out_dir)
    if not any(q.mentions or q.unlinked() for q in train):
        raise BadInput("no training query has a mention")
    if dev:
        require_two_halves(len(dev), "dev queries")
    texts = [q.text for q in train]
    # Mentions: linked, NIL, and those of entities nobody identified.
    spans = [[(m.start, m.end) for m in q.mentions] + q.unlinked() for q in train]
    matches = [index.find(t) for t in texts]
    priors = None
    if model.info.reads_prior:
        counts = [
            text_counts(q.text, sp, q.unlabelled()) for q, sp in zip(train, spans, strict=True)
        ]
        model.prior = AliasPrior.learn(counts)
        priors = _own_text_left_out(model.prior, matches, counts)
    windows: list[MentionWindow] = mention_windows(
        model.tokenizer, texts, matches, model.info.maxlen, priors
    )
    unlabelled = [q.unlabelled() for q in train]
    n_pairs = len(ranker_pairs(model, train, kb, index, random.Random(0), 1)[0])
    n_pairs = int(n_pairs * (1 + settings.random_negatives) / 2)  # about, for the schedule
    steps_per_epoch = max(1, -(-n_pairs // settings.batch_size))

    def batches(epoch: int) -> Epoch:
        """Ranker pairs drawn again for the epoch, in batches of similar
        length; each step also takes a batch of texts for the mention head."""
        rng = np.random.default_rng([settings.seed, epoch])
        pairs, labels, features = ranker_pairs(
            model,
            train,
            kb,
            index,
            random.Random(f"{settings.seed}:{epoch}"),
            settings.random_negatives,
        )
        pair_batches = list(batches_by_length([len(p[0]) for p in pairs], settings.batch_size, rng))

        def steps() -> Iterator[list[np.ndarray]]:
            text_batches: list[list[int]] = []
            for pair_batch in pair_batches:
                if not text_batches:
                    text_batches = list(
                        batches_by_length(
                            [len(w.encoding.token_ids) for w in windows],
                            settings.batch_size,
                            rng,
                        )
                    )
                text_batch = _filled(text_batches.pop(), settings.batch_size, len(windows), rng)
                pair_batch = _filled(pair_batch, settings.batch_size, len(pairs), rng)
                chunk = [windows[i] for i in text_batch]
                m_ids, m_segs, m_feats = mention_arrays(chunk, model.info.maxlen)
                m_labels = mention_labels(chunk, spans, m_ids.shape[1])
                m_mask = token_mask(chunk, unlabelled, m_ids)
                r_ids, r_segs = pair_arrays([pairs[i] for i in pair_batch], model.info.pair_maxlen)
                r_labels = np.array([[labels[i]] for i in pair_batch], dtype="float32")
                ranker = [r_ids, r_segs]
                if features:
                    ranker.append(np.stack([features[i] for i in pair_batch]))
                yield [m_ids, m_segs, m_feats, m_labels, m_mask, *ranker, r_labels]

        return Epoch(len(pair_batches), steps())

    def evaluate(eval_ctx: JobContext) -> Evaluation:
        scores = evaluate_linker(model, dev, eval_kb, eval_index, tune=True, ctx=eval_ctx)
        fields = {"nil_threshold": model.info.nil_threshold, **scores.summary()}
        return Evaluation(scores.f1, fields, scores.summary())

    about = {"train_queries": len(train)}
    return train_folder_model(
        model,
        batches,
        evaluate if dev else None,
        out_dir,
        settings,
        steps_per_epoch,
        about,
        ctx,
        on_epoch,
    )
