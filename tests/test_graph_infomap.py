"""InfoMap through our core against the values the infomap package documents
and against Infomap reading the same files itself."""

from __future__ import annotations

import networkx as nx
import pytest

from core.errors import BadInput
from core.graph.clustering import cluster
from core.graph.io import read_graph
from core.graph.metrics import nmi
from core.runtime.jobs import Cancelled, JobContext


def test_two_triangles_give_the_documented_modules_codelength_and_flows(data_dir) -> None:
    g = read_graph(data_dir / "networks" / "twotriangles.net")
    result = cluster(g, two_level=True)
    # infomap's README example: "Found 2 modules with codelength: 2.32073035683379"
    assert result.codelength == pytest.approx(2.32073035683379, abs=1e-12)
    # Infomap.get_modules() doctest: {1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 2}
    assert result.top_modules == {"1": 1, "2": 1, "3": 1, "4": 2, "5": 2, "6": 2}
    # get_dataframe doctest: C and D carry flow 0.214286, the others 0.142857
    assert result.node_flow["3"] == pytest.approx(3 / 14)
    assert result.node_flow["1"] == pytest.approx(1 / 7)
    assert result.module_flow() == pytest.approx({1: 0.5, 2: 0.5})
    assert result.levels == 2
    assert result.relative_saving == pytest.approx(1 - 2.32073035683379 / 2.556656707462823)


def test_nine_triangles_nest_triangles_in_five_top_modules(data_dir) -> None:
    g = read_graph(data_dir / "networks" / "ninetriangles.net")
    # infomap.datasets.nine_triangles(): seed 123, 10 trials -> 5 top modules,
    # and Infomap.get_multilevel_modules() lists two of them holding three
    # triangles each, the other three a single triangle.
    result = cluster(g, seed=123, trials=10)
    assert result.n_modules == 5 and result.levels == 3
    # The codelength in infomap's own benchmark tables for ninetriangles.
    assert result.codelength == pytest.approx(3.371875026, abs=1e-9)
    assert result.modules_per_level() == [5, 6]
    triangles = {frozenset(str(3 * k + i) for i in (1, 2, 3)) for k in range(9)}
    leaf_modules: dict[tuple, set] = {}
    for node, path in result.modules.items():
        leaf_modules.setdefault(path, set()).add(node)
    assert {frozenset(m) for m in leaf_modules.values()} == triangles
    top_sizes = sorted(len(result.members((m,))) for m in range(1, 6))
    assert top_sizes == [3, 3, 3, 9, 9]
    flows = result.flow_by_module()
    assert sum(flows[(m,)] for m in range(1, 6)) == pytest.approx(1.0)
    assert flows[(1,)] == pytest.approx(sum(flows[(1, k)] for k in (1, 2, 3)))


def test_two_level_nine_triangles_is_one_module_per_triangle(data_dir) -> None:
    g = read_graph(data_dir / "networks" / "ninetriangles.net")
    two = cluster(g, two_level=True)
    multi = cluster(g)
    assert two.n_modules == 9 and two.levels == 2
    assert multi.codelength < two.codelength


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("twotriangles.net", {}),
        ("twotriangles.net", {"directed": True, "two_level": True}),
        ("ninetriangles.net", {"num_trials": 5}),
        ("ninetriangles.net", {"markov_time": 0.7, "two_level": True}),
        ("karate.net", {}),
        ("jazz.net", {"two_level": True}),
        ("modular_w.net", {}),
        ("modular_wd.net", {"directed": True}),
    ],
)
def test_same_result_as_infomap_reading_the_file_itself(data_dir, name, options) -> None:
    import infomap

    path = data_dir / "networks" / name
    im = infomap.Infomap(**options)
    im.read_file(str(path))
    expected = im.run()
    raw = {str(n.node_id): n.path[:-1] for n in expected.nodes()}

    ours_options = {k: v for k, v in options.items() if k != "num_trials"}
    ours_options["trials"] = options.get("num_trials", 1)
    g = read_graph(path, directed=options.get("directed", False))
    result = cluster(g, **ours_options)
    assert result.codelength == pytest.approx(expected.codelength, abs=1e-9)
    assert result.levels == expected.num_levels
    nodes = sorted(raw)
    assert nmi([raw[n] for n in nodes], [result.modules[n] for n in nodes]) == pytest.approx(1)


def test_a_directed_network_is_clustered_with_directed_flow(data_dir) -> None:
    path = data_dir / "networks" / "modular_wd.net"
    directed = cluster(read_graph(path))
    undirected = cluster(read_graph(path, directed=False))
    assert directed.options["directed"] and not undirected.options["directed"]
    assert directed.codelength == pytest.approx(2.864883855914499, abs=1e-9)
    assert undirected.codelength == pytest.approx(3.0481118600274115, abs=1e-9)
    assert directed.levels == 3 and directed.modules_per_level() == [2, 5]


