"""Training a linker: both heads together, one step = a batch of texts for the
mention head plus a batch of (context, description) pairs for the ranker.

Ranker pairs are drawn again every epoch: for each annotated mention, the
right entity (unless NIL) against the other entities sharing its alias (the
hard negatives) and a few random ones, of the same type when possible.
After each epoch, with the averaged (EMA) weights, the dev queries are linked,
the NIL threshold that gives the best dev F1 is chosen, and the best model
so far is saved. Resumable like triple training: ``out_dir.state/``.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.compat import set_seed
from core.encoder.optimizer import WeightAverage, make_optimizer
from core.errors import BadInput
from core.jobs import Cancelled, JobContext
from core.linking.candidates import AliasIndex
from core.linking.evaluation import LinkScores, score_links
from core.linking.kb import KnowledgeBase
from core.linking.model import LinkerModel
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
from core.linking.thresholds import choose_nil_threshold
from core.resume import SigintFlag, restore_optimizer, save_optimizer


@dataclass
class LinkTrainSettings:
    epochs: int = 30
    batch_size: int = 32  # pairs for the ranker and texts for the mention head, per step
    random_negatives: int = 3
    learning_rate: float = 2e-4
    warmup_steps: int = 200
    ema_momentum: float = 0.995
    seed: int = 42
    save_every: int = 100


def ranker_pairs(
    model: LinkerModel,
    queries: Sequence[Query],
    kb: KnowledgeBase,
    index: AliasIndex,
    rng: random.Random,
    random_negatives: int,
) -> tuple[list[tuple[list[int], list[int]]], list[float]]:
    by_type: dict[str, list[str]] = {}
    for e in kb.entities.values():
        for t in e.types or ("",):
            by_type.setdefault(t, []).append(e.id)
    all_ids = sorted(kb.entities)
    pairs, labels = [], []
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
                        entity.description(chars),
                        model.info.pair_maxlen,
                    )
                )
                labels.append(label)
    return pairs, labels


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
    """Link ``queries`` and score; with ``tune`` the NIL threshold is chosen on
    them first (and kept in ``model.info``)."""
    scored = model.score([q.text for q in queries], kb, index, ctx=ctx)
    if tune:
        model.info.nil_threshold, scores = choose_nil_threshold(scored, queries)
        return scores
    return score_links(
        [q.mentions for q in queries],
        [[m.decide(model.info.nil_threshold) for m in found] for found in scored],
        [q.unlabelled() for q in queries],
    )


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
) -> dict[str, Any]:
    settings = settings or LinkTrainSettings()
    ctx = ctx or JobContext.null()
    out_dir = Path(out_dir)
    state_dir = out_dir.with_name(out_dir.name + ".state")
    state_dir.mkdir(parents=True, exist_ok=True)
    set_seed(settings.seed)
    train = [q for q in train if q.mentions]
    if not train:
        raise BadInput("no training query has a mention")
    texts = [q.text for q in train]
    windows: list[MentionWindow] = mention_windows(
        model.tokenizer, texts, [index.find(t) for t in texts], model.info.maxlen
    )
    spans = [[(m.start, m.end) for m in q.mentions] for q in train]
    unlabelled = [q.unlabelled() for q in train]
    n_pairs = len(ranker_pairs(model, train, kb, index, random.Random(0), 1)[0])
    n_pairs = int(n_pairs * (1 + settings.random_negatives) / 2)  # about, for the schedule
    steps_per_epoch = max(1, -(-n_pairs // settings.batch_size))
    total_steps = steps_per_epoch * settings.epochs
    optimizer = make_optimizer(settings.learning_rate, settings.warmup_steps, total_steps)
    train_model = model.network.train_model
    train_model.compile(optimizer=optimizer)
    average = WeightAverage(train_model, settings.ema_momentum)

    progress: dict[str, Any] = {
        "epoch": 0,
        "step_in_epoch": 0,
        "history": [],
        "best_f1": -1.0,
        "losses": [],
    }
    progress_path = state_dir / "progress.json"
    if progress_path.exists():
        progress = json.loads(progress_path.read_text())
        train_model.load_weights(str(state_dir / "weights.h5"))
        restore_optimizer(train_model, state_dir / "optimizer.npz")
        average.restore(state_dir / "average.npz")

    def save_state() -> None:
        train_model.save_weights(str(state_dir / "weights.h5"))
        save_optimizer(optimizer, state_dir / "optimizer.npz")
        average.save(state_dir / "average.npz")
        progress["settings"] = asdict(settings)
        tmp = progress_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(progress, indent=1))
        tmp.replace(progress_path)

    started = time.time()
    sigint = SigintFlag().__enter__()
    try:
        while progress["epoch"] < settings.epochs:
            epoch = progress["epoch"]
            rng = np.random.default_rng([settings.seed, epoch])
            pairs, labels = ranker_pairs(
                model,
                train,
                kb,
                index,
                random.Random(f"{settings.seed}:{epoch}"),
                settings.random_negatives,
            )
            pair_batches = list(
                batches_by_length([len(p[0]) for p in pairs], settings.batch_size, rng)
            )
            text_batches: list[list[int]] = []
            epoch_started = time.time()
            for k, pair_batch in enumerate(pair_batches):
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
                if k < progress["step_in_epoch"]:
                    continue
                done = epoch * len(pair_batches) + k
                recent = progress["losses"][-50:]
                loss_text = f" loss {np.mean(recent):.4f}" if recent else ""
                ctx.report(
                    done,
                    settings.epochs * len(pair_batches),
                    f"epoch {epoch + 1}/{settings.epochs}{loss_text}",
                )
                if sigint.raised:
                    raise KeyboardInterrupt
                chunk = [windows[i] for i in text_batch]
                m_ids, m_segs, m_feats = mention_arrays(chunk, model.info.maxlen)
                m_labels = mention_labels(chunk, spans, m_ids.shape[1])
                m_mask = token_mask(chunk, unlabelled, m_ids)
                r_ids, r_segs = pair_arrays([pairs[i] for i in pair_batch], model.info.pair_maxlen)
                r_labels = np.array([[labels[i]] for i in pair_batch], dtype="float32")
                loss = float(
                    train_model.train_on_batch(
                        [m_ids, m_segs, m_feats, m_labels, m_mask, r_ids, r_segs, r_labels]
                    )
                )
                average.update(done + 1)
                progress["losses"] = [*progress["losses"][-199:], loss]
                if (done + 1) % 10 == 0:
                    ctx.partial(
                        {"step": done + 1, "loss": float(np.mean(progress["losses"][-10:]))}
                    )
                progress["step_in_epoch"] = k + 1
                if progress["step_in_epoch"] % settings.save_every == 0:
                    save_state()
            with average.applied():
                scores = evaluate_linker(model, dev, kb, index, tune=True) if dev else None
                record = {
                    "epoch": epoch + 1,
                    "loss": round(float(np.mean(progress["losses"][-len(pair_batches) :])), 5),
                    "seconds": round(time.time() - epoch_started, 1),
                    "nil_threshold": model.info.nil_threshold,
                    **(scores.summary() if scores else {}),
                }
                f1 = scores.f1 if scores else float(epoch)
                if f1 > progress["best_f1"]:
                    progress["best_f1"] = f1
                    record["saved"] = True
                    model.info.training = {
                        **model.info.training,
                        "epochs_trained": epoch + 1,
                        "best_dev": scores.summary() if scores else None,
                        "train_queries": len(train),
                        "settings": asdict(settings),
                    }
                    model.save(out_dir)
            progress["history"].append(record)
            progress["epoch"] = epoch + 1
            progress["step_in_epoch"] = 0
            save_state()
            (out_dir.parent / (out_dir.name + ".history.json")).write_text(
                json.dumps(progress["history"], indent=1)
            )
            if on_epoch:
                on_epoch(record)
    except (KeyboardInterrupt, Cancelled):
        save_state()
        raise
    finally:
        sigint.__exit__()
    return {
        "best_f1": progress["best_f1"],
        "history": progress["history"],
        "seconds_this_run": round(time.time() - started, 1),
    }
