"""Answerers in a child process (see :mod:`core.runtime.process`): the
window's process never imports TensorFlow. The child keeps the last
answerer it loaded (keyed on the folder's content)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.runtime.jobs import JobContext
from core.runtime.model_cache import SingleSlot, folder_key
from core.runtime.process import ChildProcess

if TYPE_CHECKING:
    from core.mrc.ask_documents import PlannedQuestion, Slot
    from core.mrc.model import Answer


@dataclass(frozen=True)
class AnswerRequest:
    folder: str
    pairs: list[tuple[str, str]]  # (question, context)
    batch_size: int = 32


@dataclass(frozen=True)
class AskRequest:
    folder: str
    planned: list[PlannedQuestion]
    texts: dict[int, str]
    slot: Slot
    batch_size: int = 32


_model: SingleSlot[Any] = SingleSlot()


def _load(folder: str) -> Any:
    from core.modelcheck import load_checked
    from core.mrc.model import MrcFolderError, MrcModel

    return _model.get(
        folder_key(folder),
        lambda: load_checked(
            folder, MrcModel.load, MrcFolderError, "KG Studio reading-comprehension model folder"
        ),
    )


def _answer(request: AnswerRequest, ctx: JobContext) -> list[Answer]:
    return _load(request.folder).answer_many(request.pairs, request.batch_size, ctx)


def _ask(request: AskRequest, ctx: JobContext) -> tuple[str, int]:
    from core.mrc.ask_documents import answer_planned

    model = _load(request.folder)
    return answer_planned(
        model, request.planned, request.texts, request.slot, ctx, request.batch_size
    )


HANDLERS = {"answer": _answer, "ask": _ask}


class MrcProcess(ChildProcess):
    """The child process serving answerers, at idle priority like the other models."""

    def __init__(self) -> None:
        super().__init__(__name__, "mrc", idle=True)

    def answer_many(
        self,
        folder: str | Path,
        pairs: Sequence[tuple[str, str]],
        ctx: JobContext | None = None,
        batch_size: int = 32,
    ) -> list[Answer]:
        """:meth:`core.mrc.model.MrcModel.answer_many` in the child."""
        ctx = ctx or JobContext.null()
        ctx.report(0, len(pairs), f"loading the answerer {Path(folder).name}")
        return self.request("answer", AnswerRequest(str(folder), list(pairs), batch_size), ctx)

    def answer(
        self, folder: str | Path, question: str, context: str, ctx: JobContext | None = None
    ) -> Answer:
        return self.answer_many(folder, [(question, context)], ctx)[0]

    def runner(self, folder: str | Path, batch_size: int = 32):
        """A runner for :func:`core.mrc.ask_documents.ask_every_document`."""

        def run(
            planned: list[PlannedQuestion], texts: dict[int, str], slot: Slot, ctx: JobContext
        ) -> tuple[str, int]:
            ctx.report(0, len(texts), f"loading the answerer {Path(folder).name}")
            request = AskRequest(str(folder), planned, texts, slot, batch_size)
            return self.request("ask", request, ctx)

        return run


class AnswererSet:
    """Several answerers side by side, each in a child of its own (a child
    keeps one model, so asking three answerers in one child would load a
    model at every turn). Children start on first use."""

    def __init__(self, folders: Sequence[str | Path]) -> None:
        self.folders = [str(f) for f in folders]
        self._children = {f: MrcProcess() for f in self.folders}

    def answer_each(
        self, question: str, context: str, ctx: JobContext | None = None
    ) -> dict[str, Answer]:
        """Each answerer's answer (folder -> Answer), one after the other;
        ``ctx`` reports one step per answerer."""
        ctx = ctx or JobContext.null()
        out: dict[str, Answer] = {}
        for k, folder in enumerate(self.folders):
            ctx.report(k, len(self.folders), f"asking {Path(folder).name}")
            out[folder] = self._children[folder].answer(folder, question, context, ctx.silent())
        ctx.report(len(self.folders), len(self.folders), "done")
        return out

    def close(self) -> None:
        for child in self._children.values():
            child.close()

    def __enter__(self) -> AnswererSet:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
