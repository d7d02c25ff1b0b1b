"""Linking documents in a child process (see :mod:`core.runtime.process`).

The BERT linker needs TensorFlow, which the window's process never imports.
The child keeps the last knowledge base, its alias index and the last linker
it loaded while their files are unchanged, and links batches of ``(doc_id,
text)``. Without a linker folder it links with the alias-prior dictionary
baseline and never imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.runtime.batches import run_in_batches
from core.runtime.jobs import JobContext, NestedContext
from core.runtime.model_cache import SingleSlot, file_key, folder_key
from core.runtime.process import ChildProcess

# The origin of links made by the dictionary baseline (no linker folder).
BASELINE_ORIGIN = "alias-prior@1"


class KbReadingContext(NestedContext):
    """Progress of reading a KB file as (lines read, lines in the file):
    :func:`core.linking.kb.read_kb` reports lines read against the file's size
    in bytes, which would leave a progress bar near zero. Counting the lines
    first takes a fraction of a second even for the full CCKS KB."""

    def __init__(self, path: str | Path, outer: JobContext) -> None:
        super().__init__(outer)
        self.size = Path(path).stat().st_size
        with open(path, "rb") as f:
            self.lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))

    def report(self, done: int, total: int, message: str = "") -> None:
        self.outer.report(done, max(self.lines, done) if total == self.size else total, message)


@dataclass(frozen=True)
class LinkRequest:
    kb_path: str
    folder: str | None  # None: the dictionary baseline
    documents: list[tuple[int, str]]
    batch_size: int = 64


# The child's knowledge base with its index, and its linker.
_kb: SingleSlot[tuple[Any, Any]] = SingleSlot()
_linker: SingleSlot[Any] = SingleSlot()


def _load_kb(path: str, ctx: JobContext) -> tuple[Any, Any]:
    from core.linking.candidates import load_or_build_index
    from core.linking.kb import KnowledgeBase

    kb = KnowledgeBase.load(path, KbReadingContext(path, ctx))
    return kb, load_or_build_index(kb, path, ctx)


def _link(request: LinkRequest, ctx: JobContext) -> tuple[str, int]:
    kb, index = _kb.get(file_key(request.kb_path), lambda: _load_kb(request.kb_path, ctx))
    total = len(request.documents)
    if request.folder:
        from core.linking.model import LinkerModel

        ctx.report(0, total, f"loading the linker {Path(request.folder).name}")
        folder = request.folder
        model = _linker.get(folder_key(folder), lambda: LinkerModel.load(folder))
        origin = f"{model.info.name}@{model.info.version}"
        inner = ctx.silent()
        batch = min(32, request.batch_size)

        def work(texts: list[str]) -> list:
            return model.link(texts, kb, index, batch_size=batch, ctx=inner)
    else:
        from core.linking.baseline import link_by_prior

        origin = BASELINE_ORIGIN

        def work(texts: list[str]) -> list:
            return link_by_prior(texts, index)

    done = run_in_batches(request.documents, request.batch_size, work, origin, ctx, "linking")
    return origin, done


HANDLERS = {"link": _link}


class LinkProcess(ChildProcess):
    """The child process that links documents."""

    def __init__(self) -> None:
        # Idle priority, as the triple models' child: the window stays responsive.
        super().__init__(__name__, "linking", idle=True)

    def link_documents(
        self,
        kb_path: str | Path,
        folder: str | Path | None,
        documents: Sequence[tuple[int, str]],
        ctx: JobContext | None = None,
        batch_size: int = 64,
    ) -> tuple[str, int]:
        """Link ``documents`` against the KB at ``kb_path`` with the linker in
        ``folder`` (None: the dictionary baseline). Batches of ``(doc_id,
        mentions)`` go to ``ctx.partial`` as ``(origin, batch)``. Returns the
        origin (``name@version``) and the number of documents linked; raises
        Cancelled once ``ctx`` is cancelled, RuntimeError with the child's
        message when it fails (a bad KB line names file:line)."""
        ctx = ctx or JobContext.null()
        ctx.report(0, len(documents), f"loading the knowledge base {Path(kb_path).name}")
        request = LinkRequest(
            str(kb_path), str(folder) if folder else None, list(documents), max(1, int(batch_size))
        )
        return self.request("link", request, ctx)
