"""The Triples panel driven through its real widgets with the keyboard."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtGui import QTextCharFormat, QTextCursor  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.conftest import write_jsonl  # noqa: E402

pytestmark = pytest.mark.gui

SENTENCES = [
    {
        "text": "《红豆》是王菲演唱的歌曲，收录在专辑《唱游》中",
        "spo_list": [
            {
                "subject": "红豆",
                "subject_type": "歌曲",
                "predicate": "歌手",
                "object": "王菲",
                "object_type": "人物",
                "score": 0.93,
            },
            {
                "subject": "红豆",
                "subject_type": "歌曲",
                "predicate": "所属专辑",
                "object": "唱游",
                "object_type": "音乐专辑",
                "score": 0.55,
            },
        ],
    },
    {
        "text": "《围城》的作者是钱钟书",
        "spo_list": [
            {
                "subject": "围城",
                "subject_type": "图书作品",
                "predicate": "作者",
                "object": "钱钟书",
                "object_type": "人物",
                "score": 0.88,
            }
        ],
    },
    {"text": "周杰伦出生于台湾", "spo_list": []},
]
SCHEMA = [
    {"subject_type": "歌曲", "predicate": "歌手", "object_type": "人物"},
    {"subject_type": "歌曲", "predicate": "所属专辑", "object_type": "音乐专辑"},
    {"subject_type": "图书作品", "predicate": "作者", "object_type": "人物"},
    {"subject_type": "人物", "predicate": "出生地", "object_type": "地点"},
]


@pytest.fixture
def window(qtbot, tmp_path):
    from gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = MainWindow(settings)
    qtbot.addWidget(w)
    assert w.open_project(tmp_path / "p.kgs", create=True)
    w.import_file(write_jsonl(tmp_path / "in.jsonl", SENTENCES))
    w.triples.set_schema(SCHEMA)
    w.show()
    qtbot.waitExposed(w)
    w.triples.show_document(w.project.documents()[0].id)
    w.triples.table.setFocus()
    yield w
    if w.project is not None:
        w.close()


def statuses(w) -> list[str]:
    return [a.status for a in w.project.document(w.triples.doc.id).annotations]


def test_review_with_the_keyboard(window, qtbot) -> None:
    panel = window.triples
    assert statuses(window) == ["predicted", "predicted"]
    qtbot.keyClick(panel.table, Qt.Key.Key_A)  # accept the first, move to the second
    assert statuses(window) == ["accepted", "predicted"]
    qtbot.keyClick(panel.table, Qt.Key.Key_X)
    assert statuses(window) == ["accepted", "rejected"]
    qtbot.keyClick(panel.table, Qt.Key.Key_K)
    assert panel.table.currentIndex().row() == 0
    first_doc = panel.doc.id
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)  # accept the rest, go on
    assert window.project.document(first_doc).reviewed
    assert panel.doc.id != first_doc
    assert statuses(window) == ["predicted"]


def select_text(panel, start: int, end: int) -> None:
    cursor = panel.text_view.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    panel.text_view.setTextCursor(cursor)


def test_add_a_triple_by_selecting_subject_then_object(window, qtbot) -> None:
    panel = window.triples
    doc3 = window.project.documents()[2].id
    panel.show_document(doc3)
    select_text(panel, 0, 3)  # 周杰伦
    qtbot.keyClick(panel.table, Qt.Key.Key_S)
    select_text(panel, 6, 8)  # 台湾
    # The predicate picker does not block: O opens it and returns, so the
    # test types into it with nothing left to chance (no timer, no nested loop).
    qtbot.keyClick(panel.table, Qt.Key.Key_O)
    picker = panel.picker
    assert picker is not None and QApplication.activeModalWidget() is picker
    # Keys go to the picker once it is the active window (a moment after it opens).
    qtbot.waitUntil(picker.isActiveWindow)
    picker.filter.insert("出生")  # as an input method would; QTest types ASCII only
    qtbot.keyClick(picker.filter, Qt.Key.Key_Return)
    assert panel.picker is None
    (added,) = window.project.document(doc3).annotations
    assert (added.subject, added.predicate, added.object, added.status) == (
        "周杰伦",
        "出生地",
        "台湾",
        "added",
    )
    assert (added.subject_span.start, added.object_span.start) == (0, 6)


def test_undo_and_redo_survive_a_restart(window, qtbot, tmp_path) -> None:
    panel = window.triples
    qtbot.keyClick(panel.table, Qt.Key.Key_A)
    qtbot.keyClick(panel.table, Qt.Key.Key_X)
    path = window.project.path
    window.project.close()
    window.project = None
    assert window.open_project(path)
    panel.show_document(window.project.documents()[0].id)
    window.triples.undo()
    assert statuses(window) == ["accepted", "predicted"]
    window.triples.undo()
    assert statuses(window) == ["predicted", "predicted"]
    window.triples.redo()
    assert statuses(window) == ["accepted", "predicted"]


def test_a_bad_file_gives_a_message_and_changes_nothing(window, tmp_path) -> None:
    before = window.project.count_documents()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "好"}\n{"text": "也好"}\n{"text": 3}\n', encoding="utf-8")
    window.import_file(bad)
    assert window.banner.isVisible()
    assert "bad.jsonl:3:" in window.banner.label.text()
    assert window.project.count_documents() == before


def test_pre_annotate_shows_progress_and_cancels(
    window, qtbot, tmp_path, tiny_model, tiny_model_dir
) -> None:
    origin = f"{tiny_model.info.name}@{tiny_model.info.version}"
    qtbot.keyClick(window.triples.table, Qt.Key.Key_A)  # a human decision on document 1
    first = window.project.documents()[0].id
    many = [{"text": f"第{i}句：红豆是王菲演唱的歌曲"} for i in range(400)]
    window.import_file(write_jsonl(tmp_path / "many.jsonl", many))
    window.set_model_dir(tiny_model_dir)
    seen = []

    def on_progress(owner, done, total, message, eta) -> None:
        seen.append((done, total))
        if done > 0:
            window.cancel_jobs()

    window.runner.job_progress.connect(on_progress)
    window.triples.pre_annotate(only_unreviewed=True)
    qtbot.waitUntil(lambda: not window.runner.is_busy("triples"), timeout=60000)
    qtbot.wait(200)
    assert seen and seen[0][1] >= 400
    origins = {
        a.origin
        for d in window.project.documents()
        for a in window.project.document(d.id).annotations
    }
    done_docs = [
        d
        for d in window.project.documents()
        if any(a.origin == origin for a in window.project.document(d.id).annotations)
    ]
    assert origin in origins  # finished batches were kept
    assert len(done_docs) < 400  # but the job stopped early
    # the human decision is untouched
    kept = [a for a in window.project.document(first).annotations if a.status == "accepted"]
    assert [(a.subject, a.predicate, a.object) for a in kept] == [("红豆", "歌手", "王菲")]


# -- the document list and the document shown ----------------------------------------


def list_row(panel) -> int:
    """The list's current row, checked to be its only selected row too."""
    current = panel.doc_list.currentIndex()
    selected = [i.row() for i in panel.doc_list.selectionModel().selectedIndexes()]
    assert selected == ([current.row()] if current.isValid() else [])
    return current.row()


