"""Training a triple model: epochs of one-random-subject batches, Adam with
warm-up, dev F1 after each epoch, best model kept. The weights evaluated are
the weights saved: the raw ones, or a moving average when one is asked for
(``ema_momentum`` > 0), which starts at ``ema_start`` steps so that it never
averages the random initial weights.

Sentences may come from sources that annotate different predicate sets
(DuIE 1.0 and 2.0): with ``sources`` given, a sentence's object loss covers
only the predicates its ``source`` annotates, and dev F1 is reported on each
source's own predicates (``own``, used to pick the best epoch) and on all.

The loop, its resume state in ``OUT.state/`` and the choice of the epoch
kept are the shared trainer's (core/runtime/trainer.py); this module gives it
the batches of an epoch (a function of the seed and the epoch), the dev
evaluation, and the model folder to save.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import BadInput
from core.evaluation import SourcePredicates, TripleScores, annotated_by, score_by_source
from core.formats.duie import Sentence
from core.runtime.jobs import JobContext
from core.runtime.trainer import train_folder_model
from core.runtime.training_task import Epoch, Evaluation, TrainingSettings
from core.sentences import TERMINATORS
from core.triples.augment import entity_pools, with_swapped_entities
from core.triples.model import TripleModel
from core.triples.samples import TrainingSample, encode_training_sentence, training_batches


@dataclass
class TrainSettings(TrainingSettings):
    mask_sources: bool = True  # False: ``sources`` only score, they mask no loss
    # Share of training sentences without a final terminator that get "。":
    # in a document every sentence ends with one, in DuIE few do.
    full_stop_rate: float = 0.5
    # Share of training sentences given other names of the same types each
    # epoch (core/triples/augment.py); 0: the sentences as annotated.
    entity_swap_rate: float = 0.0
    eval_batch_size: int = 64


def evaluate_model(
    model: TripleModel,
    sentences: Sequence[Sentence],
    ctx: JobContext | None = None,
    sources: SourcePredicates | None = None,
) -> TripleScores:
    """Dev scores; with ``sources``, each sentence on its own source's predicates."""
    return evaluate_by_source(model, sentences, ctx, sources)["own"]


def evaluate_by_source(
    model: TripleModel,
    sentences: Sequence[Sentence],
    ctx: JobContext | None = None,
    sources: SourcePredicates | None = None,
) -> dict[str, TripleScores]:
    predicted = model.extract([s.text for s in sentences], batch_size=64, ctx=ctx)
    return score_by_source(
        ((s.extra.get("source"), [t.key() for t in s.triples]) for s in sentences),
        ([t.key() for t in p] for p in predicted),
        sources,
    )


def with_full_stops(sentences: Sequence[Sentence], rate: float, seed: int) -> list[Sentence]:
    """A fixed share of the sentences that lack a final terminator end with "。"
    (spans are unchanged: the mark is appended)."""
    rng = np.random.default_rng([seed, 7])
    out = []
    for s in sentences:
        ends = s.text.rstrip()[-1:] in TERMINATORS
        out.append(s if ends or rng.random() >= rate else replace(s, text=s.text + "。"))
    return out


def predicate_mask_for(
    sentence: Sentence, predicates: Sequence[str], sources: SourcePredicates | None
) -> np.ndarray | None:
    allowed = annotated_by(sentence.extra.get("source"), sources)
    if allowed is None:
        return None
    return np.array([p in allowed for p in predicates], dtype="float32")


def train_triples(
    model: TripleModel,
    train: Sequence[Sentence],
    dev: Sequence[Sentence],
    out_dir: str | Path,
    settings: TrainSettings | None = None,
    ctx: JobContext | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
    keep_state: bool = True,
    sources: SourcePredicates | None = None,
) -> dict[str, Any]:
    """Train ``model`` in place; the best model by dev F1 is saved to ``out_dir``.
    With ``keep_state=False`` the resume state is deleted once training ends."""
    settings = settings or TrainSettings()
    out_dir = Path(out_dir)
    predicate_ids = {p: i for i, p in enumerate(model.info.predicates)}
    train = with_full_stops(train, settings.full_stop_rate, settings.seed)

    def encode(x: Sentence) -> TrainingSample | None:
        mask = predicate_mask_for(
            x, model.info.predicates, sources if settings.mask_sources else None
        )
        return encode_training_sentence(model.tokenizer, x, predicate_ids, model.info.maxlen, mask)

    encoded = [encode(x) for x in train]
    samples = [s for s in encoded if s is not None]
    if not samples:
        raise BadInput("no training sentence has a triple that can be located in its text")
    pools = entity_pools(train) if settings.entity_swap_rate > 0 else {}

    def epoch_samples(epoch: int) -> list[TrainingSample]:
        """The epoch's samples: a function of (seed, epoch), so a resumed run
        sees the same sentences; always as many as ``samples``."""
        if not pools:
            return samples
        rng = np.random.default_rng([settings.seed, epoch, 11])
        swapped = with_swapped_entities(train, pools, settings.entity_swap_rate, rng)
        out = []
        for x, original, sample in zip(swapped, train, encoded, strict=True):
            if sample is None:
                continue
            out.append((encode(x) if x is not original else None) or sample)
        return out

    steps_per_epoch = -(-len(samples) // settings.batch_size)

    def batches(epoch: int) -> Epoch:
        rng = np.random.default_rng([settings.seed, epoch])
        return Epoch(
            steps_per_epoch,
            training_batches(
                epoch_samples(epoch),
                model.network.n_predicates,
                settings.batch_size,
                rng,
                max_length=model.info.maxlen,
            ),
        )

    def evaluate(eval_ctx: JobContext) -> Evaluation:
        by_source = evaluate_by_source(model, dev, eval_ctx, sources)
        own = by_source["own"].summary()
        fields: dict[str, Any] = dict(own)
        if sources:
            fields["by_source"] = {k: v.summary() for k, v in by_source.items()}
        return Evaluation(by_source["own"].f1, fields, own)

    about = {"train_sentences": len(train), "train_samples_used": len(samples)}
    result = train_folder_model(
        model,
        batches,
        evaluate if dev else None,
        out_dir,
        settings,
        steps_per_epoch,
        about,
        ctx,
        on_epoch,
        keep_state,
    )
    return {**result, "samples": len(samples)}
