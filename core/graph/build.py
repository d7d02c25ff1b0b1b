"""Graphs made from our own data: extracted or reviewed triples, and a
knowledge base. Every edge remembers where it came from, so a module can be
traced back to the sentences behind it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import networkx as nx

from core.linking.kb import KnowledgeBase


def graph_from_triples(
    documents: Iterable[tuple[Any, Any]], skip_rejected: bool = True
) -> nx.Graph:
    """``documents``: ``(doc_id, triples)`` pairs; triples need ``subject``,
    ``predicate``, ``object`` (and optionally ``subject_type``, ``object_type``,
    ``status``). Entities become nodes (by name); each (subject, object) pair
    becomes one edge whose ``weight`` counts its triples, ``predicates`` lists
    the relations and ``sources`` the ``(doc_id, predicate)`` they came from."""
    graph = nx.Graph()
    for doc_id, triples in documents:
        for t in triples:
            if skip_rejected and getattr(t, "status", None) == "rejected":
                continue
            for name, kind in (
                (t.subject, getattr(t, "subject_type", "")),
                (t.object, getattr(t, "object_type", "")),
            ):
                if name not in graph:
                    graph.add_node(name, label=name, type=kind or "", documents=set())
                graph.nodes[name]["documents"].add(doc_id)
            if t.subject == t.object:
                continue
            if graph.has_edge(t.subject, t.object):
                data = graph[t.subject][t.object]
                data["weight"] += 1.0
            else:
                graph.add_edge(t.subject, t.object, weight=1.0, predicates=set(), sources=[])
                data = graph[t.subject][t.object]
            data["predicates"].add(t.predicate)
            data["sources"].append((doc_id, t.predicate))
    return graph


def graph_from_kb(kb: KnowledgeBase) -> nx.Graph:
    """Entity–entity edges where a fact's value is another entity's name or
    alias (ambiguous names link to every entity that has them)."""
    graph = nx.Graph()
    for e in kb.entities.values():
        graph.add_node(e.id, label=e.name, type=",".join(e.types))
    for e in kb.entities.values():
        for predicate, value in e.data:
            for other in kb.by_name.get(value, []):
                if other == e.id:
                    continue
                if graph.has_edge(e.id, other):
                    graph[e.id][other]["weight"] += 1.0
                    graph[e.id][other]["predicates"].add(predicate)
                else:
                    graph.add_edge(e.id, other, weight=1.0, predicates={predicate})
    return graph
