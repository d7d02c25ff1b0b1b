"""InfoMap through the official ``infomap`` package.

InfoMap minimises the map equation L(M) = q↷ H(Q) + Σᵢ pᵢ↻ H(Pᵢ): the expected
description length of a random walk coded with one codebook per module plus
an index codebook for moving between modules. The multi-level version nests
modules in modules when that shortens the description further.

The graph goes to Infomap as one array of links between node indices (names
stay with the networkx graph: naming every node in Infomap costs time and
memory for nothing). Trials run one at a time, each with the seed Infomap
itself would give it (``seed + trial``), so a clustering of N trials is the
same as Infomap's own ``num_trials=N`` while progress is reported and a
cancel is honoured between trials.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain
from numbers import Real
from typing import Any

import networkx as nx
import numpy as np

from core.errors import BadInput
from core.graph.partition import Clustering
from core.runtime.jobs import JobContext


def link_array(graph: nx.Graph, index: dict[Any, int]) -> np.ndarray:
    """``(source, target, weight)`` rows for every link, nodes as indices."""
    edges = graph.edges(data="weight", default=1.0)
    try:
        flat = np.fromiter(
            chain.from_iterable((index[u], index[v], w) for u, v, w in edges),
            dtype=np.float64,
            count=3 * graph.number_of_edges(),
        )
        rows = flat.reshape(-1, 3)
        if np.isfinite(rows[:, 2]).all() and (rows[:, 2] >= 0).all():
            return rows
    except (TypeError, ValueError):
        pass
    for u, v, w in edges:
        if not (isinstance(w, Real) and math.isfinite(w) and w >= 0):
            raise BadInput(f"link {u} - {v}: expected a finite weight of 0 or more, got {w!r}")
    raise AssertionError("unreachable: a weight was rejected above")


def run_infomap(
    graph: nx.Graph,
    two_level: bool = False,
    markov_time: float = 1.0,
    trials: int = 1,
    seed: int = 123,
    directed: bool | None = None,
    ctx: JobContext | None = None,
    separate_process: bool = False,
) -> Clustering:
    """Cluster ``graph`` with InfoMap. ``directed`` defaults to the graph's own
    kind (an undirected graph clustered as directed has arcs both ways; a
    directed one clustered as undirected has each arc as a link, reciprocal
    arcs adding up); link weights come from the ``weight`` attribute (1 when
    absent).

    ``separate_process`` runs Infomap in a child process: the package holds
    Python's global interpreter lock for a whole trial (seconds on a large
    graph), which would freeze every other thread of this process, a window's
    event loop included; a cancel then stops the child at once instead of
    after the current trial."""
    import infomap

    ctx = ctx or JobContext.null()
    if not (isinstance(trials, int) and trials >= 1):
        raise BadInput(f"trials: expected a whole number of 1 or more, got {trials!r}")
    if not (markov_time > 0 and math.isfinite(markov_time)):
        raise BadInput(f"markov time: expected a number above 0, got {markov_time!r}")
    if graph.is_multigraph():
        raise BadInput("expected a simple graph (merge parallel links into weights first)")
    directed = graph.is_directed() if directed is None else directed
    started = time.perf_counter()
    ctx.report(0, trials + 1, f"handing {graph.number_of_nodes()} nodes to InfoMap")
    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    links = np.zeros((0, 3))
    if graph.number_of_edges():
        links = link_array(graph, index)
        if directed and not graph.is_directed():
            # An undirected link is no arc in either direction, so both.
            links = np.vstack([links, links[:, [1, 0, 2]]])
    if not separate_process:
        network = infomap.Network()
        if len(links):
            network.add_links(links)
        # Links bring their nodes into Infomap; only isolated nodes need adding.
        for n in nx.isolates(graph):
            network.add_node(index[n])
    options = {
        "two_level": two_level,
        "directed": directed,
        "markov_time": markov_time,
        "seed": seed,
        "num_trials": 1,
    }

    if separate_process:
        from core.graph.infomap_process import run_in_child

        isolated = [index[n] for n in nx.isolates(graph)]
        run = run_in_child(links, isolated, options, trials, ctx)
    else:
        run = run_trials(network, options, trials, trial_progress(ctx, trials))
    leaves = run.leaves
    modules: dict[Any, tuple[int, ...]] = {}
    flow: dict[Any, float] = {}
    for node_id, path, f in leaves:
        node = nodes[node_id]
        modules[node] = tuple(path[:-1]) or (1,)
        flow[node] = f
    ctx.report(trials + 1, trials + 1, "InfoMap finished")
    return Clustering(
        method="infomap",
        modules=modules,
        levels=run.levels,
        codelength=run.codelength,
        one_level_codelength=run.one_level_codelength,
        node_flow=flow,
        seconds=time.perf_counter() - started,
        trial_codelengths=run.trial_codelengths,
        options={**options, "num_trials": trials},
    )


@dataclass
class InfomapRun:
    """What a clustering keeps of Infomap's best trial."""

    leaves: list[tuple[int, tuple[int, ...], float]]  # node index, path to the leaf, flow
    levels: int
    codelength: float
    one_level_codelength: float
    trial_codelengths: list[float]


def trial_progress(ctx: JobContext, trials: int) -> Callable[[int], None]:
    """The ``on_trial`` of :func:`run_trials` that reports to ``ctx``, where a
    cancel stops the run between trials."""

    def on_trial(trial: int) -> None:
        ctx.report(trial + 1, trials + 1, f"InfoMap trial {trial + 1} of {trials}")

    return on_trial


def run_trials(network: Any, options: dict[str, Any], trials: int, on_trial: Any) -> InfomapRun:
    """Run ``trials`` trials of Infomap on ``network`` (an ``infomap.Network``),
    one at a time with the seed Infomap itself would give each, and keep the
    best; ``on_trial(k)`` is called before trial ``k``."""
    import infomap

    best: tuple[float, Any, list] | None = None
    codelengths: list[float] = []
    for trial in range(trials):
        on_trial(trial)
        result = network.run(options=infomap.Options(**options, trial_offset=trial))
        codelengths.append(result.codelength)
        if best is None or result.codelength < best[0] - 1e-12:
            # A Result is only readable until the network runs again, so keep
            # the nodes of the best trial so far now.
            leaves = [(x.node_id, x.path, x.flow) for x in result.nodes()]
            best = (result.codelength, result, leaves)
    assert best is not None
    _, result, leaves = best
    return InfomapRun(
        leaves, result.num_levels, result.codelength, result.one_level_codelength, codelengths
    )