def test_the_document_list_follows_every_move(window, qtbot, tmp_path) -> None:
    panel = window.triples
    ids = [d.id for d in window.project.documents()]

    def shown_in_list() -> bool:
        return list_row(panel) == panel.doc_model.row_of(panel.doc.id)

    qtbot.keyClick(panel.table, Qt.Key.Key_N)
    assert panel.doc.id == ids[1] and shown_in_list()
    qtbot.keyClick(panel.table, Qt.Key.Key_P)
    assert panel.doc.id == ids[0] and shown_in_list()
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)  # accept the rest, next unreviewed
    assert panel.doc.id == ids[1] and shown_in_list()
    qtbot.keyClick(panel.table, Qt.Key.Key_N)
    window.triples.undo()  # the acceptance was on the first document
    assert panel.doc.id == ids[0] and shown_in_list()
    window.triples.redo()
    window.tabs.setCurrentWidget(window.graph)
    window.show_document(ids[2])  # a double-click in the Graph tab
    assert window.tabs.currentWidget() is panel
    assert panel.doc.id == ids[2] and shown_in_list()

    # A document the filter leaves out is shown with no list row current.
    panel.filter_box.setCurrentIndex(1)  # unreviewed: the first one is not
    qtbot.waitUntil(lambda: len(panel.doc_model.rows) == 2)
    assert shown_in_list()
    panel.show_document(ids[0])
    assert list_row(panel) == -1
    qtbot.keyClick(panel.table, Qt.Key.Key_N)  # on to the next one the list holds
    assert panel.doc.id == ids[1] and shown_in_list()

    # Far down a long list, the row is scrolled into view.
    panel.filter_box.setCurrentIndex(0)
    many = [{"text": f"第{i}句：《红豆》是王菲演唱的歌曲"} for i in range(300)]
    window.import_file(write_jsonl(tmp_path / "many.jsonl", many))
    last = window.project.documents()[-1].id
    window.show_document(last)
    qtbot.wait(50)
    current = panel.doc_list.currentIndex()
    assert panel.doc_model.rows[current.row()].id == last
    assert panel.doc_list.viewport().rect().contains(panel.doc_list.visualRect(current))


