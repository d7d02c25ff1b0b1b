"""Clustering results as files: Infomap's ``.clu`` (``node_id module``) and
``.tree`` (``path flow "name" node_id``), and JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx

from core.formats.errors import FormatError
from core.formats.jsonl import atomic_write_text
from core.graph.pajek import split_tokens, text_lines
from core.graph.partition import Clustering, cut_at_level


def read_clu(path: str | Path) -> dict[str, int]:
    """node id (as text) -> module, from ``node module [flow]`` lines."""
    path = Path(path)
    modules: dict[str, int] = {}
    for number, line in text_lines(path):
        if not line or line[0] in "#%*":
            continue
        parts = line.split()
        try:
            if len(parts) < 2:
                raise ValueError
            modules[parts[0]] = int(parts[1])
        except ValueError:
            raise FormatError(
                path, number, f"expected 'node_id module [flow]', got {line!r}"
            ) from None
    return modules


def write_clu(path: str | Path, modules: dict[Any, tuple[int, ...]], level: int = 1) -> None:
    """The modules on ``level`` (1 = top, -1 = finest) as ``node_id module``."""
    numbers = cut_at_level(modules, level)
    with atomic_write_text(path) as f:
        f.write(f"# module level {level}\n# node_id module\n")
        for node, module in numbers.items():
            f.write(f"{node} {module}\n")


def read_tree(path: str | Path) -> dict[str, tuple[int, ...]]:
    """node id (as text) -> module path (the tree path without the node's own
    rank), from ``path flow "name" node_id`` lines."""
    path = Path(path)
    modules: dict[str, tuple[int, ...]] = {}
    for number, line in text_lines(path):
        if not line or line[0] in "#%*":
            continue
        tokens = split_tokens(line, path, number)
        try:
            if len(tokens) < 4:
                raise ValueError
            steps = tuple(int(x) for x in tokens[0].split(":"))
            float(tokens[1])
        except ValueError:
            raise FormatError(
                path, number, f"expected 'path flow \"name\" node_id', got {line!r}"
            ) from None
        if len(steps) < 2:
            raise FormatError(
                path, number, f"expected a path such as 1:2 (module:node), got {tokens[0]}"
            )
        modules[tokens[3]] = steps[:-1]
    return modules


def write_tree(
    path: str | Path,
    modules: dict[Any, tuple[int, ...]],
    flows: dict[Any, float],
    labels: dict[Any, str],
    codelength: float | None = None,
) -> None:
    """Infomap's ``.tree``: ``path flow "name" node_id`` with a path such as
    ``1:2:3``: the module path followed by the node's rank (by flow) in its
    module, modules in path order."""
    by_module: dict[tuple[int, ...], list[Any]] = {}
    for node, p in modules.items():
        by_module.setdefault(p, []).append(node)
    with atomic_write_text(path) as f:
        if codelength is not None:
            f.write(f"# codelength {codelength:.9g} bits\n")
        f.write("# path flow name node_id\n")
        for p in sorted(by_module):
            members = sorted(by_module[p], key=lambda n: -flows.get(n, 0.0))
            for rank, node in enumerate(members, 1):
                name = labels.get(node, str(node)).replace('"', "'")
                full = ":".join(map(str, (*p, rank)))
                f.write(f'{full} {flows.get(node, 0.0):.9g} "{name}" {node}\n')


def write_json(path: str | Path, payload: dict[str, Any]) -> None:
    with atomic_write_text(path) as f:
        json.dump(payload, f, ensure_ascii=False, indent=1, default=str)
        f.write("\n")


def clustering_json(graph: nx.Graph, clustering: Clustering) -> dict[str, Any]:
    """Everything a clustering found, for a JSON file: the figures, every
    module on every level with its flow and size, every node with its path."""
    sizes: dict[tuple[int, ...], int] = {}
    for p in clustering.modules.values():
        for depth in range(1, len(p) + 1):
            sizes[p[:depth]] = sizes.get(p[:depth], 0) + 1
    flows = clustering.flow_by_module()
    return {
        "method": clustering.method,
        "options": clustering.options,
        "levels": clustering.levels,
        "modules_per_level": clustering.modules_per_level(),
        "codelength": clustering.codelength,
        "one_level_codelength": clustering.one_level_codelength,
        "relative_saving": clustering.relative_saving,
        "trial_codelengths": clustering.trial_codelengths,
        "modules": [
            {"path": list(p), "size": sizes[p], "flow": flows.get(p, 0.0)} for p in sorted(sizes)
        ],
        "nodes": [
            {
                "node": n if isinstance(n, int | str) else str(n),
                "label": str(graph.nodes[n].get("label", n)) if n in graph else str(n),
                "path": list(p),
                "flow": clustering.node_flow.get(n),
            }
            for n, p in clustering.modules.items()
        ],
    }
