"""Infomap in a child process, so that a long run never holds this process's
interpreter lock (see ``run_infomap(separate_process=True)``).

The child is a fresh interpreter running this module as its main one
talking over two pipes, not a ``multiprocessing`` process: that would import
the caller's main script again in the child. The parent sends the link array
once; the child reports each trial and sends
back the best trial's leaves as NumPy arrays (node index, flow, and the path
padded with zeros), which cross the pipe as a few buffers instead of
hundreds of thousands of small objects.
"""

from __future__ import annotations

import os
import subprocess
import sys
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from core.jobs import JobContext

# How often the parent looks for a cancel while it waits for the child.
_POLL_SECONDS = 0.05
# Infomap takes a whole core for seconds; the window that waits for it must
# still get the processor the moment it needs it, even on a busy machine: the
# child runs only when nothing else wants the processor, from its first
# import on.
_START = (
    "import os, runpy\n"
    "if hasattr(os, 'SCHED_IDLE'):\n"
    "    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))\n"
    "else:\n"
    "    os.nice(10)\n"
    "runpy.run_module('core.graph.infomap_process', run_name='__main__')\n"
)


def _serve(request: Connection, conn: Connection) -> None:
    """The child: one request, reports of each trial, one answer."""
    try:
        import infomap

        from core.graph.infomap_runner import run_trials

        links, isolated, options, trials = request.recv()
        network = infomap.Network()
        if len(links):
            network.add_links(links)
        for i in isolated:
            network.add_node(int(i))
        run = run_trials(network, options, trials, lambda k: conn.send(("trial", k)))
        ids = np.fromiter((leaf[0] for leaf in run.leaves), np.int64, len(run.leaves))
        flows = np.fromiter((leaf[2] for leaf in run.leaves), np.float64, len(run.leaves))
        depth = max((len(leaf[1]) for leaf in run.leaves), default=1)
        lengths = np.fromiter((len(leaf[1]) for leaf in run.leaves), np.int64, len(run.leaves))
        paths = np.zeros((len(run.leaves), depth), dtype=np.int64)
        for row, leaf in enumerate(run.leaves):
            paths[row, : len(leaf[1])] = leaf[1]
        stats = (run.levels, run.codelength, run.one_level_codelength, run.trial_codelengths)
        conn.send(("done", ids, flows, paths, lengths, stats))
    except Exception as e:  # the parent raises it again with the message
        conn.send(("error", f"{e.__class__.__name__}: {e}"))
    finally:
        request.close()
        conn.close()


def run_in_child(
    links: np.ndarray,
    isolated: list[int],
    options: dict[str, Any],
    trials: int,
    on_trial: Any,
    ctx: JobContext,
) -> Any:
    """Run :func:`core.graph.infomap_runner.run_trials` in a fresh process and
    return its ``InfomapRun``; a cancel of ``ctx`` kills the child."""
    from core.graph.infomap_runner import InfomapRun

    request_r, request_w = os.pipe()
    answer_r, answer_w = os.pipe()
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    env["OMP_NUM_THREADS"] = "1"  # one core for Infomap, the other for the window
    process = subprocess.Popen(
        [sys.executable, "-c", _START, str(request_r), str(answer_w)],
        pass_fds=(request_r, answer_w),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        cwd=root,
        env=env,
    )
    os.close(request_r)
    os.close(answer_w)
    request, answer = Connection(request_w, readable=False), Connection(answer_r, writable=False)
    try:
        request.send((links, isolated, options, trials))
        while True:
            while not answer.poll(_POLL_SECONDS):
                ctx.check_cancelled()
                if process.poll() is not None and not answer.poll():
                    raise RuntimeError(f"Infomap stopped (exit code {process.returncode})")
            try:
                message = answer.recv()
            except EOFError:
                raise RuntimeError(f"Infomap stopped (exit code {process.wait()})") from None
            if message[0] == "trial":
                on_trial(message[1])
            elif message[0] == "error":
                raise RuntimeError(message[1])
            else:
                break
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        request.close()
        answer.close()
    _, ids, flows, paths, lengths, stats = message
    leaves = [
        (int(i), tuple(p[:k]), float(f))
        for i, p, k, f in zip(ids, paths.tolist(), lengths.tolist(), flows.tolist(), strict=True)
    ]
    return InfomapRun(leaves, *stats)


if __name__ == "__main__":
    _serve(
        Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False)
    )