def test_reopening_a_project_returns_to_the_document_you_were_on(window, tmp_path) -> None:
    from gui.main_window import MainWindow

    panel = window.triples
    path = window.project.path
    second = window.project.documents()[1].id
    panel.show_document(second)
    assert window.open_project(tmp_path / "other.kgs", create=True)
    assert window.open_project(path)
    assert panel.doc.id == second
    assert list_row(panel) == panel.doc_model.row_of(second)

    # After a restart too (a new window reading the same settings file).
    window.close()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    again = MainWindow(settings)
    try:
        assert again.open_project(path)
        assert again.triples.doc.id == second
    finally:
        again.close()


def test_a_document_that_is_gone_falls_back_to_the_first(window, tmp_path) -> None:
    panel = window.triples
    other = tmp_path / "gone.kgs"
    assert window.open_project(other, create=True)
    window.import_file(write_jsonl(tmp_path / "three.jsonl", SENTENCES))
    panel.show_document(window.project.documents()[2].id)
    window.project.close()
    window.project = None
    for leftover in tmp_path.glob("gone.kgs*"):
        leftover.unlink()
    assert window.open_project(other, create=True)  # the same path, a new project
    window.import_file(write_jsonl(tmp_path / "one.jsonl", SENTENCES[:1]))
    assert panel.doc.id == window.project.documents()[0].id


# -- how decisions and places are drawn ------------------------------------------------


def formats_at(panel, start: int, end: int) -> list:
    """The character formats drawn over exactly [start, end) of the text (no
    character beyond the BMP in these texts: Qt and Python offsets agree)."""
    found = []
    for s in panel.text_view.extraSelections():
        if (s.cursor.selectionStart(), s.cursor.selectionEnd()) == (start, end):
            found.append(QTextCharFormat(s.format))  # a copy: the selection is a temporary
    return found


def test_a_rejected_triple_is_struck_through_and_never_drawn_live(window, qtbot) -> None:
    panel = window.triples
    text = panel.doc.text
    album, song = (text.index("唱游"), text.index("唱游") + 2), (1, 3)
    (before,) = formats_at(panel, *album)
    assert not before.fontStrikeOut() and before.background().style() != Qt.BrushStyle.NoBrush
    qtbot.keyClick(panel.table, Qt.Key.Key_J)
    qtbot.keyClick(panel.table, Qt.Key.Key_X)  # 红豆 —所属专辑→ 唱游
    assert statuses(window) == ["predicted", "rejected"]
    # While selected the rejected triple is drawn grey and struck, with a dotted arc.
    assert all(f.fontStrikeOut() for f in formats_at(panel, *album))
    assert [(a.look, a.label) for a in panel.text_view.arcs] == [("rejected", "所属专辑")]
    qtbot.keyClick(panel.table, Qt.Key.Key_K)  # the live triple selected
    (after,) = formats_at(panel, *album)
    assert after.fontStrikeOut()
    assert after.background().style() == Qt.BrushStyle.NoBrush  # no subject / object colour
    assert after.foreground().color().name() == "#8a8a8a"
    # 红豆 is also the subject of the live triple: the live look wins there.
    assert formats_at(panel, *song) and not any(f.fontStrikeOut() for f in formats_at(panel, *song))
    assert [(a.look, a.label) for a in panel.text_view.arcs] == [("tentative", "歌手")]
    qtbot.keyClick(panel.table, Qt.Key.Key_A)
    (subject, *_) = [f for f in formats_at(panel, *song) if not f.fontWeight() > 400]
    assert subject.underlineStyle() == subject.UnderlineStyle.SingleUnderline  # confirmed


