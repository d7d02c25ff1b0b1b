"""Running triple models in a separate process.

Importing TensorFlow, building a network and tracing it hold Python's global
interpreter lock for hundreds of milliseconds at a time; in a thread of the
window's process that freezes the window. A child process owns TensorFlow
instead: it loads each model folder once and keeps it, and answers requests
sent over a pipe. The parent only forwards progress, results and cancellation,
so the window's process never imports TensorFlow at all.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.jobs import Cancelled, JobContext


def _serve(conn: Any) -> None:
    """The child's loop: ("predict", folder, documents, batch_size) requests."""
    from core.triples.annotate import load_model_cached, model_identity

    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request[0] == "stop":
            return
        if request[0] == "cancel":  # arrived after its request had finished
            continue
        _, folder, documents, batch_size = request
        try:
            model = load_model_cached(folder)
            conn.send(("origin", model_identity(model)))
            done = 0
            for begin in range(0, len(documents), batch_size):
                if conn.poll() and conn.recv()[0] == "cancel":
                    conn.send(("cancelled", done))
                    break
                chunk = documents[begin : begin + batch_size]
                results = model.extract([text for _, text in chunk], batch_size=32)
                done += len(chunk)
                conn.send(("partial", [(d, t) for (d, _), t in zip(chunk, results, strict=True)]))
                conn.send(("progress", done, len(documents)))
            else:
                conn.send(("done", done))
        except Exception as e:  # the parent turns it into a readable message
            conn.send(("error", f"{type(e).__name__}: {e}" if not str(e) else str(e)))


class ModelProcess:
    """A lazily started child process serving triple models; one request at a
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
                target=_serve, args=(child,), daemon=True, name="kgstudio-models"
            )
            self._process.start()
            child.close()
            self._conn = parent
        return self._conn

    def predict_documents(
        self,
        folder: str | Path,
        documents: Sequence[tuple[int, str]],
        ctx: JobContext | None = None,
        batch_size: int = 64,
    ) -> tuple[str, int]:
        """Like :func:`core.triples.annotate.predict_documents`, in the child:
        batches of ``(doc_id, triples)`` go to ``ctx.partial``. Returns the model
        identity and the number of documents done."""
        ctx = ctx or JobContext.null()
        with self._lock:
            conn = self._ensure()
            ctx.report(0, len(documents), f"loading the model {Path(folder).name}")
            conn.send(("predict", str(folder), list(documents), batch_size))
            origin, cancel_sent = "", False
            while True:
                if not conn.poll(0.1):
                    if ctx.cancelled and not cancel_sent:
                        conn.send(("cancel",))
                        cancel_sent = True
                    if not self._process.is_alive():
                        raise RuntimeError("the model process stopped unexpectedly")
                    continue
                message = conn.recv()
                kind = message[0]
                if kind == "origin":
                    origin = message[1]
                elif kind == "partial":
                    ctx.partial((origin, message[1]))
                elif kind == "progress":
                    try:
                        ctx.report(
                            message[1], message[2], f"pre-annotating {message[1]}/{message[2]}"
                        )
                    except Cancelled:
                        if not cancel_sent:
                            conn.send(("cancel",))
                            cancel_sent = True
                elif kind == "cancelled":
                    raise Cancelled()
                elif kind == "done":
                    return origin, message[1]
                elif kind == "error":
                    raise RuntimeError(message[1])

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
