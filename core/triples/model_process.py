"""Triple models in a child process (see :mod:`core.runtime.process`): the
window's process never imports TensorFlow. The child keeps the last model it
loaded; pre-annotation and retraining on reviewed documents run there, with
progress, batches of results and loss points streamed back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.runtime.jobs import JobContext
from core.runtime.model_cache import SingleSlot, folder_key
from core.runtime.process import ChildProcess

if TYPE_CHECKING:
    from core.formats.duie import Sentence
    from core.triples.training import TrainSettings


@dataclass(frozen=True)
class PredictRequest:
    folder: str
    documents: list[tuple[int, str]]
    batch_size: int = 64
    thresholds: dict[str, float] | None = None  # None: the model's own


@dataclass(frozen=True)
class RetrainRequest:
    base_dir: str
    reviewed: list[Sentence]
    models_root: str
    settings: TrainSettings | None = None


# The child's model; only ever filled in the child.
_model: SingleSlot[Any] = SingleSlot()


def _predict(request: PredictRequest, ctx: JobContext) -> tuple[str, int]:
    from core.triples.annotate import model_identity, predict_documents
    from core.triples.decode import Thresholds
    from core.triples.model import TripleModel

    model = _model.get(folder_key(request.folder), lambda: TripleModel.load(request.folder))
    thresholds = Thresholds.from_dict(request.thresholds) if request.thresholds else None
    done = predict_documents(model, request.documents, ctx, request.batch_size, thresholds)
    return model_identity(model), done


def _retrain(request: RetrainRequest, ctx: JobContext) -> dict[str, Any]:
    from core.triples.retrain import retrain_on_reviewed

    return retrain_on_reviewed(
        request.base_dir, request.reviewed, request.models_root, request.settings, ctx
    )


HANDLERS = {"predict": _predict, "retrain": _retrain}


class ModelProcess(ChildProcess):
    """The child process serving triple models."""

    def __init__(self) -> None:
        # Idle priority: the window's thread gets a core the moment it needs
        # one; on a machine with nothing else to do the model runs as fast.
        super().__init__(__name__, "model", idle=True)

    def predict_documents(
        self,
        folder: str | Path,
        documents: Sequence[tuple[int, str]],
        ctx: JobContext | None = None,
        batch_size: int = 64,
        thresholds: dict[str, float] | None = None,
    ) -> tuple[str, int]:
        """Like :func:`core.triples.annotate.predict_documents`, in the child,
        with ``thresholds`` (``subject_start``... as in ``model.json``) instead
        of the model's own when given: batches of ``(doc_id, triples)`` go to
        ``ctx.partial`` as ``(origin, batch)``. Returns the model's identity
        (``name@version``) and the number of documents done."""
        ctx = ctx or JobContext.null()
        ctx.report(0, len(documents), f"loading the model {Path(folder).name}")
        request = PredictRequest(str(folder), list(documents), max(1, int(batch_size)), thresholds)
        return self.request("predict", request, ctx)

    def retrain(
        self,
        base_dir: str | Path,
        reviewed: Sequence[Sentence],
        models_root: str | Path,
        settings: TrainSettings | None = None,
        ctx: JobContext | None = None,
    ) -> dict[str, Any]:
        """:func:`core.triples.retrain.retrain_on_reviewed` in the child:
        progress goes to ``ctx.report``, loss points (``{"step", "loss"}``) to
        ``ctx.partial`` as they come. Returns its result (F1 before and after,
        the new version and its folder); raises Cancelled once ``ctx`` is
        cancelled, RuntimeError with the child's message when it fails."""
        ctx = ctx or JobContext.null()
        ctx.report(0, 1, "starting the model process")
        request = RetrainRequest(str(base_dir), list(reviewed), str(models_root), settings)
        return self.request("retrain", request, ctx)