REPEATED = "王菲演唱了《红豆》。《红豆》是王菲的经典歌曲。后来王菲又唱了《红豆》。"


def _span(word: str, k: int) -> list[int]:
    at = -1
    for _ in range(k + 1):
        at = REPEATED.index(word, at + 1)
    return [at, at + len(word)]


def test_one_row_per_triple_with_all_its_places_highlighted(window, tmp_path) -> None:
    song = {
        "subject": "红豆",
        "predicate": "歌手",
        "object": "王菲",
        "score": 0.9,
        "subject_span": _span("红豆", 1),
        "object_span": _span("王菲", 1),
        "occurrences": [
            {"subject_span": _span("红豆", 0), "object_span": _span("王菲", 0), "score": 0.8},
            {"subject_span": _span("红豆", 2), "object_span": _span("王菲", 2), "score": 0.7},
        ],
    }
    window.import_file(
        write_jsonl(tmp_path / "rep.jsonl", [{"text": REPEATED, "spo_list": [song]}])
    )
    panel = window.triples
    panel.show_document(window.project.documents()[-1].id)
    assert panel.table_model.rowCount() == 1
    assert panel.table_model.index(0, 0).data() == "12–17 ×3"
    for k in range(3):
        for place in (_span("红豆", k), _span("王菲", k)):
            marked = [f for f in formats_at(panel, *place) if f.fontWeight() > 400]
            assert marked, (k, place)
            # The best-scoring place is the strongest: white on the dark colour.
            white = marked[-1].foreground().color().name() == "#ffffff"
            assert white == (k == 1)
    arcs = panel.text_view.arcs
    assert [(a.subject, a.object, a.primary) for a in arcs] == [
        (tuple(_span("红豆", 1)), tuple(_span("王菲", 1)), True),
        (tuple(_span("红豆", 0)), tuple(_span("王菲", 0)), False),
        (tuple(_span("红豆", 2)), tuple(_span("王菲", 2)), False),
    ]
    assert arcs[0].label == "歌手" and not arcs[1].label


def test_the_position_column_sorts_in_reading_order(window, tmp_path) -> None:
    text = "钱钟书写了《围城》，杨绛写了《我们仨》"
    spo = [  # the model's order, not the text's
        {"subject": "我们仨", "predicate": "作者", "object": "杨绛", "score": 0.9},
        {"subject": "围城", "predicate": "作者", "object": "钱钟书", "score": 0.4},
    ]
    window.import_file(write_jsonl(tmp_path / "two.jsonl", [{"text": text, "spo_list": spo}]))
    panel, model = window.triples, window.triples.table_model
    panel.show_document(window.project.documents()[-1].id)

    def column(c: int) -> list[str]:
        return [model.index(r, c).data() for r in range(model.rowCount())]

    assert model.headerData(0, Qt.Orientation.Horizontal) == "Position"
    assert column(0) == ["1–8", "11–18"]
    assert column(1) == ["围城", "我们仨"]
    panel.table.selectRow(1)
    panel.table.sortByColumn(4, Qt.SortOrder.DescendingOrder)  # score, highest first
    assert column(1) == ["我们仨", "围城"]
    assert panel.current_annotation().subject == "我们仨"  # the selection follows its triple
    panel.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert column(1) == ["围城", "我们仨"]
    assert panel.current_annotation().subject == "我们仨"
