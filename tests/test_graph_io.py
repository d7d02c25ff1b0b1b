"""Reading and writing graphs and clustering results."""

from __future__ import annotations

import networkx as nx
import pytest

from core.errors import BadInput
from core.formats.errors import FormatError
from core.graph.io import (
    GRAPH_SUFFIXES,
    read_clu,
    read_graph,
    read_tree,
    write_clu,
    write_graph,
    write_tree,
)
from core.graph.partition import Clustering
from core.graph.partitions import clustering_json


def _edges(g: nx.Graph) -> dict[frozenset, float]:
    return {frozenset((str(u), str(v))): w for u, v, w in g.edges(data="weight", default=1.0)}


def test_pajek_with_vertices_and_quoted_labels(data_dir) -> None:
    g = read_graph(data_dir / "networks" / "twotriangles.net")
    assert not g.is_directed()
    assert [g.nodes[n]["label"] for n in g] == list("ABCDEF")
    assert g.number_of_edges() == 7 and g["3"]["4"]["weight"] == 1.0


def test_pajek_labels_may_hold_spaces(data_dir) -> None:
    g = read_graph(data_dir / "networks" / "Fonseca-Ganade-weighted.net")
    assert g.nodes["2"]["label"] == "Allomerus aff. Octoarticulata"
    assert g.number_of_nodes() == 29 and g.number_of_edges() == 38
    # *Bipartite 20: feature nodes from id 20 on
    assert g.nodes["19"]["part"] == 0 and g.nodes["20"]["part"] == 1


def test_pajek_without_a_vertices_header(data_dir) -> None:
    nine = read_graph(data_dir / "networks" / "ninetriangles.net")
    assert nine.number_of_nodes() == 27 and nine.number_of_edges() == 39
    assert {w for *_, w in nine.edges(data="weight")} == {1.0, 0.8}
    karate = read_graph(data_dir / "networks" / "karate.net")
    assert sorted(karate.nodes, key=int) == [str(i) for i in range(34)]
    assert karate["0"]["2"]["weight"] == 5.0


def test_arcs_give_a_directed_weighted_graph(data_dir) -> None:
    g = read_graph(data_dir / "networks" / "modular_wd.net")
    assert g.is_directed() and g.number_of_nodes() == 25 and g.number_of_edges() == 48
    assert g["1"]["3"]["weight"] == 2.0 and not g.has_edge("3", "1")


def test_pajek_sections_edgeslist_mixed_and_partial_vertices(tmp_path) -> None:
    path = tmp_path / "mixed.net"
    path.write_text(
        '% a comment\n*Network test\n*Vertices 5\n1 "one" 0.1 0.2\n*Edges\n1 2 2.5\n1 2 0.5\n'
        "*Arcs\n3 4\n*Edgeslist\n5 1 2\n",
        encoding="utf-8",
    )
    g = read_graph(path)
    assert g.is_directed()
    assert set(g.nodes) == {"1", "2", "3", "4", "5"}  # *Vertices 5 without all listed
    assert g.nodes["1"]["label"] == "one" and g.nodes["4"]["label"] == "4"
    assert g["1"]["2"]["weight"] == g["2"]["1"]["weight"] == 3.0  # repeated links add up
    assert g.has_edge("3", "4") and not g.has_edge("4", "3")
    assert g.has_edge("5", "1") and g.has_edge("1", "5") and g.has_edge("5", "2")


def test_directed_reads_links_as_arcs_and_undirected_adds_reciprocal_arcs(tmp_path) -> None:
    path = tmp_path / "g.net"
    path.write_text("*Arcs\n1 2 1\n2 1 2\n2 3\n", encoding="utf-8")
    assert read_graph(path, directed=False)["1"]["2"]["weight"] == 3.0
    edges = tmp_path / "g.txt"
    edges.write_text("a b\nb c 2\n", encoding="utf-8")
    g = read_graph(edges, directed=True)
    assert g.is_directed() and g.has_edge("a", "b") and not g.has_edge("b", "a")
    assert read_graph(edges)["c"]["b"]["weight"] == 2.0


