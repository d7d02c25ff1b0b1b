"""Synthetic graphs with known communities, generated with NumPy.

networkx's ``planted_partition_graph`` tests every pair of nodes in Python
and needs about a minute for 100,000 nodes; this draws the same kind of graph
in about a second: communities of ``community`` nodes, each pair inside a
community linked with probability ``degree_in / (community - 1)``, and about
``degree_out / 2`` links per node to random nodes of other communities.
"""

from __future__ import annotations

import networkx as nx
import numpy as np


def planted_partition_edges(
    n: int, community: int = 50, degree_in: float = 8, degree_out: float = 2, seed: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """``(edges, truth)``: an ``(m, 2)`` array of links between nodes ``0..n-1``
    (each pair once, no loops) and every node's community number."""
    if n < 1 or community < 2:
        raise ValueError("expected at least one node and communities of 2 nodes or more")
    rng = np.random.default_rng(seed)
    truth = np.arange(n) // community
    groups = int(truth[-1]) + 1
    iu, ju = np.triu_indices(community, k=1)
    keep = rng.random((groups, len(iu))) < degree_in / (community - 1)
    g, pair = np.nonzero(keep)
    inside = np.stack([g * community + iu[pair], g * community + ju[pair]], axis=1)
    inside = inside[(inside < n).all(axis=1)]
    wanted = int(round(n * degree_out / 2))
    u = rng.integers(0, n, size=2 * wanted + 16)
    v = rng.integers(0, n, size=2 * wanted + 16)
    between = np.stack([np.minimum(u, v), np.maximum(u, v)], axis=1)
    between = between[truth[between[:, 0]] != truth[between[:, 1]]]
    between = np.unique(between, axis=0)
    between = between[rng.permutation(len(between))[:wanted]] if groups > 1 else between[:0]
    return np.concatenate([inside, between]).astype(np.int64), truth


def planted_partition(
    n: int, community: int = 50, degree_in: float = 8, degree_out: float = 2, seed: int = 3
) -> nx.Graph:
    """The graph of :func:`planted_partition_edges`, nodes ``0..n-1`` with their
    community in the ``community`` attribute."""
    edges, truth = planted_partition_edges(n, community, degree_in, degree_out, seed)
    graph = nx.Graph()
    graph.add_nodes_from((i, {"community": int(c)}) for i, c in enumerate(truth))
    graph.add_edges_from(edges.tolist())
    return graph
