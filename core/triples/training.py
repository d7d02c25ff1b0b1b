"""Training a triple model: epochs of one-random-subject batches, Adam with
warm-up, dev F1 after each epoch, best model kept. The weights evaluated are
the weights saved: the raw ones, or a moving average when one is asked for
(``ema_momentum`` > 0), which starts at ``ema_start`` steps so that it never
averages the random initial weights.

Sentences may come from sources that annotate different predicate sets
(DuIE 1.0 and 2.0): with ``sources`` given, a sentence's object loss covers
only the predicates its ``source`` annotates, and dev F1 is reported on each
source's own predicates (``own``, used to pick the best epoch) and on all.

Resumable: ``OUT.state/`` holds the raw weights, the optimizer's moments, the
average, and the position (epoch, step) after every ``save_every`` steps and
on interruption. Running again with the same arguments continues exactly where
it stopped: the batch order of an epoch is a function of (seed, epoch).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from core.compat import set_seed
from core.encoder.optimizer import WeightAverage, make_optimizer
from core.errors import BadInput
from core.evaluation import SourcePredicates, TripleScores, annotated_by, score_by_source
from core.formats.duie import Sentence
from core.jobs import Cancelled, JobContext
from core.resume import SigintFlag, restore_optimizer, save_optimizer
from core.sentences import TERMINATORS
from core.triples.augment import entity_pools, with_swapped_entities
from core.triples.model import TripleModel
from core.triples.samples import TrainingSample, encode_training_sentence, training_batches


@dataclass
class TrainSettings:
    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 1e-3
    warmup_steps: int = 200
    ema_momentum: float = 0.0  # 0: no averaging
    ema_start: int = 0  # steps before the average starts
    mask_sources: bool = True  # False: ``sources`` only score, they mask no loss
    # Share of training sentences without a final terminator that get "。":
    # in a document every sentence ends with one, in DuIE few do.
    full_stop_rate: float = 0.5
    # Share of training sentences given other names of the same types each
    # epoch (core/triples/augment.py); 0: the sentences as annotated.
    entity_swap_rate: float = 0.0
    seed: int = 42
    save_every: int = 100
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
    ctx = ctx or JobContext.null()
    out_dir = Path(out_dir)
    state_dir = out_dir.with_name(out_dir.name + ".state")
    state_dir.mkdir(parents=True, exist_ok=True)
    set_seed(settings.seed)
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
    total_steps = steps_per_epoch * settings.epochs
    train_model = model.network.train_model
    optimizer = make_optimizer(settings.learning_rate, settings.warmup_steps, total_steps)
    train_model.compile(optimizer=optimizer)
    average = WeightAverage(train_model, settings.ema_momentum, settings.ema_start)

    progress: dict[str, Any] = {
        "epoch": 0,
        "step_in_epoch": 0,
        "history": [],
        "best_f1": -1.0,
        "losses": [],
        "epoch_loss": [0.0, 0],  # sum and count of this epoch's losses
    }
    progress_path = state_dir / "progress.json"
    if progress_path.exists():
        progress = json.loads(progress_path.read_text())
        train_model.load_weights(str(state_dir / "weights.h5"))
        restore_optimizer(train_model, state_dir / "optimizer.npz")
        average.restore(state_dir / "average.npz")
        progress.setdefault("epoch_loss", [0.0, 0])

    def save_state() -> None:
        train_model.save_weights(str(state_dir / "weights.h5"))
        save_optimizer(optimizer, state_dir / "optimizer.npz")
        average.save(state_dir / "average.npz")
        progress["settings"] = asdict(settings)
        tmp = progress_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(progress, indent=1))
        tmp.replace(progress_path)

    run_started = time.time()
    sigint = SigintFlag().__enter__()
    try:
        while progress["epoch"] < settings.epochs:
            epoch = progress["epoch"]
            rng = np.random.default_rng([settings.seed, epoch])
            epoch_started = time.time()
            for k, batch in enumerate(
                training_batches(
                    epoch_samples(epoch),
                    model.network.n_predicates,
                    settings.batch_size,
                    rng,
                    max_length=model.info.maxlen,
                )
            ):
                if k < progress["step_in_epoch"]:
                    continue
                done = epoch * steps_per_epoch + k
                recent = progress["losses"][-50:]
                loss_text = f" loss {np.mean(recent):.4f}" if recent else ""
                ctx.report(done, total_steps, f"epoch {epoch + 1}/{settings.epochs}{loss_text}")
                if sigint.raised:
                    raise KeyboardInterrupt
                loss = float(train_model.train_on_batch(batch))
                average.update(done + 1)
                progress["losses"] = [*progress["losses"][-199:], loss]
                progress["epoch_loss"] = [
                    progress["epoch_loss"][0] + loss,
                    progress["epoch_loss"][1] + 1,
                ]
                if (done + 1) % 10 == 0:
                    ctx.partial(
                        {"step": done + 1, "loss": float(np.mean(progress["losses"][-10:]))}
                    )
                progress["step_in_epoch"] = k + 1
                if progress["step_in_epoch"] % settings.save_every == 0:
                    save_state()
            # Evaluate and save the same weights (the average once it runs), then
            # train on with the raw ones.
            with average.applied():
                by_source = evaluate_by_source(model, dev, None, sources) if dev else None
                scores = by_source["own"] if by_source else None
                loss_sum, loss_count = progress["epoch_loss"]
                record = {
                    "epoch": epoch + 1,
                    "step": (epoch + 1) * steps_per_epoch,
                    "loss": round(loss_sum / max(1, loss_count), 5),
                    "seconds": round(time.time() - epoch_started, 1),
                    "averaged": average.active,
                    **(scores.summary() if scores else {}),
                }
                if by_source and sources:
                    record["by_source"] = {k: v.summary() for k, v in by_source.items()}
                f1 = scores.f1 if scores else float(epoch)
                if f1 > progress["best_f1"]:
                    progress["best_f1"] = f1
                    record["saved"] = True
                    model.info.training = {
                        **model.info.training,
                        "epochs_trained": epoch + 1,
                        "best_dev": scores.summary() if scores else None,
                        "train_sentences": len(train),
                        "train_samples_used": len(samples),
                        "settings": asdict(settings),
                    }
                    model.save(out_dir)
            progress["history"].append(record)
            progress["epoch"] = epoch + 1
            progress["step_in_epoch"] = 0
            progress["epoch_loss"] = [0.0, 0]
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
    if not keep_state:
        import shutil

        shutil.rmtree(state_dir, ignore_errors=True)
    return {
        "best_f1": progress["best_f1"],
        "history": progress["history"],
        "seconds_this_run": round(time.time() - run_started, 1),
        "samples": len(samples),
    }
