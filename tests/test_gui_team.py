"""The window on a team's server project: whose documents the list shows,
another person's decisions appearing without a restart, agreement in the
Statistics view, two people's decisions side by side and settled."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QSettings, Qt  # noqa: E402

from core.store import Project  # noqa: E402
from core.store.team import Team  # noqa: E402
from tests.conftest import write_jsonl  # noqa: E402
from tests.test_gui_triples import SENTENCES  # noqa: E402

pytestmark = pytest.mark.gui


@pytest.fixture
def url(pg_url, tmp_path):
    from core.store.throwaway_server import SUPERUSER  # noqa: F401 - the server's own role

    where = f"{pg_url}?project=window{id(tmp_path) % 100000}"
    with Project.open(where, user="lead") as p:
        p.import_file(write_jsonl(tmp_path / "in.jsonl", SENTENCES))
        Team(p).assign("ann", doc_ids=[1, 3])
        Team(p).assign("bob", doc_ids=[2])
    return where


@pytest.fixture
def window(qtbot, tmp_path, url):
    from gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("team/user", "ann")
    w = MainWindow(settings)
    qtbot.addWidget(w)
    assert w.open_project(url)
    w.show()
    qtbot.waitExposed(w)
    w.triples.show_document(1)
    yield w
    if w.project is not None:
        w.close()


def _listed(panel) -> list[int]:
    return [r.id for r in panel.doc_model.rows]


def test_mine_everyones_and_unassigned(window, qtbot) -> None:
    panel = window.triples
    assert window.project.user == "ann" and "(ann)" in window.windowTitle()
    assert _listed(panel) == [1, 2, 3]
    panel.owner_box.setCurrentIndex(1)  # Mine
    qtbot.waitUntil(lambda: _listed(panel) == [1, 3])
    Team(window.project).unassign([3])
    panel.owner_box.setCurrentIndex(2)  # Unassigned
    qtbot.waitUntil(lambda: _listed(panel) == [3])
    assert window.settings.value("project/last") == window.project.server.url


def test_another_persons_decision_appears_and_ours_is_not_lost(window, url, qtbot) -> None:
    panel = window.triples
    first = panel.doc.annotations[0]
    with Project.open(url, user="bob") as bob:
        bob.set_status(first.id, "rejected")
    panel.watcher.poll()  # what the two-second timer does
    assert panel.review.annotation(first.id).status == "rejected"
    assert panel.doc_model.rows[0].n_rejected == 1
    # Ann presses A on what she saw before Bob decided: she is told, nothing overwritten.
    with Project.open(url, user="bob") as bob:
        bob.set_status(first.id, "accepted")
    panel.table.setFocus()
    panel.table.selectRow(0)
    qtbot.keyClick(panel.table, Qt.Key.Key_X)
    assert window.project.annotation(first.id).status == "accepted"
    assert "changed by bob" in window.statusBar().currentMessage()


def test_agreement_and_side_by_side(window, url, qtbot) -> None:
    from gui.team_view import CompareDialog

    first, second = window.project.document(1).annotations
    window.project.set_status(first.id, "accepted")
    window.project.set_status(second.id, "accepted")
    with Project.open(url, user="bob") as bob:
        bob.set_status(first.id, "accepted")  # as ann did: a decision of his all the same
        bob.set_status(second.id, "rejected")
    panel = window.triples
    panel.views.setCurrentWidget(panel.statistics)
    table = panel.statistics.agreement
    assert table.isVisible() and table.item(0, 0).text() == "ann / bob"
    assert table.item(0, 3).data(0) == pytest.approx(2 / 3, abs=1e-4)  # {a, b} vs {a}
    dialog = CompareDialog(window.project, 1, window)
    qtbot.addWidget(dialog)
    assert [d.row_id for d in dialog.differences] == [second.id]
    assert dialog.table.item(0, 3).text() == "rejected"  # the project now: bob's, the last
    dialog.table.selectRow(0)
    dialog.take("a")
    assert window.project.annotation(second.id).status == "accepted"
    assert "Settled with A's decision" in dialog.summary.text()
