"""One entry point for clustering a graph: InfoMap (the map equation) or,
for comparison, networkx's Louvain, label propagation and greedy modularity.

The map equation L(M) = q↷ H(Q) + Σᵢ pᵢ↻ H(Pᵢ) is the expected description
length of a random walk on the graph coded with one codebook per module plus
an index codebook; InfoMap looks for the modules (nested ones, with the
multi-level version) that make it shortest.
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from core.errors import BadInput
from core.graph.compare import compare_with_truth, modularity
from core.graph.infomap_runner import run_infomap
from core.graph.networkx_methods import NETWORKX_METHODS, run_networkx
from core.graph.partition import Clustering
from core.runtime.jobs import JobContext

__all__ = ["METHODS", "Clustering", "cluster", "compare_with_truth", "modularity"]

METHODS = ("infomap", *NETWORKX_METHODS)
INFOMAP_OPTIONS = ("two_level", "markov_time", "trials", "seed", "directed", "separate_process")


def cluster(
    graph: nx.Graph, method: str = "infomap", ctx: JobContext | None = None, **options: Any
) -> Clustering:
    """Cluster ``graph`` with ``method``. InfoMap takes ``two_level``,
    ``markov_time``, ``trials``, ``seed`` and ``directed``; the other methods
    take ``seed`` only."""
    if method not in METHODS:
        raise BadInput(f"unknown method {method!r} (expected one of {', '.join(METHODS)})")
    allowed = INFOMAP_OPTIONS if method == "infomap" else ("seed",)
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise BadInput(
            f"{method} does not take {', '.join(unknown)} (expected {', '.join(allowed)})"
        )
    if graph.number_of_nodes() == 0:
        raise BadInput("the graph has no nodes")
    if method == "infomap":
        return run_infomap(graph, ctx=ctx, **options)
    return run_networkx(graph, method, ctx=ctx, **options)
