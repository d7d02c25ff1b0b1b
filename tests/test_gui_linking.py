"""The Linking panel driven through its real widgets with the keyboard."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtGui import QTextCursor  # noqa: E402

from core.linking.kb import Entity, entity_to_json  # noqa: E402
from core.linking.queries import NIL, Mention  # noqa: E402
from core.store.links import Links  # noqa: E402
from tests.conftest import write_jsonl  # noqa: E402

pytestmark = pytest.mark.gui

ENTITIES = [
    Entity("1", "李白", ("青莲居士",), ("Human",), (("摘要", "唐代诗人，字太白。"),)),
    Entity("2", "李白", (), ("Song",), (("摘要", "李荣浩演唱的歌曲。"),)),
    Entity("3", "杜甫", ("杜工部",), ("Human",), (("摘要", "唐代诗人，字子美。"),)),
    Entity("4", "长安", ("西安",), ("Place",), (("摘要", "唐代都城。"),)),
]
TEXTS = ["李白与杜甫在长安相遇", "杜工部写诗", "今天天气很好"]


def lines(n: int) -> list[dict]:
    return [{"text": TEXTS[i % len(TEXTS)]} for i in range(n)]


@pytest.fixture
def kb_file(tmp_path):
    return write_jsonl(tmp_path / "kb.jsonl", [entity_to_json(e) for e in ENTITIES])


@pytest.fixture
def window(qtbot, tmp_path, kb_file):
    from gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("linking/kb", str(kb_file))
    settings.setValue("linking/model", "")  # the dictionary baseline: fast, no TensorFlow
    w = MainWindow(settings)
    qtbot.addWidget(w)
    assert w.open_project(tmp_path / "p.kgs", create=True)
    w.import_file(write_jsonl(tmp_path / "in.jsonl", lines(3)))
    w.show()
    qtbot.waitExposed(w)
    w.tabs.setCurrentWidget(w.linking)
    qtbot.waitUntil(lambda: w.linking.kb is not None, timeout=10000)
    yield w
    if w.project is not None:
        w.close()


def predict(window) -> int:
    """Proposals for the first document: 李白 (two candidates) and 杜甫."""
    panel = window.linking
    doc = window.project.all_document_ids()[0]
    Links(window.project).replace_link_predictions(
        doc,
        [
            Mention(0, 2, "李白", "1", 0.8, (("1", 0.8), ("2", 0.3))),
            Mention(3, 5, "杜甫", "3", 0.9, (("3", 0.9),)),
        ],
        "tiny@1",
    )
    panel.show_document(doc)
    panel.mention_table.setFocus()
    return doc


def state(window, doc: int) -> list[tuple[str, str, str]]:
    return [(x.mention, x.kb_id, x.status) for x in Links(window.project).links(doc)]


def test_the_demo_kb_is_browsed_and_searched(window, qtbot) -> None:
    panel = window.linking
    assert "kb.jsonl" in panel.kb_label.text() and "4 entities" in panel.kb_label.text()
    qtbot.waitUntil(lambda: len(panel.entity_model.rows) == 4)  # browsing: every entity
    panel.search_box.setText("工部")
    qtbot.waitUntil(lambda: [e.id for e in panel.entity_model.rows] == ["3"])
    assert "子美" in panel.entity_description.toPlainText()
    panel.search_box.setText("2")  # an id
    qtbot.waitUntil(lambda: [e.id for e in panel.entity_model.rows] == ["2"])


def test_a_digit_chooses_a_candidate_and_0_marks_nil_and_undo_restores(window, qtbot) -> None:
    panel = window.linking
    doc = predict(window)
    assert [r.entity_id for r in panel.candidate_model.rows] == ["1", "2"]
    assert "唐代诗人" in panel.candidate_description.toPlainText()
    qtbot.keyClick(panel.mention_table, Qt.Key.Key_2)  # the song, not the poet
    assert state(window, doc) == [("李白", "2", "edited"), ("杜甫", "3", "predicted")]
    assert panel.current_link().mention == "杜甫"  # moved on to the next mention
    qtbot.keyClick(panel.mention_table, Qt.Key.Key_0)
    assert state(window, doc) == [("李白", "2", "edited"), ("杜甫", NIL, "edited")]
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert state(window, doc) == [("李白", "2", "edited"), ("杜甫", "3", "predicted")]
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert state(window, doc) == [("李白", "1", "predicted"), ("杜甫", "3", "predicted")]
    assert panel.doc_links[0].kb_id == "1"  # the panel shows the store's state
    mods = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window, Qt.Key.Key_Z, mods)
    assert state(window, doc)[0] == ("李白", "2", "edited")
    qtbot.keyClick(panel.mention_table, Qt.Key.Key_1)  # a digit past the candidates
    qtbot.keyClick(panel.mention_table, Qt.Key.Key_9)
    assert state(window, doc)[1] == ("杜甫", "3", "accepted")


def test_keys_reject_and_move_between_mentions_and_documents(window, qtbot) -> None:
    panel = window.linking
    doc = predict(window)
    qtbot.keyClick(panel.mention_table, Qt.Key.Key_J)
    assert panel.current_link().mention == "杜甫"
    qtbot.keyClick(panel.mention_table, Qt.Key.Key_K)
    qtbot.keyClick(panel.mention_table, Qt.Key.Key_X)
    assert state(window, doc)[0] == ("李白", "1", "rejected")
    qtbot.keyClick(panel.mention_table, Qt.Key.Key_N)
    assert panel.doc_id == window.project.all_document_ids()[1]
    qtbot.keyClick(panel.mention_table, Qt.Key.Key_P)
    assert panel.doc_id == doc
    qtbot.keyClick(panel.mention_table, Qt.Key.Key_Return)  # accept the rest, go on
    assert state(window, doc)[1] == ("杜甫", "3", "accepted")
    assert Links(window.project).is_reviewed(doc) and panel.doc_id != doc


def select_text(panel, start: int, end: int) -> None:
    cursor = panel.text_view.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    panel.text_view.setTextCursor(cursor)


def test_add_a_mention_by_selecting_it(window, qtbot) -> None:
    panel = window.linking
    doc = predict(window)
    select_text(panel, 6, 8)  # 长安
    qtbot.keyClick(panel.text_view, Qt.Key.Key_M)
    assert state(window, doc)[2] == ("长安", NIL, "added")
    assert panel.current_link().mention == "长安"
    assert [r.entity_id for r in panel.candidate_model.rows] == ["4"]  # by its exact name
    assert panel.search_box.text() == "长安"  # the search is ready for another entity
    qtbot.keyClick(panel.mention_table, Qt.Key.Key_1)
    assert state(window, doc)[2] == ("长安", "4", "added")
    # A span that is already a mention is refused with a message.
    select_text(panel, 0, 2)
    qtbot.keyClick(panel.text_view, Qt.Key.Key_M)
    assert len(state(window, doc)) == 3
    assert "already a mention" in window.statusBar().currentMessage()
    # Or the entity comes from the search: select it there, press L.
    select_text(panel, 3, 5)
    panel.store.reject(panel.doc_links[1].id)
    qtbot.keyClick(panel.text_view, Qt.Key.Key_M)
    panel.search_box.setText("李白")
    qtbot.waitUntil(lambda: [e.id for e in panel.entity_model.rows] == ["1", "2"])
    panel.entity_table.selectRow(1)
    panel.mention_table.setFocus()
    qtbot.keyClick(panel.mention_table, Qt.Key.Key_L)
    assert ("杜甫", "2", "edited") in state(window, doc)


def test_link_project_shows_progress_then_cancels(window, qtbot, tmp_path, monkeypatch) -> None:
    panel = window.linking
    window.import_file(write_jsonl(tmp_path / "many.jsonl", lines(600)))
    total = window.project.count_documents()
    panel.batch_size = 20
    # The second batch waits in the store until the job was cancelled, so
    # the cancel lands in the middle of the run whatever the machine's speed.
    release = threading.Event()
    real = Links.replace_predictions_many
    calls = []

    def slow(self, batch, origin):
        calls.append(len(batch))
        if len(calls) > 1:
            release.wait(10)
        return real(self, batch, origin)

    monkeypatch.setattr(Links, "replace_predictions_many", slow)
    seen = []

    def on_progress(owner, done, total_, message, eta) -> None:
        if owner == "linking":
            seen.append((done, total_, window.job_progress.maximum(), window.job_eta.text()))

    window.runner.job_progress.connect(on_progress)
    panel.link_project(only_unlinked=False)
    # The first batch is stored and the second waits: the job is mid-way.
    qtbot.waitUntil(lambda: len(calls) >= 2, timeout=30000)
    assert window.cancel_button.isVisible() and window.job_progress.isVisible()
    assert window.job_eta.isVisible()
    qtbot.mouseClick(window.cancel_button, Qt.MouseButton.LeftButton)
    release.set()
    qtbot.waitUntil(lambda: not window.runner.is_busy("linking"), timeout=30000)
    qtbot.waitUntil(lambda: "cancelled" in window.statusBar().currentMessage(), timeout=5000)
    assert not window.cancel_button.isVisible()
    assert any(n == total and maximum == total for _, n, maximum, _ in seen)
    linked = [s for s in panel.store.summaries() if s.linked_by == "alias-prior@1"]
    assert 0 < len(linked) < total  # the first batches are kept, the job stopped early
    assert any(s.n_links for s in linked)
    # The panel shows what was stored; linking the rest later fills in the others.
    monkeypatch.setattr(Links, "replace_predictions_many", real)
    panel.link_project(only_unlinked=True)
    qtbot.waitUntil(lambda: not window.runner.is_busy("linking"), timeout=30000)
    assert all(s.linked_by for s in panel.store.summaries())
    assert window.statusBar().currentMessage().startswith(f"Linked {total - len(linked)} documents")


def test_a_bad_kb_file_gives_a_message_and_keeps_the_current_kb(window, qtbot, tmp_path) -> None:
    panel = window.linking
    kb = panel.kb
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"subject_id": "1", "subject": "李白"}\n{"subject_id": 2}\n', encoding="utf-8")
    panel.open_kb(bad)
    qtbot.waitUntil(lambda: panel.loading_kb is None, timeout=10000)
    assert panel.kb is kb and panel.kb_path.name == "kb.jsonl"
    assert "could not open bad.jsonl" in panel.kb_label.text()
    assert "still using kb.jsonl" in panel.kb_label.text()
    assert window.banner.isVisible() and "bad.jsonl:2:" in window.banner.label.text()
    panel.open_kb(tmp_path / "missing.jsonl", wait=True)
    assert panel.kb is kb and "missing.jsonl: no such file" in window.banner.label.text()


def test_ccks_files_import_and_export_through_the_panel(window, qtbot, tmp_path) -> None:
    panel = window.linking
    before = window.project.count_documents()
    bad = write_jsonl(
        tmp_path / "bad.jsonl",
        [
            {"text_id": "1", "text": "李白", "mention_data": []},
            {"text_id": "2", "text": "李白", "mention_data": [{"kb_id": "1", "mention": "李白"}]},
        ],
    )
    assert panel.import_file(bad) == 0
    assert "bad.jsonl:2:" in window.banner.label.text()
    assert window.project.count_documents() == before
    good = write_jsonl(
        tmp_path / "good.jsonl",
        [
            {
                "text_id": "q",
                "text": "杜甫",
                "mention_data": [{"kb_id": "3", "mention": "杜甫", "offset": "0"}],
            }
        ],
    )
    assert panel.import_file(good) == 1
    assert len(panel.doc_model.rows) == before + 1
    out = tmp_path / "out.jsonl"
    assert panel.export_file(out) == before + 1
    assert '"kb_id": "3"' in out.read_text(encoding="utf-8").splitlines()[-1]


def test_l_never_links_to_the_results_of_an_earlier_search(window, qtbot) -> None:
    panel = window.linking
    doc = predict(window)
    panel.search_box.setText("李白")
    qtbot.waitUntil(lambda: [e.id for e in panel.entity_model.rows] == ["1", "2"])
    select_text(panel, 6, 8)  # 长安: M fills the search with it
    qtbot.keyClick(panel.text_view, Qt.Key.Key_M)
    assert panel.search_box.text() == "长安"
    panel.mention_table.setFocus()
    qtbot.keyClick(panel.mention_table, Qt.Key.Key_L)  # the list still shows 李白
    assert state(window, doc)[2] == ("长安", NIL, "added")
    assert "press L again" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: [e.id for e in panel.entity_model.rows] == ["4"])
    panel.mention_table.setFocus()
    qtbot.keyClick(panel.mention_table, Qt.Key.Key_L)
    assert state(window, doc)[2] == ("长安", "4", "added")
