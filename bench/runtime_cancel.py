"""How long Cancel and Quit take with work running in child processes.

    python bench/runtime_cancel.py [--repeat 3]

Cancel: the time from ``ctx.cancel()`` to the request raising Cancelled, and
whether the child stopped by itself (same process afterwards) or was killed,
for a huge document being pre-annotated by the demo triple model, the demo
linker linking many documents, InfoMap on a large graph, and a child busy in
code that never looks for a cancel. Quit: how long ``close_all`` takes with
the triple model, the linker and the busy child all working, as the window
does when it closes. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.runtime.jobs import Cancelled, JobContext  # noqa: E402
from core.runtime.process import ChildProcess, close_all  # noqa: E402

MODEL = ROOT / "resources" / "models" / "triples-demo"
LINKER = ROOT / "resources" / "models" / "linker-demo"
KB = ROOT / "resources" / "data" / "linking" / "kb.jsonl"
SENTENCE = "《空巢》是2009年刘新执导的一部当代都市电视剧，由刘新担任编剧。"


def busy(seconds: float, ctx: JobContext) -> None:
    """Pure computation that never looks for a cancel (a long call into a
    library): only a kill stops it."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sum(range(10_000))


HANDLERS = {"busy": busy}


def cancel_after(delay: float, run: Callable[[JobContext], Any]) -> float:
    """Seconds from the cancel to Cancelled."""
    ctx = JobContext()
    at: list[float] = []

    def cancel() -> None:
        at.append(time.monotonic())
        ctx.cancel()

    timer = threading.Timer(delay, cancel)
    timer.start()
    try:
        run(ctx)
    except Cancelled:
        return time.monotonic() - at[0]
    finally:
        timer.cancel()
    raise RuntimeError("the request finished before the cancel")


def measure(name: str, process: ChildProcess, warm: Callable[[], Any], run, repeat: int) -> None:
    warm()
    took, kept = [], 0
    for _ in range(repeat):
        pid = process.pid
        took.append(cancel_after(1.0, run))
        started = time.monotonic()
        warm()
        after = time.monotonic() - started
        kept += process.pid == pid
    print(
        f"cancel  {name:<36} median {statistics.median(took):5.2f} s  "
        f"worst {max(took):5.2f} s  child stopped by itself {kept}/{repeat}, "
        f"next request {after:.2f} s"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()

    from core.linking.link_process import LinkProcess
    from core.triples.model_process import ModelProcess

    models, linker = ModelProcess(), LinkProcess()
    stubborn = ChildProcess("bench.runtime_cancel", "busy")
    document = [(1, SENTENCE * 20_000)]  # about 700,000 characters
    texts = [(i, SENTENCE) for i in range(20_000)]
    try:
        measure(
            "one huge document (triple model)",
            models,
            lambda: models.predict_documents(MODEL, [(0, SENTENCE)]),
            lambda ctx: models.predict_documents(MODEL, document, ctx),
            args.repeat,
        )
        measure(
            "20,000 documents (linker)",
            linker,
            lambda: linker.link_documents(KB, LINKER, [(0, SENTENCE)]),
            lambda ctx: linker.link_documents(KB, LINKER, texts, ctx, batch_size=64),
            args.repeat,
        )
        measure(
            "code that never checks (killed)",
            stubborn,
            lambda: stubborn.request("busy", 0.0),
            lambda ctx: stubborn.request("busy", 60.0, ctx),
            args.repeat,
        )
        infomap_cancel(args.repeat)
        quit_during_jobs(models, linker, stubborn, document, texts, args.repeat)
    finally:
        close_all([models, linker, stubborn])


def infomap_cancel(repeat: int) -> None:
    import networkx as nx

    graph = nx.gnm_random_graph(100_000, 500_000, seed=1)
    took = [cancel_at_second_trial(graph) for _ in range(repeat)]
    print(
        f"cancel  {'InfoMap, 100k nodes, 500k links':<36} median "
        f"{statistics.median(took):5.2f} s  worst {max(took):5.2f} s  (a fresh child each run)"
    )


def cancel_at_second_trial(graph: Any) -> float:
    """Cancelled once the child has run a trial: building the link array in
    this process comes first and is not the child's to cancel."""
    from core.graph.clustering import cluster

    at: list[float] = []

    def on_progress(done: int, total: int, message: str) -> None:
        if message.startswith("InfoMap trial 2") and not at:
            at.append(time.monotonic())
            ctx.cancel()

    ctx = JobContext(on_progress)
    try:
        cluster(graph, trials=20, separate_process=True, ctx=ctx)
    except Cancelled:
        return time.monotonic() - at[0]
    raise RuntimeError("InfoMap finished before the cancel")


def quit_during_jobs(models, linker, stubborn, document, texts, repeat: int) -> None:
    jobs = {
        "model": lambda: models.predict_documents(MODEL, document),
        "linker": lambda: linker.link_documents(KB, LINKER, texts, batch_size=64),
        "busy child": lambda: stubborn.request("busy", 60.0),
    }
    for names in (["model", "linker"], ["model", "linker", "busy child"]):
        took, outcomes = [], []
        for _ in range(repeat):
            # Warm children, as in a window that has been used: models loaded.
            models.predict_documents(MODEL, [(0, SENTENCE)])
            linker.link_documents(KB, LINKER, [(0, SENTENCE)])
            ended: list[str] = []

            def run(job: Callable[[], Any], ended: list[str] = ended) -> None:
                try:
                    job()
                    ended.append("finished")
                except Cancelled:
                    ended.append("cancelled")

            threads = [threading.Thread(target=run, args=(jobs[n],)) for n in names]
            for t in threads:
                t.start()
            time.sleep(1.0)
            started = time.monotonic()
            close_all([models, linker, stubborn])
            took.append(time.monotonic() - started)
            for t in threads:
                t.join(10)
            outcomes.append(ended.count("cancelled"))
        print(
            f"quit    {' + '.join(names) + ' working':<36} median "
            f"{statistics.median(took):5.2f} s  worst {max(took):5.2f} s  "
            f"(jobs ended as cancelled: {min(outcomes)}/{len(names)})"
        )


if __name__ == "__main__":
    main()
