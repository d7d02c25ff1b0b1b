"""Reading graphs (Pajek, edge lists, GraphML, GEXF, GML) and writing results.

Every reader gives a networkx graph whose nodes carry a ``label``; a malformed
file gives a FormatError naming the file and line.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import networkx as nx

from core.formats.errors import FormatError
from core.formats.jsonl import atomic_write_text

EDGE_LIST_SUFFIXES = {".txt", ".edges", ".edgelist", ".tsv", ".csv"}


def _number(token: str) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


def read_pajek(path: str | Path) -> nx.Graph:
    """``*Vertices`` (``id "label"``), ``*Edges`` / ``*Arcs`` (``source target
    [weight]``); lines before any section are edges, as in Infomap's examples."""
    path = Path(path)
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, float, int]] = []
    directed = False
    section = "edges"
    with open(path, encoding="utf-8-sig") as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line[0] in "#%":
                continue
            if line.startswith("*"):
                name = line[1:].split()[0].lower()
                if name == "vertices":
                    section = "vertices"
                elif name in ("edges", "links"):
                    section = "edges"
                elif name == "arcs":
                    section, directed = "edges", True
                else:
                    raise FormatError(
                        path,
                        number,
                        f"unsupported section *{line[1:].split()[0]} (expected *Vertices, *Edges or *Arcs)",
                    )
                continue
            try:
                parts = shlex.split(line, comments=False)
            except ValueError as e:
                raise FormatError(path, number, f"unbalanced quotes ({e})") from None
            if section == "vertices":
                if not parts:
                    continue
                nodes[parts[0]] = parts[1] if len(parts) > 1 else parts[0]
                continue
            if len(parts) < 2 or (len(parts) > 2 and _number(parts[2]) is None):
                raise FormatError(path, number, f"expected 'source target [weight]', got {line!r}")
            weight = float(parts[2]) if len(parts) > 2 else 1.0
            edges.append((parts[0], parts[1], weight, number))
    graph: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    for node_id, label in nodes.items():
        graph.add_node(node_id, label=label)
    for u, v, w, number in edges:
        if nodes and (u not in nodes or v not in nodes):
            missing = u if u not in nodes else v
            raise FormatError(
                path, number, f"link to vertex {missing}, which *Vertices does not list"
            )
        for n in (u, v):
            if n not in graph:
                graph.add_node(n, label=n)
        if graph.has_edge(u, v):
            graph[u][v]["weight"] += w
        else:
            graph.add_edge(u, v, weight=w)
    return graph


def read_edge_list(path: str | Path, directed: bool = False) -> nx.Graph:
    path = Path(path)
    graph: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    with open(path, encoding="utf-8-sig") as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line[0] in "#%":
                continue
            parts = re.split(r"[\s,]+", line)
            if len(parts) < 2 or (len(parts) > 2 and _number(parts[2]) is None):
                raise FormatError(path, number, f"expected 'source target [weight]', got {line!r}")
            w = float(parts[2]) if len(parts) > 2 else 1.0
            for n in parts[:2]:
                if n not in graph:
                    graph.add_node(n, label=n)
            graph.add_edge(parts[0], parts[1], weight=w)
    return graph


def _networkx_reader(path: Path, reader: Any, what: str) -> nx.Graph:
    try:
        graph = reader(path)
    except Exception as e:  # networkx raises many kinds; all mean "not this format"
        match = re.search(r"line (\d+)", str(e))
        line = int(match.group(1)) if match else None
        raise FormatError(path, line, f"expected a {what} graph ({e})") from None
    for n, data in graph.nodes(data=True):
        data.setdefault("label", str(data.get("name", n)))
    return graph


def read_graph(path: str | Path, directed: bool | None = None) -> nx.Graph:
    """Any supported format, chosen by the file's suffix."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(path, None, "no such file (expected a graph file)")
    suffix = path.suffix.lower()
    if suffix == ".net":
        graph = read_pajek(path)
    elif suffix == ".gml":
        graph = _networkx_reader(path, lambda p: nx.read_gml(p, label="id"), "GML")
    elif suffix == ".graphml":
        graph = _networkx_reader(path, nx.read_graphml, "GraphML")
    elif suffix == ".gexf":
        graph = _networkx_reader(path, nx.read_gexf, "GEXF")
    elif suffix in EDGE_LIST_SUFFIXES:
        graph = read_edge_list(path, bool(directed))
    else:
        raise FormatError(
            path,
            None,
            "unknown graph format (expected .net, .gml, .graphml, .gexf or an edge list)",
        )
    if directed is True and not graph.is_directed():
        graph = graph.to_directed()
    elif directed is False and graph.is_directed():
        graph = graph.to_undirected()
    return graph


def read_clu(path: str | Path) -> dict[str, int]:
    """Infomap's ``.clu``: ``node module [flow]`` per line, ``#`` comments."""
    path = Path(path)
    modules: dict[str, int] = {}
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) < 2 or _number(parts[1]) is None:
                raise FormatError(path, number, f"expected 'node module', got {line!r}")
            modules[parts[0]] = int(float(parts[1]))
    return modules


def write_clu(path: str | Path, modules: dict[Any, tuple[int, ...]]) -> None:
    with atomic_write_text(path) as f:
        f.write("# node_id module\n")
        for node, p in modules.items():
            f.write(f"{node} {p[0]}\n")


def write_tree(
    path: str | Path,
    modules: dict[Any, tuple[int, ...]],
    flows: dict[Any, float],
    labels: dict[Any, str],
) -> None:
    """Infomap's ``.tree``: ``path flow "name" node_id``; a path such as
    ``1:2:3`` is the module path followed by the node's rank in its module."""
    by_module: dict[tuple[int, ...], list[Any]] = {}
    for node, p in modules.items():
        by_module.setdefault(p, []).append(node)
    with atomic_write_text(path) as f:
        f.write("# path flow name node_id\n")
        for p in sorted(by_module):
            members = sorted(by_module[p], key=lambda n: -flows.get(n, 0.0))
            for rank, node in enumerate(members, 1):
                name = labels.get(node, str(node)).replace('"', "'")
                full = ":".join(map(str, (*p, rank)))
                f.write(f'{full} {flows.get(node, 0.0):.6g} "{name}" {node}\n')


def write_json(path: str | Path, payload: dict[str, Any]) -> None:
    with atomic_write_text(path) as f:
        json.dump(payload, f, ensure_ascii=False, indent=1, default=str)
