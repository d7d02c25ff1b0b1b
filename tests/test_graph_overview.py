"""Large graphs drawn a module at a time: the module tree, scenes of
super-nodes with aggregated edges, and the generator of planted partitions."""

from __future__ import annotations

import numpy as np
import pytest

from core.graph.clustering import cluster
from core.graph.generate import planted_partition
from core.graph.io import read_graph
from core.graph.overview import ROOT, build_hierarchy, make_scene


@pytest.fixture(scope="module")
def planted():
    g = planted_partition(3000, community=50, degree_in=8, degree_out=2, seed=1)
    return g, cluster(g, two_level=True, trials=1)


def test_planted_partitions_have_the_degrees_asked_for() -> None:
    g = planted_partition(5000, seed=2)
    assert g.number_of_nodes() == 5000
    assert 9.5 < 2 * g.number_of_edges() / 5000 < 10.5
    inside = sum(g.nodes[u]["community"] == g.nodes[v]["community"] for u, v in g.edges())
    assert 0.75 < inside / g.number_of_edges() < 0.85


def test_a_large_graph_becomes_super_nodes_with_summed_links(planted) -> None:
    g, result = planted
    h = build_hierarchy(g, result)
    scene = make_scene(h, ROOT, detail_limit=1000)
    assert scene.super_nodes and len(scene) == result.n_modules
    assert scene.size.sum() == 3000 and scene.flow.sum() == pytest.approx(1.0)
    between = sum(result.top_modules[u] != result.top_modules[v] for u, v in g.edges())
    assert scene.links == between == scene.weight.sum()
    assert np.abs(scene.pos).max() <= 1.0 + 1e-9


def test_opening_a_module_shows_its_nodes_and_their_links(planted) -> None:
    g, result = planted
    h = build_hierarchy(g, result)
    module = int(h.children[ROOT][0])
    scene = make_scene(h, module, detail_limit=1000)
    members = {h.nodes[i] for i in scene.item_node}
    assert not scene.super_nodes and members == set(result.members(h.paths[module]))
    assert scene.links == g.subgraph(members).number_of_edges() == len(scene.edges)
    assert h.ancestors(module) == [ROOT, module]


def test_nested_modules_open_level_by_level(data_dir) -> None:
    g = read_graph(data_dir / "networks" / "ninetriangles.net")
    result = cluster(g, trials=5)
    h = build_hierarchy(g, result)
    top = make_scene(h, ROOT, detail_limit=5)
    assert top.super_nodes and len(top) == result.n_modules
    nested = next(int(m) for m in h.children[ROOT] if len(h.children[m]))
    inside = make_scene(h, nested, detail_limit=5)
    assert inside.super_nodes and set(inside.item_module) == set(h.children[nested])
    assert h.size[nested] == sum(h.size[m] for m in h.children[nested])
