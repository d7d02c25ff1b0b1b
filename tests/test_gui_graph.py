"""The Graph panel: cluster in the background, show modules, jump to sentences."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QSettings, Qt  # noqa: E402

from tests.conftest import write_jsonl  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot, tmp_path):
    from gui.main_window import MainWindow

    w = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.open_project(tmp_path / "p.kgs", create=True)
    yield w
    w.close()


def test_clusters_a_network_file_in_the_background(window, qtbot, data_dir) -> None:
    panel = window.graph
    assert panel.open_file(data_dir / "networks" / "football.gml")
    panel.run()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=30000)
    assert panel.module_model.rowCount() == panel.result.n_modules >= 8
    assert panel.runs.rowCount() == 1 and panel.runs.item(0, 1).text() == "infomap"
    panel.method.setCurrentText("louvain")
    panel.run()
    qtbot.waitUntil(lambda: panel.runs.rowCount() == 2, timeout=30000)
    assert panel.runs.item(1, 1).text() == "louvain"


def test_a_bad_graph_file_gives_a_message(window, tmp_path) -> None:
    bad = tmp_path / "bad.net"
    bad.write_text("*Edges\n1 2\n1\n", encoding="utf-8")
    assert not window.graph.open_file(bad)
    assert "bad.net:3:" in window.graph.summary.text()


def test_a_node_leads_back_to_the_sentences_behind_it(window, qtbot, tmp_path) -> None:
    lines = [
        {
            "text": "《红豆》是王菲演唱的歌曲",
            "spo_list": [{"subject": "红豆", "predicate": "歌手", "object": "王菲"}],
        },
        {
            "text": "王菲演唱了《传奇》",
            "spo_list": [{"subject": "传奇", "predicate": "歌手", "object": "王菲"}],
        },
    ]
    window.import_file(write_jsonl(tmp_path / "in.jsonl", lines))
    panel = window.graph
    panel.graph_from_project()
    panel.run(wait=True)
    panel.show_node("王菲")
    openable = [
        panel.details.item(i)
        for i in range(panel.details.count())
        if "document" in panel.details.item(i).text()
    ]
    assert len(openable) == 2
    panel.details.itemDoubleClicked.emit(openable[1])
    assert window.tabs.currentWidget() is window.triples
    assert window.triples.doc.text == "王菲演唱了《传奇》"


def test_the_hierarchy_and_export(window, data_dir, tmp_path) -> None:
    from core.graph.io import read_clu

    panel = window.graph
    assert panel.open_file(data_dir / "networks" / "ninetriangles.net")
    panel.run(wait=True)
    model = panel.tree_model
    top = model.rowCount()
    assert top == panel.result.n_modules
    tops = [model.index(i, 0) for i in range(top)]
    nested = [ix for ix in tops if model.hasChildren(ix)]
    assert nested and sum(int(model.index(i, 1).data()) for i in range(top)) == 27
    panel.export(tmp_path / "nine.clu")
    assert len(read_clu(tmp_path / "nine.clu")) == 27


@pytest.fixture(scope="module")
def planted():
    from core.graph.generate import planted_partition

    return planted_partition(6000, community=300, degree_in=8, degree_out=1, seed=5)


def test_a_large_graph_is_drawn_as_modules_that_open_and_close(window, qtbot, planted) -> None:
    panel = window.graph
    window.show()
    window.tabs.setCurrentWidget(panel)
    panel.set_graph(planted, "planted 6000")
    panel.run()
    qtbot.waitUntil(lambda: panel.scene is not None, timeout=60000)
    scene = panel.scene
    # One super-node per top-level module, not one point per node.
    assert scene.super_nodes and len(scene) == panel.result.n_modules < 100
    assert scene.size.sum() == 6000 and len(panel.view.points.data) == len(scene)
    assert 0 < len(scene.edges) and scene.weight.sum() == scene.links
    assert not panel.back_button.isEnabled()

    # Clicking an edge between two modules lists the links behind it; a click
    # lands on the item or edge under the pointer.
    panel.view.edge_clicked.emit(0)
    assert panel.details.item(0).text().startswith(f"{int(scene.weight[0])} links")
    x, y = scene.pos[3]
    assert panel.view.item_at(x, y) == 3
    a, b = scene.pos[scene.edges[0]]
    middle = (a + b) / 2
    if panel.view.item_at(*middle) < 0:
        assert panel.view.edge_at(*middle) >= 0

    # A double-click on the biggest super-node opens it.
    biggest = int(scene.size.argmax())
    module = int(scene.item_module[biggest])
    panel.view.item_clicked.emit(biggest, True)
    qtbot.waitUntil(lambda: panel.scene.module == module, timeout=30000)
    inside = panel.scene
    assert not inside.super_nodes and len(inside) == panel.hierarchy.size[module]
    assert set(inside.item_node) == set(panel.hierarchy.members(module))
    assert panel.back_button.isEnabled() and "›" in panel.crumbs.text()

    # Clicking a node lists its links; Backspace goes back to the top.
    panel.view.item_clicked.emit(0, False)
    assert panel.details.count() > 1
    window.activateWindow()
    qtbot.waitActive(window)
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Backspace)
    assert panel.scene is scene and not panel.back_button.isEnabled()


def test_the_module_tree_is_filled_only_where_expanded(window, planted) -> None:
    panel = window.graph
    panel.set_graph(planted, "planted 6000")
    panel.run(wait=True)
    model, h = panel.tree_model, panel.hierarchy
    assert set(model.loaded) == {0}  # the top level only
    first = model.index(0, 0)
    module = model.module_at(first)
    assert model.hasChildren(first) and model.rowCount(first) == 0
    panel.tree.expand(first)
    loaded = model.rowCount(first)
    assert 0 < loaded <= 200 < h.size[module]  # one batch of the module's nodes
    node = model.node_at(model.index(0, 0, first))
    assert h.node_at[node, 1] == module
    assert set(model.loaded) == {0, module}
    # A double-click on a tree entry opens its module in the view.
    panel.tree.doubleClicked.emit(first)
    assert panel.scene.module == module or panel.runner.is_busy("graph-view")


def test_ctrl_and_a_digit_bring_each_tab_to_the_front(window, qtbot) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    window.show()
    qtbot.waitExposed(window)
    QApplication.setActiveWindow(window)  # offscreen: nothing else activates it
    for i, widget in enumerate([window.triples, window.linking, window.graph, window.ask]):
        focus = window.focusWidget() or window
        qtbot.keyClick(focus, Qt.Key(Qt.Key.Key_1 + i), Qt.KeyboardModifier.ControlModifier)
        assert window.tabs.currentWidget() is widget
    assert ("Ctrl+1 … Ctrl+4", "the Triples, Linking, Graph or Ask tab") in window.shortcut_list()
