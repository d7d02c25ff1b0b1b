"""Infomap in a child process (see :mod:`core.runtime.process`), so that a
long run never holds this process's interpreter lock (see
``run_infomap(separate_process=True)``).

The child runs at idle priority on one thread: Infomap takes a whole core for
seconds, and the window that waits for it must still get the processor the
moment it needs it. A fresh child serves each run and is killed at once on
cancel: it holds nothing worth keeping. The parent sends the link array once;
the child reports each trial and sends back the best trial's leaves as NumPy
arrays (node index, flow, and the path padded with zeros), which cross the
pipe as a few buffers instead of hundreds of thousands of small objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.runtime.jobs import JobContext
from core.runtime.process import ChildProcess


@dataclass(frozen=True)
class InfomapRequest:
    links: np.ndarray  # (source, target, weight) rows of node indices
    isolated: list[int]
    options: dict[str, Any]
    trials: int


def _run(request: InfomapRequest, ctx: JobContext) -> tuple:
    import infomap

    from core.graph.infomap_runner import run_trials, trial_progress

    network = infomap.Network()
    if len(request.links):
        network.add_links(request.links)
    for i in request.isolated:
        network.add_node(int(i))
    run = run_trials(network, request.options, request.trials, trial_progress(ctx, request.trials))
    n = len(run.leaves)
    ids = np.fromiter((leaf[0] for leaf in run.leaves), np.int64, n)
    flows = np.fromiter((leaf[2] for leaf in run.leaves), np.float64, n)
    depth = max((len(leaf[1]) for leaf in run.leaves), default=1)
    lengths = np.fromiter((len(leaf[1]) for leaf in run.leaves), np.int64, n)
    paths = np.zeros((n, depth), dtype=np.int64)
    for row, leaf in enumerate(run.leaves):
        paths[row, : len(leaf[1])] = leaf[1]
    stats = (run.levels, run.codelength, run.one_level_codelength, run.trial_codelengths)
    return ids, flows, paths, lengths, stats


HANDLERS = {"infomap": _run}


def run_in_child(
    links: np.ndarray,
    isolated: list[int],
    options: dict[str, Any],
    trials: int,
    ctx: JobContext,
) -> Any:
    """Run :func:`core.graph.infomap_runner.run_trials` in a fresh process and
    return its ``InfomapRun``; progress of each trial goes to ``ctx``."""
    from core.graph.infomap_runner import InfomapRun

    child = ChildProcess(
        __name__, "Infomap", idle=True, env={"OMP_NUM_THREADS": "1"}, stop_within=0.0
    )
    with child:
        request = InfomapRequest(links, list(isolated), dict(options), trials)
        ids, flows, paths, lengths, stats = child.request("infomap", request, ctx)
    leaves = [
        (int(i), tuple(p[:k]), float(f))
        for i, p, k, f in zip(ids, paths.tolist(), lengths.tolist(), flows.tolist(), strict=True)
    ]
    return InfomapRun(leaves, *stats)
