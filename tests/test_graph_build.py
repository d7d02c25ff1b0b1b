"""Graphs from our own data keep where every edge came from."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core.formats.duie import Sentence, Triple
from core.graph.build import (
    graph_from_kb_file,
    graph_from_sentences,
    graph_from_triples,
)
from core.graph.clustering import cluster
from core.runtime.jobs import JobContext

SENTENCES = [
    Sentence(
        "《红豆》是王菲演唱的歌曲，林夕作词",
        [
            Triple("红豆", "歌手", "王菲", "歌曲", "人物"),
            Triple("红豆", "作词", "林夕", "歌曲", "人物"),
        ],
    ),
    Sentence("王菲的《红豆》", [Triple("红豆", "歌手", "王菲", "歌曲", "人物")]),
    Sentence("《笑傲江湖》的作者是金庸", [Triple("笑傲江湖", "作者", "金庸", "图书作品", "人物")]),
]


def test_sentences_become_typed_edges_that_remember_their_sentences() -> None:
    g = graph_from_sentences(SENTENCES)
    assert set(g.nodes) == {"红豆", "王菲", "林夕", "笑傲江湖", "金庸"}
    assert g.nodes["红豆"]["type"] == "歌曲" and g.nodes["金庸"]["type"] == "人物"
    assert g.nodes["红豆"]["documents"] == {0, 1}
    edge = g["王菲"]["红豆"]
    assert edge["weight"] == 2.0 and edge["predicates"] == {"歌手"}
    assert edge["sources"] == [(0, "歌手"), (1, "歌手")]
    assert g["红豆"]["林夕"]["sources"] == [(0, "作词")]


def test_sentence_ids_and_direction() -> None:
    g = graph_from_sentences(SENTENCES, ids=["a", "b", "c"], directed=True)
    assert g.is_directed() and g.has_edge("红豆", "王菲") and not g.has_edge("王菲", "红豆")
    assert g["笑傲江湖"]["金庸"]["sources"] == [("c", "作者")]
    with pytest.raises(ValueError, match="2 ids for 3 sentences"):
        graph_from_sentences(SENTENCES, ids=["a", "b"])


def test_modules_lead_back_to_sentences() -> None:
    g = graph_from_sentences(SENTENCES)
    result = cluster(g, two_level=True)
    songs = result.members(result.modules["红豆"])
    assert set(songs) == {"红豆", "王菲", "林夕"}
    behind = {doc for u, v, d in g.subgraph(songs).edges(data=True) for doc, _ in d["sources"]}
    assert behind == {0, 1}


def test_rejected_review_triples_are_left_out() -> None:
    t = SimpleNamespace(subject="甲", predicate="作者", object="乙", status="rejected")
    kept = SimpleNamespace(subject="甲", predicate="导演", object="丙", status="accepted")
    g = graph_from_triples([(12, [t, kept])])
    assert not g.has_edge("甲", "乙") and g["甲"]["丙"]["sources"] == [(12, "导演")]
    assert graph_from_triples([(12, [t])], skip_rejected=False).has_edge("甲", "乙")


def test_knowledge_base_facts_that_name_other_entities_become_edges(data_dir) -> None:
    seen: list[int] = []
    g = graph_from_kb_file(
        data_dir / "ccks_kb" / "kb_data", JobContext(lambda d, t, m: seen.append(d))
    )
    assert g.number_of_nodes() == 23 and seen[-1] == 23
    # 王夫人's fact 女儿: 四春 names the entity 四春
    mother = next(n for n, d in g.nodes(data=True) if d["label"] == "王夫人")
    daughter = next(n for n, d in g.nodes(data=True) if d["label"] == "四春")
    assert g[mother][daughter]["predicates"] == {"女儿"}
    assert g[mother][daughter]["sources"] == [(mother, "女儿")]
    # a fact naming the entity itself (中文名 李军 of 李军) links no homonym
    li_jun = [n for n, d in g.nodes(data=True) if d["label"] == "李军"]
    assert len(li_jun) == 2 and not g.has_edge(*li_jun)
