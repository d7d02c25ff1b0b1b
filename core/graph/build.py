"""Graphs made from our own data: extracted or reviewed triples, and a
knowledge base. Every edge remembers where it came from, so a module can be
traced back to the sentences behind it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from core.formats.duie import Sentence
from core.linking.kb import KnowledgeBase
from core.runtime.jobs import JobContext


def graph_from_triples(
    documents: Iterable[tuple[Any, Any]],
    skip_rejected: bool = True,
    directed: bool = False,
    ctx: JobContext | None = None,
    total: int = 0,
) -> nx.Graph:
    """``documents``: ``(doc_id, triples)`` pairs; triples need ``subject``,
    ``predicate``, ``object`` (and optionally ``subject_type``, ``object_type``,
    ``status``). Entities become nodes (by name) with a ``type`` and the
    ``documents`` they occur in. Each (subject, object) pair becomes one edge
    (subject -> object when ``directed``) whose ``weight`` counts its triples,
    ``predicates`` holds the relations (its types) and ``sources`` the
    ``(doc_id, predicate)`` of every triple behind it. ``total``: how many
    documents to expect, for progress."""
    ctx = ctx or JobContext.null()
    graph: nx.Graph = nx.DiGraph() if directed else nx.Graph()
    for k, (doc_id, triples) in enumerate(documents):
        if k % 1000 == 0:
            ctx.report(k, max(total, k + 1), f"building the graph: {k} documents")
        for t in triples:
            if skip_rejected and getattr(t, "status", None) == "rejected":
                continue
            for name, kind in (
                (t.subject, getattr(t, "subject_type", "")),
                (t.object, getattr(t, "object_type", "")),
            ):
                if name not in graph:
                    graph.add_node(name, label=name, type=kind or "", documents=set())
                elif kind and not graph.nodes[name]["type"]:
                    graph.nodes[name]["type"] = kind
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


def graph_from_sentences(
    sentences: Sequence[Sentence],
    ids: Sequence[Any] | None = None,
    directed: bool = False,
    ctx: JobContext | None = None,
) -> nx.Graph:
    """The graph of the triples of DuIE sentences. Provenance is the
    sentence's index in ``sentences``, or its entry in ``ids`` when given."""
    if ids is not None and len(ids) != len(sentences):
        raise ValueError(f"{len(ids)} ids for {len(sentences)} sentences")
    keys = ids if ids is not None else range(len(sentences))
    return graph_from_triples(
        ((key, s.triples) for key, s in zip(keys, sentences, strict=True)),
        skip_rejected=False,
        directed=directed,
        ctx=ctx,
        total=len(sentences),
    )


def graph_from_kb(kb: KnowledgeBase, ctx: JobContext | None = None) -> nx.Graph:
    """Entity–entity edges where a fact's value is another entity's name or
    alias (a name several entities share links to each of them; a value that
    is one of the entity's own names links nowhere). Nodes are
    entity ids with the entity's name as ``label``; an edge's ``predicates``
    are the facts behind it and ``sources`` the ``(entity id, predicate)`` that
    named the other entity."""
    ctx = ctx or JobContext.null()
    graph = nx.Graph()
    for e in kb.entities.values():
        graph.add_node(e.id, label=e.name, type=",".join(e.types))
    total = len(kb.entities)
    for k, e in enumerate(kb.entities.values()):
        if k % 1000 == 0:
            ctx.report(k, total, f"linking entities: {k} of {total}")
        own_names = set(e.names())
        for predicate, value in e.data:
            if value in own_names:
                continue  # 中文名, 别名 ...: the entity naming itself, not a relation
            for other in kb.by_name.get(value, []):
                if other == e.id:
                    continue
                if graph.has_edge(e.id, other):
                    data = graph[e.id][other]
                    data["weight"] += 1.0
                else:
                    graph.add_edge(e.id, other, weight=1.0, predicates=set(), sources=[])
                    data = graph[e.id][other]
                data["predicates"].add(predicate)
                data["sources"].append((e.id, predicate))
    ctx.report(total, total, "knowledge-base graph built")
    return graph


def graph_from_kb_file(path: str | Path, ctx: JobContext | None = None) -> nx.Graph:
    """:func:`graph_from_kb` of a CCKS 2019 ``kb_data`` file."""
    return graph_from_kb(KnowledgeBase.load(path, ctx), ctx)
