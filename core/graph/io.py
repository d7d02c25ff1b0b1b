"""Reading and writing graphs: Pajek ``.net``, edge lists, GraphML, GEXF, GML.

Every reader gives a simple networkx graph (parallel links merged, their
weights added) whose nodes carry a ``label`` and whose links carry a numeric
``weight`` when the file has one. A malformed file gives a FormatError naming
the file and line. The format is chosen by the file's suffix.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from numbers import Real
from pathlib import Path
from typing import Any

import networkx as nx

from core.errors import BadInput
from core.formats.errors import FormatError
from core.formats.jsonl import atomic_write_text
from core.graph.pajek import parse_weight, read_pajek, text_lines, write_pajek
from core.graph.partitions import read_clu, read_tree, write_clu, write_json, write_tree

__all__ = [
    "EDGE_LIST_SUFFIXES",
    "GRAPH_SUFFIXES",
    "read_clu",
    "read_edge_list",
    "read_graph",
    "read_pajek",
    "read_tree",
    "write_clu",
    "write_edge_list",
    "write_graph",
    "write_json",
    "write_pajek",
    "write_tree",
]

EDGE_LIST_SUFFIXES = (".txt", ".edges", ".edgelist", ".tsv", ".csv")
GRAPH_SUFFIXES = (".net", ".gml", ".graphml", ".gexf", *EDGE_LIST_SUFFIXES)
_HEADER_SOURCE = {"source", "from", "src", "node1", "u", "head"}
_HEADER_TARGET = {"target", "to", "dst", "node2", "v", "tail"}


def read_edge_list(path: str | Path, directed: bool = False) -> nx.Graph:
    """``source target [weight]`` per line, separated by spaces, tabs or
    commas; ``#`` / ``%`` comments; a ``source,target[,weight]`` header is
    skipped."""
    path = Path(path)
    graph: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    first = True
    for number, line in text_lines(path):
        if not line or line[0] in "#%":
            continue
        parts = [p for p in re.split(r"[\s,]+", line) if p]
        if first and len(parts) >= 2:
            first = False
            if parts[0].lower() in _HEADER_SOURCE and parts[1].lower() in _HEADER_TARGET:
                continue
        if len(parts) < 2:
            raise FormatError(path, number, f"expected 'source target [weight]', got {line!r}")
        w = parse_weight(parts[2], path, number, line) if len(parts) > 2 else 1.0
        u, v = parts[0], parts[1]
        for n in (u, v):
            if n not in graph:
                graph.add_node(n, label=n)
        if graph.has_edge(u, v):
            graph[u][v]["weight"] += w
        else:
            graph.add_edge(u, v, weight=w)
    return graph


def _lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8", errors="replace").splitlines()


def _first_line(lines: list[str], pattern: str, nth: int = 1, start: int = 0) -> int | None:
    """1-based number of the ``nth`` line from ``start`` matching ``pattern``."""
    regex = re.compile(pattern)
    seen = 0
    for i in range(start, len(lines)):
        if regex.search(lines[i]):
            seen += 1
            if seen == nth:
                return i + 1
    return None


def locate_error(path: Path, error: Exception) -> int | None:
    """The line a networkx reader's error is about. XML parse errors and the
    GML tokenizer say it; for the others (a duplicated id, an undefined key)
    the line is found from what the message names."""
    position = getattr(error, "position", None)
    if position:
        return int(position[0])
    message = str(error)
    found = re.search(r"at \((\d+), \d+\)|line (\d+)", message)
    if found:
        return int(found.group(1) or found.group(2))
    lines = _lines_of(path)
    if not any(line.strip() for line in lines):
        return 1
    if m := re.search(r"node id (\S+) is duplicated", message):
        return _first_line(lines, rf"\bid\s+{re.escape(m.group(1))}\b", nth=2)
    if m := re.search(r"(node|edge) #(\d+)", message):
        block = _first_line(lines, rf"\b{m.group(1)}\s*\[", nth=int(m.group(2)) + 1)
        detail = re.search(r"undefined (source|target) (\S+)", message)
        if block and detail:
            pattern = rf"\b{detail.group(1)}\s+{re.escape(detail.group(2))}\b"
            return _first_line(lines, pattern, start=block - 1) or block
        return block
    if m := re.search(r"no key (\S+)", message):
        return _first_line(lines, rf'key=["\']{re.escape(m.group(1))}["\']')
    if "cannot be a node" in message:
        return _first_line(lines, r"<node\b(?![^>]*\bid=)")
    if m := re.search(r"could not convert string to \w+: '(.*)'|with base \d+: '(.*)'", message):
        value = re.escape(m.group(1) if m.group(1) is not None else m.group(2))
        return _first_line(lines, rf"[\"'>]{value}[\"'<]|\s{value}\s*$")
    if "graphml" in message.lower() or "graph" in message.lower():
        return _first_line(lines, r"<(graphml|gexf)\b|^\s*graph\b") or 1
    return None


def _networkx_reader(path: Path, reader: Callable[[Path], nx.Graph], what: str) -> nx.Graph:
    try:
        graph = reader(path)
    except Exception as e:  # networkx and expat raise many kinds; all mean "not this format"
        raise FormatError(path, locate_error(path, e), f"expected a {what} graph ({e})") from None
    if graph.is_multigraph():
        graph = _merge_parallel_links(graph)
    for u, v, data in graph.edges(data=True):
        w = data.get("weight")
        if w is None or isinstance(w, Real):
            continue
        try:
            data["weight"] = float(w)
        except (TypeError, ValueError):
            line = _first_line(_lines_of(path), rf"[\"'>\s]{re.escape(str(w))}[\"'<\s]")
            raise FormatError(
                path, line, f"link {u} - {v}: expected a numeric weight, got {w!r}"
            ) from None
    for n, data in graph.nodes(data=True):
        data.setdefault("label", str(data.get("name", n)))
    return graph


def _merge_parallel_links(graph: nx.MultiGraph) -> nx.Graph:
    simple: nx.Graph = nx.DiGraph() if graph.is_directed() else nx.Graph()
    simple.add_nodes_from(graph.nodes(data=True))
    for u, v, data in graph.edges(data=True):
        w = data.get("weight", 1.0)
        if simple.has_edge(u, v):
            simple[u][v]["weight"] += float(w)
        else:
            simple.add_edge(u, v, **{**data, "weight": float(w)})
    return simple


def read_graph(path: str | Path, directed: bool | None = None) -> nx.Graph:
    """Any supported format, chosen by the file's suffix. ``directed``: None
    keeps what the file says (edge lists are undirected then); False forgets
    directions; True reads the links of a Pajek file or an edge list as arcs
    from source to target, as Infomap's ``--directed`` does, and gives each
    undirected link of a GML, GraphML or GEXF graph (which keep no link order)
    an arc in both directions."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(path, None, "no such file (expected a graph file)")
    suffix = path.suffix.lower()
    if suffix == ".net":
        graph = read_pajek(path, directed)
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
            "unknown graph format (expected .net, .gml, .graphml, .gexf or an edge list: "
            + ", ".join(EDGE_LIST_SUFFIXES)
            + ")",
        )
    if directed is True and not graph.is_directed():
        graph = graph.to_directed()
    elif directed is False and graph.is_directed():
        graph = graph.to_undirected()
    return graph


