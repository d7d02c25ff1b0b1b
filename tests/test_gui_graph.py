"""The Graph panel: cluster in the background, show modules, jump to sentences."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QSettings  # noqa: E402

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


def test_clusters_a_network_file_in_the_background(window, qtbot, shared_data) -> None:
    panel = window.graph
    assert panel.open_file(shared_data / "networks" / "football.gml")
    panel.run()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=30000)
    assert panel.modules.rowCount() == panel.result.n_modules >= 8
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


def test_the_hierarchy_and_export(window, shared_data, tmp_path) -> None:
    from core.graph.io import read_clu

    panel = window.graph
    assert panel.open_file(shared_data / "networks" / "ninetriangles.net")
    panel.run(wait=True)
    top = panel.tree.topLevelItemCount()
    assert top == panel.result.n_modules
    nested = [
        panel.tree.topLevelItem(i) for i in range(top) if panel.tree.topLevelItem(i).childCount()
    ]
    assert nested and sum(int(panel.tree.topLevelItem(i).text(1)) for i in range(top)) == 27
    panel.export(tmp_path / "nine.clu")
    assert len(read_clu(tmp_path / "nine.clu")) == 27
