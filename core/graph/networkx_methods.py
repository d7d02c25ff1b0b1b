"""networkx's community detection, for comparison with InfoMap: Louvain and
greedy modularity (both maximise modularity) and asynchronous label
propagation. All give a flat partition (two levels, as Infomap counts them)."""

from __future__ import annotations

import time
from typing import Any

import networkx as nx

from core.errors import BadInput
from core.graph.partition import Clustering
from core.runtime.jobs import JobContext

NETWORKX_METHODS = ("louvain", "lpa", "greedy")


def weight_share(graph: nx.Graph) -> dict[Any, float]:
    """Each node's share of the link weight: the visit rate of a random walk on
    the undirected graph, the closest thing to a flow these methods have."""
    strength = dict(graph.degree(weight="weight"))
    total = sum(strength.values())
    if not total:
        return {n: 1 / len(strength) for n in strength} if strength else {}
    return {n: s / total for n, s in strength.items()}


def run_networkx(
    graph: nx.Graph, method: str, seed: int = 123, ctx: JobContext | None = None
) -> Clustering:
    """Louvain (``louvain``), label propagation (``lpa``) or greedy modularity
    (``greedy``). Louvain and greedy modularity use the directed modularity on
    a directed graph; label propagation ignores directions."""
    ctx = ctx or JobContext.null()
    started = time.perf_counter()
    ctx.report(0, 1, f"{method} on {graph.number_of_nodes()} nodes")
    if method == "louvain":
        # The partitions of successive aggregation levels, coarser each time;
        # between levels is the one place Louvain can be interrupted.
        communities: Any = []
        for level, partition in enumerate(
            nx.community.louvain_partitions(graph, weight="weight", seed=seed), 1
        ):
            communities = partition
            ctx.report(0, 1, f"louvain: level {level}, {len(partition)} modules")
    elif method == "lpa":
        g = graph.to_undirected(as_view=True) if graph.is_directed() else graph
        communities = nx.community.asyn_lpa_communities(g, weight="weight", seed=seed)
    elif method == "greedy":
        communities = nx.community.greedy_modularity_communities(graph, weight="weight")
    else:
        raise BadInput(f"unknown method {method!r} (expected one of {', '.join(NETWORKX_METHODS)})")
    # Largest module first, ties by their first member, so module numbers do
    # not depend on set iteration order.
    ordered = sorted((sorted(c, key=str) for c in communities), key=lambda c: (-len(c), str(c[0])))
    modules = {n: (k,) for k, c in enumerate(ordered, 1) for n in c}
    ctx.report(1, 1, f"{method} finished")
    return Clustering(
        method,
        modules,
        levels=2,
        node_flow=weight_share(graph),
        seconds=time.perf_counter() - started,
        options={"seed": seed} if method != "greedy" else {},
    )