def test_edge_lists_with_commas_tabs_and_a_header(tmp_path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("source,target,weight\n红豆,王菲,2\n王菲,林夕,1.5\n", encoding="utf-8")
    g = read_graph(path)
    assert set(g.nodes) == {"红豆", "王菲", "林夕"} and g["红豆"]["王菲"]["weight"] == 2.0
    tsv = tmp_path / "g.tsv"
    tsv.write_text("# comment\n1\t2\n2\t3\t0.5\n", encoding="utf-8")
    assert read_graph(tsv).number_of_edges() == 2


def test_gml_with_a_truth_attribute(data_dir) -> None:
    g = read_graph(data_dir / "networks" / "football.gml")
    assert g.number_of_nodes() == 115 and g.number_of_edges() == 613
    assert len({d["value"] for _, d in g.nodes(data=True)}) == 12
    assert g.nodes[0]["label"] == "BrighamYoung"


@pytest.mark.parametrize("suffix", GRAPH_SUFFIXES)
def test_every_writer_round_trips_links_weights_and_labels(tmp_path, suffix) -> None:
    g = nx.Graph()
    g.add_node("a", label="红豆", type="歌曲", documents={3, 1})
    g.add_node("b", label="王菲")
    g.add_node("c", label="林夕")
    g.add_edge("a", "b", weight=2.0, predicates={"歌手"}, sources=[(1, "歌手"), (3, "歌手")])
    g.add_edge("a", "c", weight=0.5)
    path = tmp_path / f"g{suffix}"
    write_graph(g, path)
    back = read_graph(path)
    by_label = {str(d.get("label", n)): n for n, d in back.nodes(data=True)}
    if suffix in (".txt", ".edges", ".edgelist", ".tsv", ".csv"):
        by_label = {"红豆": "a", "王菲": "b", "林夕": "c"}  # edge lists keep ids, not labels
    assert back.number_of_nodes() == 3
    assert back[by_label["红豆"]][by_label["王菲"]]["weight"] == 2.0
    assert back[by_label["红豆"]][by_label["林夕"]]["weight"] == 0.5


def test_a_directed_graph_is_written_as_arcs(tmp_path) -> None:
    g = nx.DiGraph([("1", "2"), ("2", "3")])
    for suffix in (".net", ".graphml", ".gexf", ".gml"):
        write_graph(g, tmp_path / f"d{suffix}")
        back = read_graph(tmp_path / f"d{suffix}")
        assert back.is_directed() and back.number_of_edges() == 2, suffix


def test_writers_refuse_what_they_cannot_write_and_keep_the_old_file(tmp_path) -> None:
    path = tmp_path / "g.txt"
    path.write_text("old\n", encoding="utf-8")
    with pytest.raises(BadInput, match="cannot stand in an edge list"):
        write_graph(nx.Graph([("a b", "c")]), path)
    with pytest.raises(BadInput, match="unknown graph format"):
        write_graph(nx.Graph([("a", "c")]), tmp_path / "g.png")
    assert path.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.txt"]  # no temporary left


def test_clu_and_tree_round_trip_with_nested_modules(tmp_path) -> None:
    modules = {"1": (1, 1), "2": (1, 1), "3": (1, 2), "4": (2,), "5": (2,)}
    flows = {"1": 0.3, "2": 0.1, "3": 0.2, "4": 0.25, "5": 0.15}
    write_tree(tmp_path / "r.tree", modules, flows, {"1": 'a "b"'}, codelength=2.5)
    text = (tmp_path / "r.tree").read_text(encoding="utf-8").splitlines()
    assert text[0] == "# codelength 2.5 bits"
    assert text[2:4] == ["1:1:1 0.3 \"a 'b'\" 1", '1:1:2 0.1 "2" 2']
    assert read_tree(tmp_path / "r.tree") == modules
    write_clu(tmp_path / "top.clu", modules)
    assert read_clu(tmp_path / "top.clu") == {"1": 1, "2": 1, "3": 1, "4": 2, "5": 2}
    write_clu(tmp_path / "leaf.clu", modules, level=-1)
    assert read_clu(tmp_path / "leaf.clu") == {"1": 1, "2": 1, "3": 2, "4": 3, "5": 3}


def test_infomaps_own_clu_and_tree_fixtures_read(data_dir) -> None:
    fixtures = data_dir / "networks" / "infomap_test_fixtures"
    assert read_clu(fixtures / "twotriangles_two_modules.clu") == {
        "1": 1,
        "2": 1,
        "3": 1,
        "4": 2,
        "5": 2,
        "6": 2,
    }
    tree = read_tree(fixtures / "twotriangles_three_level.tree")
    assert tree["1"] == (1, 1) and tree["6"] == (2, 1)


def test_clustering_json_lists_every_module_on_every_level() -> None:
    g = nx.path_graph(4)
    c = Clustering(
        "infomap",
        {0: (1, 1), 1: (1, 2), 2: (2,), 3: (2,)},
        levels=3,
        codelength=1.5,
        one_level_codelength=2.0,
        node_flow={0: 0.1, 1: 0.2, 2: 0.3, 3: 0.4},
    )
    data = clustering_json(g, c)
    flows = {tuple(m["path"]): (m["size"], round(m["flow"], 9)) for m in data["modules"]}
    assert flows == {(1,): (2, 0.3), (1, 1): (1, 0.1), (1, 2): (1, 0.2), (2,): (2, 0.7)}
    assert data["relative_saving"] == pytest.approx(0.25)
    assert data["nodes"][0] == {"node": 0, "label": "0", "path": [1, 1], "flow": 0.1}


MALFORMED = [
    ("weight.net", '*Vertices 2\n1 "a"\n2 "b"\n*Edges\n1 2\n1 x y\n', 6, "source target [weight]"),
    ("vertex.net", '*Vertices 2\n1 "a"\n2 "b"\n*Edges\n1 3\n', 5, "link to vertex 3"),
    ("negative.net", "1 2 1\n2 3 -1\n", 2, "weight of 0 or more"),
    ("quote.net", '*Vertices 1\n1 "a\n', 2, "closing quote"),
    ("section.net", "1 2\n*Multilayer\n1 1 2\n", 2, "unsupported section *Multilayer"),
    ("count.net", "*Vertices many\n", 1, "*Vertices N"),
    ("short.net", "*Edges\n1 2\n3\n", 3, "source target [weight]"),
    ("list.net", "*Arcslist\n1\n", 2, "source target ..."),
    ("bytes.net", b"1 2\n2 \xff 3\n", 2, "UTF-8"),
    ("short.txt", "a b\nc\n", 2, "source target [weight]"),
    ("weight.csv", "a,b,1\nb,c,heavy\n", 2, "source target [weight]"),
    ("eof.gml", "graph [\n node [ id 1 ]\n edge [ source 1 target \n", 4, "GML"),
    ("token.gml", "graph [\n node [ id 1 ]\n  @@@ \n]\n", 3, "GML"),
    ("twice.gml", "graph [\n node [ id 1 ]\n node [ id 1 ]\n]\n", 3, "duplicated"),
    (
        "undefined.gml",
        "graph [\n node [ id 1 ]\n node [ id 2 ]\n edge [ source 1 target 2 ]\n"
        " edge [\n  source 1\n  target 9\n ]\n]\n",
        7,
        "undefined target 9",
    ),
    (
        "tag.graphml",
        '<?xml version="1.0"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
        '<graph edgedefault="undirected">\n<node id="a"/>\n<edge source="a" target="b">\n'
        "</graph>\n</graphml>\n",
        6,
        "GraphML",
    ),
    (
        "key.graphml",
        '<?xml version="1.0"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
        '<graph edgedefault="undirected">\n<node id="a">\n<data key="d9">x</data>\n</node>\n'
        "</graph>\n</graphml>\n",
        5,
        "no key d9",
    ),
    (
        "weight.graphml",
        '<?xml version="1.0"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
        '<key id="w" for="edge" attr.name="weight" attr.type="string"/>\n'
        '<graph edgedefault="undirected">\n<node id="a"/><node id="b"/>\n'
        '<edge source="a" target="b">\n<data key="w">heavy</data>\n</edge>\n'
        "</graph>\n</graphml>\n",
        7,
        "numeric weight",
    ),
    (
        "tag.gexf",
        '<?xml version="1.0"?>\n<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
        '<graph defaultedgetype="undirected">\n<nodes><node id="a" label="a"/></nodes>\n'
        '<edges><edge id="0" source="a" target="b"/>\n</graph>\n</gexf>\n',
        6,
        "GEXF",
    ),
    (
        "id.gexf",
        '<?xml version="1.0"?>\n<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
        '<graph defaultedgetype="undirected">\n<nodes>\n<node id="a" label="a"/>\n'
        '<node label="b"/>\n</nodes>\n</graph>\n</gexf>\n',
        6,
        "cannot be a node",
    ),
    (
        "weight.gexf",
        '<?xml version="1.0"?>\n<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">\n'
        '<graph defaultedgetype="undirected">\n<nodes><node id="a"/><node id="b"/></nodes>\n'
        '<edges>\n<edge id="0" source="a" target="b" weight="x"/>\n</edges>\n</graph>\n</gexf>\n',
        6,
        "convert string to float",
    ),
    ("empty.gml", "", 1, "GML"),
]


@pytest.mark.parametrize(("name", "content", "line", "expected"), MALFORMED)
def test_every_reader_names_the_line_of_a_malformed_file(
    tmp_path, name, content, line, expected
) -> None:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError) as err:
        read_graph(path)
    assert err.value.path == str(path)
    assert err.value.line == line, str(err.value)
    assert str(err.value).startswith(f"{path}:{line}: ")
    assert expected in str(err.value)


@pytest.mark.parametrize(
    ("name", "content", "line", "reader"),
    [
        ("bad.clu", "# node_id module\n1 1\n2 two\n", 3, read_clu),
        ("bad.tree", '# path flow name node_id\n1:1 0.5 "a" 1\n1 0.5 "b" 2\n', 3, read_tree),
        ("flow.tree", '1:1 much "a" 1\n', 1, read_tree),
    ],
)
def test_result_readers_name_the_line_too(tmp_path, name, content, line, reader) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError) as err:
        reader(path)
    assert err.value.line == line


def test_unknown_suffix_and_missing_file_are_format_errors(tmp_path) -> None:
    with pytest.raises(FormatError, match="unknown graph format"):
        (tmp_path / "g.png").write_bytes(b"")
        read_graph(tmp_path / "g.png")
    with pytest.raises(FormatError, match="no such file"):
        read_graph(tmp_path / "absent.net")
