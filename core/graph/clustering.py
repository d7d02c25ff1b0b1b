"""Clustering a graph: InfoMap (the map equation) and, for comparison,
networkx's Louvain, label propagation and greedy modularity.

The map equation L(M) = q↷ H(Q) + Σᵢ pᵢ↻ H(Pᵢ) is the expected description
length of a random walk on the graph coded with one codebook per module plus
an index codebook; InfoMap looks for the modules (nested ones, with the
multi-level version) that make it shortest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from core.errors import BadInput
from core.graph.metrics import ami, nmi
from core.jobs import JobContext

METHODS = ("infomap", "louvain", "lpa", "greedy")


@dataclass
class Clustering:
    method: str
    # node -> module path, top level first: (3,) for two levels, (3, 1) nested
    modules: dict[Any, tuple[int, ...]]
    levels: int
    codelength: float | None = None
    one_level_codelength: float | None = None
    node_flow: dict[Any, float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def top_modules(self) -> dict[Any, int]:
        return {n: p[0] for n, p in self.modules.items()}

    @property
    def n_modules(self) -> int:
        return len(set(self.top_modules.values()))

    @property
    def relative_saving(self) -> float | None:
        if self.codelength is None or not self.one_level_codelength:
            return None
        return 1 - self.codelength / self.one_level_codelength

    def modules_per_level(self) -> list[int]:
        """How many distinct modules there are at each depth."""
        return [
            len({p[: depth + 1] for p in self.modules.values() if len(p) > depth})
            for depth in range(max((len(p) for p in self.modules.values()), default=0))
        ]

    def module_flow(self) -> dict[int, float]:
        flow: dict[int, float] = {}
        for n, m in self.top_modules.items():
            flow[m] = flow.get(m, 0.0) + self.node_flow.get(n, 0.0)
        return flow


def run_infomap(
    graph: nx.Graph,
    two_level: bool = False,
    markov_time: float = 1.0,
    trials: int = 1,
    seed: int = 123,
    ctx: JobContext | None = None,
) -> Clustering:
    import infomap

    ctx = ctx or JobContext.null()
    started = time.perf_counter()
    ctx.report(0, 2, "building the network for InfoMap")
    ids = {n: i for i, n in enumerate(graph.nodes)}
    im = infomap.Infomap(
        silent=True,
        two_level=two_level,
        directed=graph.is_directed(),
        markov_time=markov_time,
        num_trials=max(1, trials),
        seed=seed,
    )
    # Links create their nodes; only isolated nodes need adding. Names stay on
    # our side (the graph's labels): naming every node in Infomap costs time.
    for n in nx.isolates(graph):
        im.add_node(ids[n])
    for u, v, w in graph.edges(data="weight", default=1.0):
        im.add_link(ids[u], ids[v], w)
    ctx.report(1, 2, f"InfoMap: {trials} trial(s) on {graph.number_of_nodes()} nodes")
    result = im.run()
    back = {i: n for n, i in ids.items()}
    modules: dict[Any, tuple[int, ...]] = {}
    flow: dict[Any, float] = {}
    for node in result.tree(states=True):
        if node.is_leaf:
            modules[back[node.node_id]] = tuple(node.path[:-1]) or (1,)
            flow[back[node.node_id]] = node.flow
    ctx.report(2, 2, "InfoMap finished")
    return Clustering(
        method="infomap",
        modules=modules,
        levels=result.num_levels,
        codelength=result.codelength,
        one_level_codelength=result.one_level_codelength,
        node_flow=flow,
        seconds=time.perf_counter() - started,
    )


def run_networkx(
    graph: nx.Graph, method: str, seed: int = 123, ctx: JobContext | None = None
) -> Clustering:
    ctx = ctx or JobContext.null()
    started = time.perf_counter()
    ctx.report(0, 1, f"{method} on {graph.number_of_nodes()} nodes")
    g = graph.to_undirected() if graph.is_directed() and method != "louvain" else graph
    if method == "louvain":
        communities = nx.community.louvain_communities(g, weight="weight", seed=seed)
    elif method == "lpa":
        communities = nx.community.asyn_lpa_communities(g, weight="weight", seed=seed)
    elif method == "greedy":
        communities = nx.community.greedy_modularity_communities(g, weight="weight")
    else:
        raise BadInput(f"unknown method {method!r} (expected one of {', '.join(METHODS)})")
    ordered = sorted((sorted(c, key=str) for c in communities), key=len, reverse=True)
    modules = {n: (k + 1,) for k, c in enumerate(ordered) for n in c}
    ctx.report(1, 1, f"{method} finished")
    return Clustering(method, modules, levels=2, seconds=time.perf_counter() - started)


def cluster(
    graph: nx.Graph, method: str = "infomap", ctx: JobContext | None = None, **options: Any
) -> Clustering:
    if graph.number_of_nodes() == 0:
        raise BadInput("the graph has no nodes")
    if method == "infomap":
        return run_infomap(graph, ctx=ctx, **options)
    return run_networkx(graph, method, seed=options.get("seed", 123), ctx=ctx)


def modularity(graph: nx.Graph, clustering: Clustering) -> float:
    groups: dict[int, set] = {}
    for n, m in clustering.top_modules.items():
        groups.setdefault(m, set()).add(n)
    g = graph.to_undirected() if graph.is_directed() else graph
    return float(nx.community.modularity(g, groups.values(), weight="weight"))


def compare_with_truth(clustering: Clustering, truth: dict[Any, Any]) -> tuple[float, float]:
    """(NMI, AMI) of the top-level modules against ``truth`` over the nodes both know."""
    nodes = [n for n in clustering.modules if n in truth]
    if not nodes:
        raise BadInput("the ground truth names none of the graph's nodes")
    found = [clustering.top_modules[n] for n in nodes]
    expected = [truth[n] for n in nodes]
    return nmi(expected, found), ami(expected, found)
