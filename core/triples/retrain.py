"""Fine-tuning a model on the documents people reviewed, as a new model version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.errors import BadInput
from core.formats.duie import Sentence
from core.runtime.jobs import JobContext
from core.triples.model import TripleModel
from core.triples.training import TrainSettings, evaluate_model, train_triples


def split_reviewed(
    sentences: Sequence[Sentence], every: int = 5
) -> tuple[list[Sentence], list[Sentence]]:
    """Every ``every``-th reviewed document is held out to measure F1 before and
    after; the rest is trained on. Deterministic, so a rerun measures the same."""
    dev = [s for i, s in enumerate(sentences) if i % every == every - 1]
    train = [s for i, s in enumerate(sentences) if i % every != every - 1]
    return train, dev


def next_version_dir(models_root: Path, name: str, version: str) -> tuple[Path, str]:
    number = int(version) + 1 if version.isdigit() else 2
    while (models_root / f"{name}-v{number}").exists():
        number += 1
    return models_root / f"{name}-v{number}", str(number)


def retrain_on_reviewed(
    base_dir: str | Path,
    reviewed: Sequence[Sentence],
    models_root: str | Path,
    settings: TrainSettings | None = None,
    ctx: JobContext | None = None,
) -> dict[str, Any]:
    """Load the model in ``base_dir``, measure it on the held-out part of the
    reviewed documents, fine-tune on the rest, save the best epoch as a new
    version under ``models_root``. Loss values go to ``ctx.partial`` as they come."""
    ctx = ctx or JobContext.null()
    if len(reviewed) < 5:
        raise BadInput(f"only {len(reviewed)} reviewed documents: review at least 5 to retrain")
    train, dev = split_reviewed(reviewed)
    ctx.report(0, 1, "loading the model")
    model = TripleModel.load(base_dir)
    before = evaluate_model(model, dev)
    out, version = next_version_dir(Path(models_root), model.info.name, model.info.version)
    model.info.version = version
    model.info.training = {
        **model.info.training,
        "fine_tuned_from": str(base_dir),
        "reviewed_documents": len(reviewed),
    }
    settings = settings or TrainSettings(
        epochs=3, learning_rate=5e-5, warmup_steps=20, save_every=10**9
    )
    settings = replace(settings, save_every=max(settings.save_every, 1))
    result = train_triples(model, train, dev, out, settings, ctx, keep_state=False)
    after = TripleModel.load(out) if out.exists() else model
    after_scores = evaluate_model(after, dev)
    return {
        "out": str(out),
        "name": model.info.name,
        "version": version,
        "train_documents": len(train),
        "dev_documents": len(dev),
        "before": before.summary(),
        "after": after_scores.summary(),
        "history": result["history"],
    }
