"""What the Graph panel draws, as plain arrays: the module tree of a
clustering, and *scenes* — one module's inside, ready to draw.

A large graph is never drawn node by node. A scene shows the sub-modules of
one module (the whole graph at first) as super-nodes, sized by flow, with the
links between them added up into one weighted edge per pair; a module small
enough (``detail_limit`` nodes), or one without sub-modules, shows its nodes.
Everything here is NumPy and runs in a core job; the GUI only hands the
arrays to pyqtgraph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from core.graph.infomap_runner import link_array
from core.graph.layout import force_layout
from core.graph.partition import Clustering
from core.runtime.jobs import JobContext

# Above this many nodes a module is drawn as its sub-modules.
DETAIL_LIMIT = 2000
# At most this many edges are drawn in one scene: the heaviest.
MAX_DRAWN_EDGES = 20_000
TOP_NODES = 5
ROOT = 0


@dataclass
class Hierarchy:
    """The modules of a clustering over a graph. Module 0 is the whole graph;
    modules 1, 2, ... are every module on every level, in path order."""

    nodes: list[Any]  # node index -> node (as in the networkx graph)
    labels: list[str]  # node index -> label shown
    node_flow: np.ndarray  # (n,)
    edges: np.ndarray  # (m, 2) node indices of every link
    edge_weight: np.ndarray  # (m,)
    paths: list[tuple[int, ...]]  # module id -> path; () for the whole graph
    parent: np.ndarray  # module id -> parent module id (-1 for the whole graph)
    depth: np.ndarray  # module id -> len(path)
    size: np.ndarray  # module id -> number of nodes at any depth inside
    flow: np.ndarray  # module id -> flow (sum of its nodes' flows)
    rank: np.ndarray  # module id -> place among its siblings by flow (0 = most flow)
    children: list[np.ndarray]  # module id -> sub-module ids, most flow first
    leaves: list[np.ndarray]  # module id -> node indices directly inside, most flow first
    top: list[np.ndarray]  # module id -> up to TOP_NODES node indices with most flow
    node_at: np.ndarray  # (n, depth + 1): module id of each node on each level, -1 below its own
    index: dict[Any, int] = field(repr=False, default_factory=dict)  # node -> node index

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    def name(self, module: int) -> str:
        """``3:2`` for sub-module 2 of top module 3; ``all`` for the whole graph."""
        return ":".join(map(str, self.paths[module])) or "all"

    def title(self, module: int) -> str:
        """The module's name and its main nodes: ``3 王菲、红豆…``."""
        if module == ROOT:
            return "all"
        top = "、".join(self.labels[i] for i in self.top[module][:2])
        more = "…" if self.size[module] > 2 else ""
        return f"{self.name(module)} {top}{more}"

    def members(self, module: int) -> np.ndarray:
        """Node indices inside ``module`` at any depth."""
        if module == ROOT:
            return np.arange(self.n_nodes)
        return np.flatnonzero(self.node_at[:, self.depth[module]] == module)

    def module_of(self, path: tuple[int, ...]) -> int:
        return self.paths.index(tuple(path))

    def ancestors(self, module: int) -> list[int]:
        """From the whole graph down to ``module``."""
        chain = [module]
        while self.parent[chain[-1]] >= 0:
            chain.append(int(self.parent[chain[-1]]))
        return chain[::-1]

    def links_between(self, a: int, b: int) -> np.ndarray:
        """Indices (into ``edges``) of the links between two modules (or, for
        ``a == b``, inside one), at most a few thousand first ones."""
        inside_a = np.zeros(self.n_nodes, bool)
        inside_a[self.members(a)] = True
        inside_b = np.zeros(self.n_nodes, bool)
        inside_b[self.members(b)] = True
        u, v = self.edges[:, 0], self.edges[:, 1]
        hit = (inside_a[u] & inside_b[v]) | (inside_b[u] & inside_a[v])
        return np.flatnonzero(hit)