def test_link_weights_change_the_modules(data_dir) -> None:
    weighted = read_graph(data_dir / "networks" / "modular_w.net")
    unweighted = nx.Graph(weighted.edges())
    a, b = cluster(weighted), cluster(unweighted)
    assert a.codelength == pytest.approx(3.0481118600274115, abs=1e-9)
    assert b.codelength != pytest.approx(a.codelength, abs=1e-3)
    # the flow of a node follows its weighted degree on an undirected network
    strength = dict(weighted.degree(weight="weight"))
    total = sum(strength.values())
    assert a.node_flow["2"] == pytest.approx(strength["2"] / total)


def test_a_longer_markov_time_gives_fewer_modules(data_dir) -> None:
    g = read_graph(data_dir / "networks" / "ninetriangles.net")
    counts = [cluster(g, two_level=True, markov_time=t).n_modules for t in (0.3, 1.0, 2.0)]
    assert counts == [21, 9, 3]


def test_trials_keep_the_best_and_equal_infomaps_own_trials(data_dir) -> None:
    import infomap

    g = read_graph(data_dir / "networks" / "football.gml")
    result = cluster(g, trials=6, seed=5, two_level=True)
    assert len(result.trial_codelengths) == 6
    assert result.codelength == pytest.approx(min(result.trial_codelengths), abs=1e-12)
    im = infomap.Infomap(num_trials=6, seed=5, two_level=True)
    ids = {n: i for i, n in enumerate(g.nodes)}
    im.add_links([(ids[u], ids[v]) for u, v in g.edges()])
    expected = im.run()
    assert result.trial_codelengths == pytest.approx(list(expected.codelengths), abs=1e-12)
    assert result.codelength == pytest.approx(expected.codelength, abs=1e-12)


def test_the_same_seed_gives_the_same_modules(data_dir) -> None:
    g = read_graph(data_dir / "networks" / "jazz.net")
    assert cluster(g, seed=7, trials=2).modules == cluster(g, seed=7, trials=2).modules


def test_progress_between_trials_and_cancel(data_dir) -> None:
    g = read_graph(data_dir / "networks" / "football.gml")
    seen: list[tuple[int, int, str]] = []
    cluster(g, trials=3, ctx=JobContext(lambda d, t, m: seen.append((d, t, m))))
    assert [d for d, *_ in seen] == [0, 1, 2, 3, 4]
    assert seen[2][2] == "InfoMap trial 2 of 3"

    ctx = JobContext(lambda d, t, m: ctx.cancel() if d == 2 else None)
    with pytest.raises(Cancelled):
        cluster(g, trials=50, ctx=ctx)


def test_isolated_nodes_and_graphs_without_links() -> None:
    g = nx.Graph([(0, 1)])
    g.add_node(5)
    result = cluster(g, two_level=True)
    assert result.modules[0] == result.modules[1] != result.modules[5]
    assert result.node_flow[5] == 0.0
    alone = cluster(nx.empty_graph(3))
    assert alone.n_modules == 3 and alone.codelength == 0.0


@pytest.mark.parametrize(
    ("graph", "options", "message"),
    [
        (nx.path_graph(3), {"trials": 0}, "trials"),
        (nx.path_graph(3), {"markov_time": 0}, "markov time"),
        (nx.Graph([(0, 1, {"weight": -1})]), {}, "weight of 0 or more"),
        (nx.Graph([(0, 1, {"weight": "heavy"})]), {}, "weight of 0 or more"),
        (nx.path_graph(3), {"iterations": 3}, "does not take iterations"),
        (nx.Graph(), {}, "no nodes"),
    ],
)
def test_bad_options_and_weights_are_bad_input(graph, options, message) -> None:
    with pytest.raises(BadInput, match=message):
        cluster(graph, **options)


def test_other_methods_take_a_seed_only() -> None:
    with pytest.raises(BadInput, match="louvain does not take two_level"):
        cluster(nx.path_graph(3), "louvain", two_level=True)
    with pytest.raises(BadInput, match="unknown method"):
        cluster(nx.path_graph(3), "walktrap")


def test_a_separate_process_gives_the_same_result_and_can_be_cancelled(data_dir) -> None:
    g = read_graph(data_dir / "networks" / "ninetriangles.net")
    here = cluster(g, trials=3)
    apart = cluster(g, trials=3, separate_process=True)
    assert apart.modules == here.modules and apart.codelength == pytest.approx(here.codelength)
    assert apart.node_flow == pytest.approx(here.node_flow)
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(Cancelled):
        cluster(g, separate_process=True, ctx=ctx)
