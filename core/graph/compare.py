"""Judging a clustering: modularity, and NMI / AMI against a ground truth
(a node attribute or a ``.clu`` / ``.tree`` file); running several methods on
one graph for a comparison table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from core.errors import BadInput
from core.graph.metrics import ami, nmi
from core.graph.partition import Clustering
from core.runtime.jobs import JobContext


@dataclass
class Evaluation:
    """One row of a comparison table; ``None`` where a figure does not apply
    (no codelength outside InfoMap, no NMI without a ground truth)."""

    method: str
    modules: int
    levels: int
    codelength: float | None
    modularity: float
    nmi: float | None
    ami: float | None
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def modularity(graph: nx.Graph, clustering: Clustering) -> float:
    """Newman's modularity of the top-level modules (the directed version on a
    directed graph), using link weights."""
    groups: dict[int, set] = {}
    for n, m in clustering.top_modules.items():
        groups.setdefault(m, set()).add(n)
    return float(nx.community.modularity(graph, groups.values(), weight="weight"))


def compare_with_truth(clustering: Clustering, truth: dict[Any, Any]) -> tuple[float, float]:
    """(NMI, AMI) of the top-level modules against ``truth`` over the nodes both know."""
    nodes = [n for n in clustering.modules if n in truth]
    if not nodes:
        raise BadInput("the ground truth names none of the graph's nodes")
    found = [clustering.modules[n][0] for n in nodes]
    expected = [truth[n] for n in nodes]
    return nmi(expected, found), ami(expected, found)


def truth_from_attribute(graph: nx.Graph, name: str) -> dict[Any, Any]:
    """node -> the value of its attribute ``name`` (nodes without it are left out)."""
    truth = {n: d[name] for n, d in graph.nodes(data=True) if name in d}
    if not truth:
        raise BadInput(f"no node has an attribute {name!r} (expected a ground-truth attribute)")
    return truth


def truth_from_file(graph: nx.Graph, path: str | Path) -> dict[Any, Any]:
    """node -> top-level module from a ``.clu`` or ``.tree`` file whose node ids
    are the graph's (compared as text, so ``7`` in the file finds node 7)."""
    from core.graph.partitions import read_clu, read_tree

    path = Path(path)
    if path.suffix.lower() == ".tree":
        by_id: dict[str, Any] = {k: p[0] for k, p in read_tree(path).items()}
    else:
        by_id = dict(read_clu(path))
    nodes = {str(n): n for n in graph.nodes}
    truth = {nodes[k]: m for k, m in by_id.items() if k in nodes}
    if not truth:
        raise BadInput(f"{path}: names none of the graph's nodes (expected the graph's node ids)")
    return truth


def load_truth(graph: nx.Graph, spec: str) -> dict[Any, Any]:
    """A ground truth from a file if ``spec`` names one, else from the node
    attribute called ``spec``."""
    if Path(spec).is_file():
        return truth_from_file(graph, spec)
    if any(spec in d for _, d in graph.nodes(data=True)):
        return truth_from_attribute(graph, spec)
    raise BadInput(
        f"ground truth {spec!r}: neither a .clu/.tree file nor an attribute of the nodes"
    )


def evaluate(
    graph: nx.Graph, clustering: Clustering, truth: dict[Any, Any] | None = None
) -> Evaluation:
    score = compare_with_truth(clustering, truth) if truth is not None else (None, None)
    return Evaluation(
        method=clustering.method,
        modules=clustering.n_modules,
        levels=clustering.levels,
        codelength=clustering.codelength,
        modularity=modularity(graph, clustering),
        nmi=score[0],
        ami=score[1],
        seconds=clustering.seconds,
    )


_STEP = 1000  # progress units per step, so a step's own progress shows within it


class _Part(JobContext):
    """Progress of one step of a longer job, shown as a slice of the whole."""

    def __init__(self, parent: JobContext, step: int, steps: int, name: str) -> None:
        super().__init__()
        self.parent, self.step, self.steps, self.name = parent, step, steps, name

    def report(self, done: int, total: int, message: str = "") -> None:
        fraction = done / total if total else 0.0
        self.parent.report(
            int(_STEP * (self.step + fraction)), _STEP * self.steps, f"{self.name}: {message}"
        )

    def check_cancelled(self) -> None:
        self.parent.check_cancelled()


def compare_methods(
    graph: nx.Graph,
    methods: Sequence[str],
    truth: dict[Any, Any] | None = None,
    ctx: JobContext | None = None,
    **infomap_options: Any,
) -> list[tuple[Clustering, Evaluation]]:
    """Run every method on ``graph`` (InfoMap with ``infomap_options``, the
    others with the same ``seed``) and evaluate each."""
    from core.graph.clustering import cluster

    ctx = ctx or JobContext.null()
    rows = []
    for k, method in enumerate(methods):
        part = _Part(ctx, k, len(methods), method)
        options = infomap_options if method == "infomap" else _seed_only(infomap_options)
        clustering = cluster(graph, method, ctx=part, **options)
        rows.append((clustering, evaluate(graph, clustering, truth)))
    ctx.report(_STEP * len(methods), _STEP * len(methods), "all methods finished")
    return rows


def _seed_only(options: dict[str, Any]) -> dict[str, Any]:
    return {"seed": options["seed"]} if "seed" in options else {}
