"""Graph reading and clustering on the real example networks."""

from __future__ import annotations

import json

import networkx as nx
import pytest

from cli.app import main
from core.formats.errors import FormatError
from core.graph.clustering import cluster, compare_with_truth, modularity
from core.graph.io import read_clu, read_graph
from core.graph.metrics import ami, nmi


def test_two_triangles_give_infomaps_documented_modules_and_codelength(shared_data) -> None:
    g = read_graph(shared_data / "networks" / "twotriangles.net")
    result = cluster(g, two_level=True)
    # Infomap's own example: "Found 2 modules with codelength: 2.32073"
    assert result.codelength == pytest.approx(2.32073, abs=1e-5)
    labels = {g.nodes[n]["label"]: m for n, m in result.top_modules.items()}
    assert labels["A"] == labels["B"] == labels["C"] != labels["D"] == labels["E"] == labels["F"]
    assert result.codelength < result.one_level_codelength


def test_nine_triangles_nest_triangles_inside_modules(shared_data) -> None:
    g = read_graph(shared_data / "networks" / "ninetriangles.net")
    two = cluster(g, two_level=True)
    assert two.n_modules == 9  # one module per triangle
    multi = cluster(g, trials=5)
    assert multi.levels >= 3  # modules of triangles inside modules
    assert multi.codelength < two.codelength


def test_the_lossy_benchmark_matches_its_partition(shared_data) -> None:
    g = read_graph(shared_data / "networks" / "infomap_test_fixtures" / "lossy_benchmark.net")
    truth = read_clu(shared_data / "networks" / "infomap_test_fixtures" / "lossy_benchmark.clu")
    result = cluster(g, two_level=True)
    assert compare_with_truth(result, {k: v for k, v in truth.items()}) == (
        pytest.approx(1.0),
        pytest.approx(1.0),
    )


@pytest.mark.parametrize("method", ["infomap", "louvain", "lpa"])
def test_football_conferences_are_found(shared_data, method) -> None:
    g = read_graph(shared_data / "networks" / "football.gml")
    truth = {n: d["value"] for n, d in g.nodes(data=True)}
    result = cluster(g, method, seed=1)
    found_nmi, found_ami = compare_with_truth(result, truth)
    assert found_nmi > 0.85 and found_ami > 0.8
    assert modularity(g, result) > 0.55


def test_karate_splits_along_the_club(shared_data) -> None:
    g = read_graph(shared_data / "networks" / "karate.net")
    club = nx.karate_club_graph()
    truth = {str(n): d["club"] for n, d in club.nodes(data=True)}
    result = cluster(g, "louvain", seed=1)
    assert nmi([truth[n] for n in result.modules], list(result.top_modules.values())) > 0.4


def test_directed_and_weighted_links_are_kept(shared_data) -> None:
    g = read_graph(shared_data / "networks" / "modular_wd.net")
    assert g.is_directed() and g.number_of_edges() == 48
    assert any(w != 1.0 for _, _, w in g.edges(data="weight"))
    result = cluster(g, two_level=True)
    assert result.n_modules >= 2 and result.codelength > 0


def test_nmi_and_ami_on_known_cases() -> None:
    assert nmi([1, 1, 2, 2], ["a", "a", "b", "b"]) == pytest.approx(1.0)
    assert ami([1, 1, 2, 2], ["a", "a", "b", "b"]) == pytest.approx(1.0)
    assert nmi([1, 1, 2, 2], [1, 2, 1, 2]) == pytest.approx(0.0, abs=1e-12)
    assert ami([1, 1, 1, 2, 2, 2], [1, 1, 2, 2, 3, 3]) < nmi([1, 1, 1, 2, 2, 2], [1, 1, 2, 2, 3, 3])


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "bad.net",
            '*Vertices 2\n1 "a"\n2 "b"\n*Edges\n1 2\n1 x y\n',
            "bad.net:6: expected 'source target [weight]'",
        ),
        ("bad2.net", '*Vertices 2\n1 "a"\n2 "b"\n*Edges\n1 3\n', "bad2.net:5: link to vertex 3"),
        ("bad3.net", "*Multilayer\n1 1 2\n", "bad3.net:1: unsupported section"),
        ("bad.txt", "a b\nc\n", "bad.txt:2: expected 'source target [weight]'"),
        ("bad.gml", "graph [\n node [ id 1 ]\n edge [ source 1 target \n", "bad.gml"),
    ],
)
def test_malformed_files_name_their_line(tmp_path, name, content, expected) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError) as err:
        read_graph(path)
    assert expected in str(err.value)


def test_cli_prints_one_summary_line_and_writes_the_partition(
    shared_data, tmp_path, capsys
) -> None:
    out = tmp_path / "football.clu"
    args = [
        "cluster",
        "--input",
        str(shared_data / "networks" / "football.gml"),
        "--truth",
        "value",
        "--output",
        str(out),
    ]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(summary) == {
        "method",
        "nodes",
        "edges",
        "levels",
        "modules",
        "codelength",
        "modularity",
        "nmi",
        "ami",
        "seconds",
    }
    assert summary["nodes"] == 115 and summary["edges"] == 613 and summary["nmi"] > 0.85
    assert len(read_clu(out)) == 115
    assert main(["cluster", "--input", str(out), "--output", str(tmp_path / "x.clu")]) == 2
    assert (
        main(
            [
                "cluster",
                "--input",
                str(shared_data / "networks" / "karate.net"),
                "--output",
                str(tmp_path / "x.png"),
            ]
        )
        == 2
    )


def test_a_graph_from_triples_keeps_the_sentences_behind_each_edge() -> None:
    from core.formats.duie import Triple
    from core.graph.build import graph_from_triples

    docs = [
        (7, [Triple("红豆", "歌手", "王菲"), Triple("红豆", "作词", "林夕")]),
        (9, [Triple("红豆", "歌手", "王菲")]),
    ]
    g = graph_from_triples(docs)
    assert set(g.nodes) == {"红豆", "王菲", "林夕"}
    edge = g["红豆"]["王菲"]
    assert edge["weight"] == 2 and edge["sources"] == [(7, "歌手"), (9, "歌手")]
    assert g.nodes["红豆"]["documents"] == {7, 9}


def test_a_graph_from_the_knowledge_base_links_entities_named_in_facts(shared_data) -> None:
    from core.graph.build import graph_from_kb
    from core.linking.kb import KnowledgeBase

    kb = KnowledgeBase.load(shared_data / "ccks_kb" / "kb_data")
    g = graph_from_kb(kb)
    assert g.number_of_nodes() == 801 and g.number_of_edges() > 0
    u, v, data = next(iter(g.edges(data=True)))
    assert data["predicates"] and u in kb.entities and v in kb.entities
