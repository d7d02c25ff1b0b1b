"""Node positions for drawing. Small graphs get a force-directed layout; large
ones are laid out module by module: the modules (as super-nodes) by force,
each module's nodes on a disc around its centre. That stays fast at 100,000
nodes, where a force layout of every node would take hours."""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np

from core.jobs import JobContext

FORCE_LIMIT = 3000


def layout(
    graph: nx.Graph, modules: dict[Any, int], seed: int = 1, ctx: JobContext | None = None
) -> dict[Any, np.ndarray]:
    ctx = ctx or JobContext.null()
    if graph.number_of_nodes() <= FORCE_LIMIT:
        ctx.report(0, 1, "laying out the graph")
        return nx.spring_layout(graph, seed=seed, iterations=50)
    return module_layout(graph, modules, seed, ctx)


def module_layout(
    graph: nx.Graph, modules: dict[Any, int], seed: int = 1, ctx: JobContext | None = None
) -> dict[Any, np.ndarray]:
    ctx = ctx or JobContext.null()
    members: dict[int, list[Any]] = {}
    for n in graph.nodes:
        members.setdefault(modules.get(n, -1), []).append(n)
    ctx.report(0, 2, f"laying out {len(members)} modules")
    quotient = nx.Graph()
    quotient.add_nodes_from(members)
    for u, v in graph.edges():
        a, b = modules.get(u, -1), modules.get(v, -1)
        if a != b:
            w = quotient[a][b]["weight"] + 1 if quotient.has_edge(a, b) else 1
            quotient.add_edge(a, b, weight=w)
    centres = nx.spring_layout(
        quotient, seed=seed, iterations=30 if len(members) < 5000 else 10, weight="weight"
    )
    ctx.report(1, 2, "placing nodes in their modules")
    total = graph.number_of_nodes()
    positions: dict[Any, np.ndarray] = {}
    golden = math.pi * (3 - math.sqrt(5))
    for m, nodes in members.items():
        radius = 0.6 * math.sqrt(len(nodes) / total)
        k = np.arange(len(nodes))
        r = radius * np.sqrt((k + 0.5) / len(nodes))
        theta = k * golden
        xy = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1) + centres[m]
        for n, p in zip(nodes, xy, strict=True):
            positions[n] = p
    ctx.report(2, 2, "layout done")
    return positions