def build_hierarchy(
    graph: nx.Graph, clustering: Clustering, ctx: JobContext | None = None
) -> Hierarchy:
    ctx = ctx or JobContext.null()
    ctx.report(0, 3, "collecting the modules")
    nodes = list(graph.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    n = len(nodes)
    flow = np.fromiter((clustering.node_flow.get(x, 0.0) for x in nodes), float, n)
    if n and flow.sum() <= 0:
        flow = np.fromiter((graph.degree(x) for x in nodes), float, n) + 1.0
        flow /= flow.sum()
    node_paths = [tuple(clustering.modules.get(x, ())) for x in nodes]
    prefixes = {p[:d] for p in node_paths for d in range(1, len(p) + 1)}
    paths: list[tuple[int, ...]] = [(), *sorted(prefixes, key=lambda p: (len(p), p))]
    ids = {p: i for i, p in enumerate(paths)}
    deepest = max((len(p) for p in node_paths), default=0)
    node_at = np.full((n, deepest + 1), -1, dtype=np.int64)
    node_at[:, 0] = ROOT
    for i, p in enumerate(node_paths):
        for d in range(1, len(p) + 1):
            node_at[i, d] = ids[p[:d]]
    ctx.report(1, 3, "adding up the flow of the modules")
    m = len(paths)
    parent = np.array([-1] + [ids[p[:-1]] for p in paths[1:]], dtype=np.int64)
    depth = np.array([len(p) for p in paths], dtype=np.int64)
    size = np.zeros(m, dtype=np.int64)
    module_flow = np.zeros(m)
    for d in range(deepest + 1):
        col = node_at[:, d]
        ok = col >= 0
        size += np.bincount(col[ok], minlength=m)
        module_flow += np.bincount(col[ok], weights=flow[ok], minlength=m)
    # Sub-modules of each module, most flow first, and each one's rank.
    order = np.lexsort((-module_flow[1:], parent[1:])) + 1
    children_of = _group(parent[order], order, m)
    rank = np.zeros(m, dtype=np.int64)
    for kids in children_of:
        rank[kids] = np.arange(len(kids))
    # Nodes directly in each module (their deepest one), most flow first.
    own = node_at[np.arange(n), [len(p) for p in node_paths]] if n else np.zeros(0, np.int64)
    by_flow = np.lexsort((-flow, own))
    leaves = _group(own[by_flow], by_flow, m)
    ctx.report(2, 3, "finding the main nodes of each module")
    top: list[np.ndarray] = [np.zeros(0, np.int64)] * m
    heaviest = np.argsort(-flow, kind="stable")
    for d in range(deepest + 1):
        col = node_at[heaviest, d]
        keep = col >= 0
        mods, idx = col[keep], heaviest[keep]
        grouped = np.argsort(mods, kind="stable")
        mods, idx = mods[grouped], idx[grouped]
        starts = np.flatnonzero(np.r_[True, mods[1:] != mods[:-1]])
        for s, e in zip(starts, np.r_[starts[1:], len(mods)], strict=True):
            top[mods[s]] = idx[s : min(e, s + TOP_NODES)]
    links = link_array(graph, index) if graph.number_of_edges() else np.zeros((0, 3))
    labels = [str(graph.nodes[x].get("label", x)) for x in nodes]
    ctx.report(3, 3, "modules ready")
    return Hierarchy(
        nodes=nodes,
        labels=labels,
        node_flow=flow,
        edges=links[:, :2].astype(np.int64),
        edge_weight=links[:, 2].copy(),
        paths=paths,
        parent=parent,
        depth=depth,
        size=size,
        flow=module_flow,
        rank=rank,
        children=children_of,
        leaves=leaves,
        top=top,
        node_at=node_at,
        index=index,
    )


def _group(keys: np.ndarray, values: np.ndarray, m: int) -> list[np.ndarray]:
    """``values`` (sorted by ``keys``) split into one array per key ``0..m-1``."""
    bounds = np.searchsorted(keys, np.arange(m + 1))
    return [values[bounds[i] : bounds[i + 1]] for i in range(m)]


@dataclass
class Scene:
    """One module's inside, ready to draw: items are sub-modules (super-nodes)
    or nodes; edges join items."""

    module: int
    item_module: np.ndarray  # (k,) module id of a super-node, -1 for a node
    item_node: np.ndarray  # (k,) node index of a node, -1 for a super-node
    pos: np.ndarray  # (k, 2)
    size: np.ndarray  # (k,) nodes inside each item (1 for a node)
    flow: np.ndarray  # (k,)
    colour: np.ndarray  # (k,) palette index; -1: no module of its own
    labels: list[str]
    edges: np.ndarray  # (e, 2) item indices, the heaviest MAX_DRAWN_EDGES
    weight: np.ndarray  # (e,) links behind each edge (their total weight)
    links: int  # links inside the module, drawn or not

    @property
    def super_nodes(self) -> bool:
        return bool((self.item_module >= 0).any())

    def __len__(self) -> int:
        return len(self.item_module)


def make_scene(
    h: Hierarchy,
    module: int = ROOT,
    *,
    detail_limit: int = DETAIL_LIMIT,
    seed: int = 1,
    ctx: JobContext | None = None,
) -> Scene:
    """The inside of ``module``: its sub-modules as super-nodes when it holds
    more than ``detail_limit`` nodes and has sub-modules, its nodes otherwise."""
    ctx = ctx or JobContext.null()
    ctx.report(0, 2, f"opening module {h.name(module)}")
    d = int(h.depth[module])
    members = h.members(module)
    kids = h.children[module]
    as_modules = len(members) > detail_limit and len(kids) > 0
    item_of = np.full(h.n_nodes, -1, dtype=np.int64)
    if as_modules:
        leaves = h.leaves[module]
        item_module = np.r_[kids, np.full(len(leaves), -1)].astype(np.int64)
        item_node = np.r_[np.full(len(kids), -1), leaves].astype(np.int64)
        slot = np.full(len(h.paths), -1, dtype=np.int64)
        slot[kids] = np.arange(len(kids))
        sub = h.node_at[members, d + 1]
        item_of[members] = np.where(sub >= 0, slot[np.maximum(sub, 0)], -1)
        item_of[leaves] = len(kids) + np.arange(len(leaves))
        size = np.r_[h.size[kids], np.ones(len(leaves), np.int64)]
        flow = np.r_[h.flow[kids], h.node_flow[leaves]]
        colour = np.r_[h.rank[kids], np.full(len(leaves), -1)]
        labels = [h.title(int(m)) for m in kids] + [h.labels[i] for i in leaves]
        group = np.arange(len(item_module))
    else:
        item_module = np.full(len(members), -1, dtype=np.int64)
        item_node = members.astype(np.int64)
        item_of[members] = np.arange(len(members))
        size = np.ones(len(members), np.int64)
        flow = h.node_flow[members]
        if h.node_at.shape[1] > d + 1:
            sub = h.node_at[members, d + 1]
        else:
            sub = np.full(len(members), -1)
        # Nodes take the colour of their sub-module here, or of this module
        # itself among its siblings when it has none.
        own = int(h.rank[module]) if module != ROOT else -1
        colour = np.where(sub >= 0, h.rank[np.maximum(sub, 0)], own)
        labels = [h.labels[i] for i in members]
        group = np.where(sub >= 0, sub, -1)
    k = len(item_module)
    u, v = h.edges[:, 0], h.edges[:, 1]
    a, b = item_of[u], item_of[v]
    keep = (a >= 0) & (b >= 0) & (a != b)
    a, b, w = a[keep], b[keep], h.edge_weight[keep]
    links = int(keep.sum())
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pair, inverse = np.unique(lo * max(k, 1) + hi, return_inverse=True)
    weight = np.bincount(inverse, weights=w, minlength=len(pair))
    edges = np.stack([pair // max(k, 1), pair % max(k, 1)], axis=1).astype(np.int64)
    ctx.report(1, 2, f"laying out {k} {'modules' if as_modules else 'nodes'}")
    pos = force_layout(k, edges, weight, seed=seed, initial=_grouped_start(group, seed), ctx=ctx)
    if len(edges) > MAX_DRAWN_EDGES:
        heaviest = np.argsort(-weight, kind="stable")[:MAX_DRAWN_EDGES]
        edges, weight = edges[heaviest], weight[heaviest]
    ctx.report(2, 2, "module open")
    return Scene(
        module=module,
        item_module=item_module,
        item_node=item_node,
        pos=pos,
        size=size,
        flow=flow,
        colour=colour.astype(np.int64),
        labels=labels,
        edges=edges,
        weight=weight,
        links=links,
    )


def _grouped_start(group: np.ndarray, seed: int) -> np.ndarray:
    """Starting positions: items of one group near one random centre, so the
    force layout starts from the modules instead of untangling them."""
    rng = np.random.default_rng(seed)
    _, which = np.unique(group, return_inverse=True)
    centres = rng.random((int(which.max(initial=0)) + 1, 2)) * 2 - 1
    return centres[which] + rng.normal(0, 0.05, (len(group), 2))
