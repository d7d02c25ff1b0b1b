"""Linking documents in a separate process.

The BERT linker needs TensorFlow, whose import and first calls hold Python's
global interpreter lock for long stretches: in the window's process that
freezes the window (see :mod:`core.triples.model_process`). A child process
owns the knowledge base, its alias index and the linker instead; it loads each
once and keeps them while their files are unchanged, and links batches of
``(doc_id, text)`` sent over a pipe. Without a linker folder it links with the
alias-prior dictionary baseline and never imports TensorFlow. The parent
forwards progress, hands each batch of results to ``ctx.partial`` as it
arrives, and cancels between batches.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.jobs import Cancelled, JobContext

# The origin of links made by the dictionary baseline (no linker folder).
BASELINE_ORIGIN = "alias-prior@1"
# After a cancel, a child that does not answer within this time (busy loading
# a large KB or a model) is stopped: cancelling must stop the work.
CANCEL_GRACE_SECONDS = 3.0


class KbReadingContext(JobContext):
    """Progress of reading a KB file as (lines read, lines in the file):
    :func:`core.linking.kb.read_kb` reports lines read against the file's size
    in bytes, which would leave a progress bar near zero. Counting the lines
    first takes a fraction of a second even for the full CCKS KB."""

    def __init__(self, path: str | Path, outer: JobContext) -> None:
        super().__init__()
        self.outer = outer
        self.size = Path(path).stat().st_size
        with open(path, "rb") as f:
            self.lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))

    def report(self, done: int, total: int, message: str = "") -> None:
        self.outer.report(done, max(self.lines, done) if total == self.size else total, message)

    def check_cancelled(self) -> None:
        self.outer.check_cancelled()

    def cancel(self) -> None:
        self.outer.cancel()

    @property
    def cancelled(self) -> bool:
        return self.outer.cancelled


def _file_key(path: Path) -> tuple:
    st = path.stat()
    return (str(path.resolve()), st.st_mtime_ns, st.st_size)


class _Cache:
    """The child's one knowledge base and one linker, reloaded when their
    files change or others are asked for."""

    def __init__(self) -> None:
        self.kb_key: tuple | None = None
        self.kb: Any = None
        self.index: Any = None
        self.model_key: tuple | None = None
        self.model: Any = None

    def knowledge_base(self, path: str, ctx: JobContext) -> tuple[Any, Any]:
        from core.linking.candidates import load_or_build_index
        from core.linking.kb import KnowledgeBase

        key = _file_key(Path(path))
        if key != self.kb_key:
            self.kb = self.index = self.kb_key = None  # free the old one first
            kb = KnowledgeBase.load(path, KbReadingContext(path, ctx))
            self.index = load_or_build_index(kb, path, ctx)
            self.kb, self.kb_key = kb, key
        return self.kb, self.index

    def linker(self, folder: str) -> Any:
        from core.linking.model import LinkerModel

        meta = Path(folder) / "model.json"
        key = (str(Path(folder).resolve()), *(_file_key(meta)[1:] if meta.exists() else ()))
        if key != self.model_key:
            self.model = self.model_key = None
            self.model = LinkerModel.load(folder)
            self.model_key = key
        return self.model


def _serve(conn: Any) -> None:
    """The child's loop: ("link", kb_path, folder or None, documents, batch_size)."""
    cache = _Cache()

    def progress(done: int, total: int, message: str) -> None:
        conn.send(("progress", done, total, message))

    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request[0] == "stop":
            return
        if request[0] == "cancel":  # arrived after its request had finished
            continue
        _, kb_path, folder, documents, batch_size = request
        try:
            loading = JobContext(progress)
            kb, index = cache.knowledge_base(kb_path, loading)
            if folder:
                progress(0, len(documents), f"loading the linker {Path(folder).name}")
                model = cache.linker(folder)
                origin = f"{model.info.name}@{model.info.version}"
            else:
                model, origin = None, BASELINE_ORIGIN
            conn.send(("origin", origin))
            done = 0
            for begin in range(0, len(documents), batch_size):
                if conn.poll() and conn.recv()[0] == "cancel":
                    conn.send(("cancelled", done))
                    break
                chunk = documents[begin : begin + batch_size]
                texts = [text for _, text in chunk]
                if model is None:
                    from core.linking.baseline import link_by_prior

                    results = link_by_prior(texts, index)
                else:
                    results = model.link(texts, kb, index, batch_size=min(32, batch_size))
                done += len(chunk)
                conn.send(("partial", [(d, m) for (d, _), m in zip(chunk, results, strict=True)]))
                conn.send(("progress", done, len(documents), f"linking {done}/{len(documents)}"))
            else:
                conn.send(("done", done))
        except Exception as e:  # the parent turns it into a readable message
            conn.send(("error", str(e) or type(e).__name__))


class LinkProcess:
    """A lazily started child process that links documents; one request at a
    time (requests from several threads are serialised)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: Any = None
        self._conn: Any = None

    def _ensure(self) -> Any:
        if self._process is None or not self._process.is_alive():
            ctx = mp.get_context("spawn")  # never fork a process that runs Qt threads
            parent, child = ctx.Pipe()
            self._process = ctx.Process(
                target=_serve, args=(child,), daemon=True, name="kgstudio-linker"
            )
            self._process.start()
            child.close()
            self._conn = parent
        return self._conn

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
        total = len(documents)
        with self._lock:
            conn = self._ensure()
            ctx.report(0, total, f"loading the knowledge base {Path(kb_path).name}")
            request = ("link", str(kb_path), str(folder) if folder else None, list(documents))
            conn.send((*request, max(1, int(batch_size))))
            origin, cancelled_at = "", None

            def cancel() -> None:
                nonlocal cancelled_at
                if cancelled_at is None:
                    conn.send(("cancel",))
                    cancelled_at = time.monotonic()

            while True:
                if not conn.poll(0.1):
                    if ctx.cancelled:
                        cancel()
                        if time.monotonic() - cancelled_at > CANCEL_GRACE_SECONDS:
                            self._kill()
                            raise Cancelled()
                    if not self._process.is_alive():
                        raise RuntimeError("the linking process stopped unexpectedly")
                    continue
                message = conn.recv()
                kind = message[0]
                if kind == "origin":
                    origin = message[1]
                elif kind == "partial":
                    ctx.partial((origin, message[1]))
                elif kind == "progress":
                    try:
                        ctx.report(message[1], message[2], message[3])
                    except Cancelled:
                        cancel()
                elif kind == "cancelled":
                    raise Cancelled()
                elif kind == "done":
                    if ctx.cancelled:
                        raise Cancelled()
                    return origin, message[1]
                elif kind == "error":
                    raise RuntimeError(message[1])

    def _kill(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.join(5)
        self._process = None

    def close(self) -> None:
        with self._lock:
            if self._process is not None and self._process.is_alive():
                try:
                    self._conn.send(("stop",))
                except (BrokenPipeError, OSError):
                    pass
                self._process.join(5)
                if self._process.is_alive():
                    self._process.terminate()
            self._process = None
