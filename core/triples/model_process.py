"""Running triple models in a separate process.

Importing TensorFlow, building a network and tracing it hold Python's global
interpreter lock for hundreds of milliseconds at a time; in a thread of the
window's process that freezes the window. A child process owns TensorFlow
instead: it loads each model folder once and keeps it, and answers requests
sent over a pipe. Retraining on reviewed documents runs there too, streaming
progress and loss points back. The parent only forwards progress, results and
cancellation, so the window's process never imports TensorFlow at all.
"""

from __future__ import annotations

import multiprocessing as mp
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.jobs import Cancelled, JobContext

if TYPE_CHECKING:
    from core.formats.duie import Sentence
    from core.triples.training import TrainSettings

# After a cancel, a retraining child that does not stop within this time (busy
# importing TensorFlow, loading or evaluating a model) is stopped: cancelling
# must stop the work. Between training steps it stops at once.
RETRAIN_CANCEL_GRACE_SECONDS = 10.0


class PipeContext(JobContext):
    """The child's side of a job's context: progress and partial results go
    over the pipe, and a "cancel" message from the parent is noticed at the
    job's next ``report()`` or ``check_cancelled()``."""

    def __init__(self, conn: Any) -> None:
        super().__init__(
            lambda done, total, message: conn.send(("progress", done, total, message)),
            lambda value: conn.send(("partial", value)),
        )
        self.conn = conn

    def check_cancelled(self) -> None:
        while not self.cancelled and self.conn.poll():
            if self.conn.recv()[0] == "cancel":
                self.cancel()
        super().check_cancelled()


def _retrain(conn: Any, base_dir: str, reviewed: list, models_root: str, settings: Any) -> None:
    from core.triples.retrain import retrain_on_reviewed

    try:
        result = retrain_on_reviewed(base_dir, reviewed, models_root, settings, PipeContext(conn))
    except Cancelled:
        conn.send(("cancelled", 0))
    else:
        conn.send(("result", result))


def _pipe_context(conn: Any) -> JobContext:
    """A context cancelled by a "cancel" message waiting on the pipe."""

    def note_cancel(*_: Any) -> None:
        while conn.poll():
            if conn.recv()[0] == "cancel":
                ctx.cancel()

    ctx = JobContext(on_progress=note_cancel)
    return ctx


def _serve(conn: Any) -> None:
    """The child's loop: ("predict", folder, documents, batch_size) and
    ("retrain", base_dir, reviewed, models_root, settings) requests."""
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
        if request[0] == "retrain":
            try:
                _retrain(conn, *request[1:])
            except Exception as e:
                conn.send(("error", str(e) or type(e).__name__))
            continue
        _, folder, documents, batch_size = request
        try:
            model = load_model_cached(folder)
            conn.send(("origin", model_identity(model)))
            done = 0
            # Checked between the model's batches too, so that one huge document
            # does not keep the child busy after Cancel.
            watch = _pipe_context(conn)
            try:
                for begin in range(0, len(documents), batch_size):
                    watch.report(done, len(documents))
                    chunk = documents[begin : begin + batch_size]
                    results = model.extract([text for _, text in chunk], batch_size=32, ctx=watch)
                    done += len(chunk)
                    conn.send(
                        ("partial", [(d, t) for (d, _), t in zip(chunk, results, strict=True)])
                    )
                    conn.send(("progress", done, len(documents)))
            except Cancelled:
                conn.send(("cancelled", done))
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
        with self._lock:
            conn = self._ensure()
            ctx.report(0, 1, "starting the model process")
            request = (str(base_dir), list(reviewed), str(models_root), settings)
            conn.send(("retrain", *request))
            cancelled_at: float | None = None

            def cancel() -> None:
                nonlocal cancelled_at
                if cancelled_at is None:
                    conn.send(("cancel",))
                    cancelled_at = time.monotonic()

            while True:
                if not conn.poll(0.1):
                    if ctx.cancelled:
                        cancel()
                        if time.monotonic() - cancelled_at > RETRAIN_CANCEL_GRACE_SECONDS:
                            self._kill()
                            raise Cancelled()
                    if not self._process.is_alive():
                        raise RuntimeError("the model process stopped unexpectedly")
                    continue
                message = conn.recv()
                kind = message[0]
                if kind == "partial":
                    ctx.partial(message[1])
                elif kind == "progress":
                    try:
                        ctx.report(message[1], message[2], message[3])
                    except Cancelled:
                        cancel()
                elif kind == "cancelled":
                    raise Cancelled()
                elif kind == "result":
                    if ctx.cancelled:
                        raise Cancelled()
                    return message[1]
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