def write_edge_list(graph: nx.Graph, path: str | Path) -> None:
    """``source target weight`` lines: commas for ``.csv``, tabs for ``.tsv``,
    spaces otherwise."""
    path = Path(path)
    sep = {".csv": ",", ".tsv": "\t"}.get(path.suffix.lower(), " ")
    for n in graph.nodes:
        text = str(n)
        if not text or re.search(r"[\s,]", text) or text[0] in "#%":
            raise BadInput(
                f"node {text!r} cannot stand in an edge list (spaces, commas or a leading "
                "#/%); write .net, .graphml, .gexf or .gml instead"
            )
    with atomic_write_text(path) as f:
        for u, v, w in graph.edges(data="weight", default=1.0):
            f.write(f"{u}{sep}{v}{sep}{_plain_number(w)}\n")


def _plain_number(w: Any) -> str:
    w = float(w)
    return str(int(w)) if w.is_integer() and math.isfinite(w) else repr(w)


def _plain_value(value: Any) -> Any:
    """Attribute values that XML and GML can hold: sets, lists, tuples and
    dicts become JSON text (sets sorted, so the file does not change between
    runs)."""
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, set | frozenset):
        value = sorted(value, key=str)
    return json.dumps(value, ensure_ascii=False, default=str)


def _plain_copy(graph: nx.Graph) -> nx.Graph:
    copy = graph.__class__()
    for n, data in graph.nodes(data=True):
        copy.add_node(n, **{k: _plain_value(v) for k, v in data.items() if v is not None})
    for u, v, data in graph.edges(data=True):
        copy.add_edge(u, v, **{k: _plain_value(x) for k, x in data.items() if x is not None})
    return copy


def write_graph(graph: nx.Graph, path: str | Path) -> None:
    """Write ``graph`` in the format its suffix names (any of GRAPH_SUFFIXES);
    the file is replaced only once it is complete."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".net":
        write_pajek(graph, path)
        return
    if suffix in EDGE_LIST_SUFFIXES:
        write_edge_list(graph, path)
        return
    plain = _plain_copy(graph)
    if suffix == ".graphml":
        lines = nx.generate_graphml(plain)
    elif suffix == ".gexf":
        lines = nx.generate_gexf(plain)
    elif suffix == ".gml":
        # GML numbers its nodes and keeps one name per node as "label"; use
        # the display label when labels are unique, so other tools show it.
        labels = {n: str(d.get("label", n)) for n, d in plain.nodes(data=True)}
        if len(set(labels.values())) == len(labels):
            for d in plain.nodes.values():
                d.pop("label", None)
            plain = nx.relabel_nodes(plain, labels)
        else:
            for d in plain.nodes.values():
                d.pop("label", None)
        lines = nx.generate_gml(plain)
    else:
        raise BadInput(
            f"{path}: unknown graph format (expected one of {', '.join(GRAPH_SUFFIXES)})"
        )
    with atomic_write_text(path) as f:
        for line in lines:
            f.write(line + "\n")
