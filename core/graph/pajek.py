"""Pajek ``.net`` files as Infomap reads and writes them.

``*Vertices [N]`` lists ``id "label"`` lines; ``*Edges`` / ``*Arcs`` (and
Infomap's ``*Links``) list ``source target [weight]``; ``*Edgeslist`` /
``*Arcslist`` list ``source target1 target2 ...``. Lines before any section
are links, as in Infomap's own examples (ninetriangles.net, karate.net).
``#`` and ``%`` start comment lines. Repeated links add up their weights, as
in Infomap. A file with any ``*Arcs`` gives a directed graph in which each
``*Edges`` line counts in both directions. ``*Bipartite N`` links are read as
edges, and nodes get ``part`` 1 from id N on (0 below): the graph is then
clustered as an ordinary one, not with Infomap's bipartite flow.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path

import networkx as nx

from core.formats.errors import FormatError
from core.formats.jsonl import atomic_write_text

_TOKEN = re.compile(r'"([^"]*)"|(\S+)')
# section name -> (kind of lines, directed)
_SECTIONS = {
    "edges": ("links", False),
    "links": ("links", False),
    "arcs": ("links", True),
    "edgeslist": ("lists", False),
    "edgelist": ("lists", False),
    "arcslist": ("lists", True),
}
_UNSUPPORTED = {"states", "multilayer", "intra", "inter", "matrix", "vectors"}


def text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, stripped text) of a UTF-8 file, a BOM on the first line
    dropped; bytes that are not UTF-8 are a FormatError on their line."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise FormatError(
                    path, number, f"expected UTF-8 text (bad byte at column {e.start + 1})"
                ) from None
            yield number, line.lstrip("\ufeff").strip() if number == 1 else line.strip()


def split_tokens(line: str, path: Path, number: int) -> list[str]:
    if '"' not in line:
        return line.split()
    if line.count('"') % 2:
        raise FormatError(path, number, f"expected a closing quote, got {line!r}")
    return [m.group(1) if m.group(1) is not None else m.group(2) for m in _TOKEN.finditer(line)]


def parse_weight(token: str, path: Path, number: int, line: str) -> float:
    try:
        w = float(token)
    except ValueError:
        raise FormatError(
            path, number, f"expected 'source target [weight]', got {line!r}"
        ) from None
    if not math.isfinite(w) or w < 0:
        raise FormatError(path, number, f"expected a weight of 0 or more, got {token}")
    return w


def read_pajek(path: str | Path, directed: bool | None = None) -> nx.Graph:
    """A graph whose nodes are the file's vertex ids (as text) with a ``label``
    and whose links carry a ``weight``. ``directed``: True reads every link as
    an arc from its first vertex to its second (Infomap's ``--directed``),
    False every link as undirected, None as each section says."""
    path = Path(path)
    labels: dict[str, str] = {}
    declared: int | None = None
    bipartite_from: int | None = None
    # (source, target, weight, directed, line)
    links: list[tuple[str, str, float, bool, int]] = []
    kind, directed_section = "links", False
    for number, line in text_lines(path):
        if not line or line[0] in "#%":
            continue
        if line[0] == "*":
            head = line[1:].split()
            name = head[0].lower() if head else ""
            if name == "vertices":
                kind = "vertices"
                if len(head) > 1:
                    if not head[1].isdigit():
                        raise FormatError(
                            path, number, f"expected '*Vertices N' with a count, got {line!r}"
                        )
                    declared = int(head[1])
            elif name in _SECTIONS:
                kind, directed_section = _SECTIONS[name]
            elif name == "bipartite":
                if len(head) < 2 or not head[1].isdigit():
                    raise FormatError(
                        path,
                        number,
                        f"expected '*Bipartite N' (the first feature id), got {line!r}",
                    )
                kind, directed_section, bipartite_from = "links", False, int(head[1])
            elif name == "network":
                kind = "title"  # Pajek's "*Network name": a title line only
            else:
                hint = " (a higher-order network)" if name in _UNSUPPORTED else ""
                raise FormatError(
                    path,
                    number,
                    f"unsupported section *{head[0] if head else ''}{hint}: expected "
                    "*Vertices, *Edges, *Arcs, *Edgeslist or *Arcslist",
                )
            continue
        if kind == "title":
            continue
        tokens = split_tokens(line, path, number)
        if kind == "vertices":
            # id "label" [x y z and other drawing attributes, ignored]
            labels[tokens[0]] = tokens[1] if len(tokens) > 1 else tokens[0]
        elif kind == "lists":
            if len(tokens) < 2:
                raise FormatError(path, number, f"expected 'source target ...', got {line!r}")
            links += [(tokens[0], t, 1.0, directed_section, number) for t in tokens[1:]]
        else:
            if len(tokens) < 2:
                raise FormatError(path, number, f"expected 'source target [weight]', got {line!r}")
            w = parse_weight(tokens[2], path, number, line) if len(tokens) > 2 else 1.0
            links.append((tokens[0], tokens[1], w, directed_section, number))
    if directed is not None:
        links = [(u, v, w, directed, number) for u, v, w, _, number in links]
    graph = _assemble(path, labels, declared, links)
    if bipartite_from is not None:
        for n, data in graph.nodes(data=True):
            data["part"] = int(n.isdigit() and int(n) >= bipartite_from)
    return graph


def _assemble(
    path: Path,
    labels: dict[str, str],
    declared: int | None,
    links: list[tuple[str, str, float, bool, int]],
) -> nx.Graph:
    directed = any(d for *_, d, _ in links)
    graph: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    for node_id, label in labels.items():
        graph.add_node(node_id, label=label)
    known: set[str] | None = None
    if declared is not None and len(labels) < declared:
        # Pajek numbers vertices 1..N and need not list them all.
        for i in range(1, declared + 1):
            if str(i) not in graph:
                graph.add_node(str(i), label=str(i))
        known = set(graph.nodes)
    elif labels:
        known = set(labels)
    for u, v, w, arc, number in links:
        if known is not None and (u not in known or v not in known):
            missing = u if u not in known else v
            raise FormatError(
                path, number, f"link to vertex {missing}, which *Vertices does not list"
            )
        for n in (u, v):
            if n not in graph:
                graph.add_node(n, label=n)
        pairs = [(u, v)] if arc or not directed else [(u, v), (v, u)]
        for a, b in pairs:
            if graph.has_edge(a, b):
                graph[a][b]["weight"] += w
            else:
                graph.add_edge(a, b, weight=w)
    return graph


def _number(w: float) -> str:
    return str(int(w)) if float(w).is_integer() else repr(float(w))


def write_pajek(graph: nx.Graph, path: str | Path) -> None:
    """``*Vertices N`` with labels, then ``*Edges`` (or ``*Arcs`` for a directed
    graph) with weights. Nodes are renumbered 1..N unless their ids already
    are 1..N; the label keeps the name either way."""
    nodes = list(graph.nodes)
    as_text = [str(n) for n in nodes]
    if sorted(as_text) == sorted(str(i) for i in range(1, len(nodes) + 1)):
        ids = {n: int(t) for n, t in zip(nodes, as_text, strict=True)}
    else:
        ids = {n: i for i, n in enumerate(nodes, 1)}
    with atomic_write_text(path) as f:
        f.write(f"*Vertices {len(nodes)}\n")
        for n in nodes:
            label = str(graph.nodes[n].get("label", n)).replace('"', "'")
            f.write(f'{ids[n]} "{label}"\n')
        f.write("*Arcs\n" if graph.is_directed() else "*Edges\n")
        for u, v, w in graph.edges(data="weight", default=1.0):
            f.write(f"{ids[u]} {ids[v]} {_number(w)}\n")
