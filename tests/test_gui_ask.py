"""The Ask tab driven through its real widgets: a question answered by three
answerers (tiny model folders made from the test checkpoint, one per method,
each in its own process), every document asked with the answers landing in
the Triples tab, and bad input said in the tab."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
from PySide6.QtCore import QSettings, Qt  # noqa: E402

from tests.conftest import write_jsonl  # noqa: E402

pytestmark = pytest.mark.gui

METHODS = ("mlm", "seq2seq", "pointer")
PASSAGE = "all work and no play makes jack a dull boy and jack makes no play"
NAMES = ["jack", "play"]


@pytest.fixture(scope="module")
def answerer_dirs(tmp_path_factory, data_dir) -> list[Path]:
    """Untrained for the task but real: every answer is a run of the passage."""
    from core.compat import set_seed
    from core.encoder.bert import prepare_encoder
    from core.mrc.model import MrcModel, MrcModelInfo
    from core.mrc.windows import Layout

    root = tmp_path_factory.mktemp("answerers")
    setup = prepare_encoder(data_dir / "tiny_ckpt")
    out = []
    for method in METHODS:
        set_seed(1)
        info = MrcModelInfo(method, Layout(3, 6, 2, 4), name=f"tiny-{method}")
        model = MrcModel.create(info, setup.config, setup.tokenizer, setup.checkpoint)
        out.append(model.save(root / method))
    return out


def lines(n: int) -> list[dict]:
    """Documents mentioning jack; the first with a birth date a person gave."""
    texts = [
        "jack makes a dull boy and no play",
        "all work makes jack a dull boy",
        "no play and all work for jack",
    ]
    out = []
    for i in range(n):
        spo = [
            {
                "subject": "jack",
                "subject_type": "人物",
                "predicate": "朋友",
                "object": "boy" if i == 0 else "jack",
                "object_type": "人物",
            }
        ]
        if i == 0:
            spo.append(
                {
                    "subject": "jack",
                    "subject_type": "人物",
                    "predicate": "出生日期",
                    "object": "dull boy",
                    "object_type": "Date",
                }
            )
        out.append({"text": texts[i % len(texts)], "spo_list": spo})
    return out


def make_window(qtbot, tmp_path: Path, answerer_dirs: list[Path], documents: int = 3):
    from gui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    if not settings.value("ask/answerers"):
        chosen = [{"folder": str(d), "on": True} for d in answerer_dirs]
        settings.setValue("ask/answerers", json.dumps(chosen))
    w = MainWindow(settings)
    qtbot.addWidget(w)
    project = tmp_path / "p.kgs"
    fresh = not project.exists()
    assert w.open_project(project, create=True)
    if fresh:
        w.import_file(write_jsonl(tmp_path / "in.jsonl", lines(documents)))
    w.show()
    qtbot.waitExposed(w)
    w.tabs.setCurrentWidget(w.ask)
    return w


@pytest.fixture
def window(qtbot, tmp_path, answerer_dirs):
    w = make_window(qtbot, tmp_path, answerer_dirs)
    yield w
    if w.project is not None:
        w.close()


def paste(panel, text: str) -> None:
    panel.source_box.setCurrentIndex(2)
    panel.pasted.setPlainText(text)


def test_each_answer_is_highlighted_where_its_answerer_found_it(window, qtbot) -> None:
    panel = window.ask
    assert [c.answerer.method for c in panel.choices] == list(METHODS)
    paste(panel, PASSAGE)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert panel.question_box.hasFocus()
    qtbot.keyClicks(panel.question_box, "who makes a dull boy")
    qtbot.keyClick(panel.question_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "answerers found an answer" in panel.notice_text, timeout=120000)
    assert len(panel.replies) == 3 and not any(r.error for r in panel.replies)
    marks = {m.lane: (m.start, m.end) for m in panel.text_view.marks}
    for row, reply in enumerate(panel.replies):
        a = reply.answer
        assert reply.answerer.folder == panel.choices[row].answerer.folder
        # The answer is the passage's own characters, drawn where they are.
        assert a.text and PASSAGE[a.start : a.end] == a.text
        assert marks[row] == (a.start, a.end)
        assert panel.table.item(row, 1).text() == a.text
        assert panel.table.item(row, 2).text() == f"{a.score:.3f}"
        assert panel.table.item(row, 3).text().endswith(("ms", " s"))
    # Every answered character is highlighted, and nothing else.
    covered = set()
    for sel in panel.text_view.extraSelections():
        start, end = panel.text_view.python_offsets(
            sel.cursor.selectionStart(), sel.cursor.selectionEnd()
        )
        covered.update(range(start, end))
    answered = {i for start, end in marks.values() for i in range(start, end)}
    assert covered == answered
    assert "3 of 3 answerers found an answer" in panel.notice_text


def test_the_choice_of_answerers_is_kept(qtbot, tmp_path, answerer_dirs) -> None:
    w = make_window(qtbot, tmp_path, answerer_dirs)
    panel = w.ask
    panel.table.item(1, 0).setCheckState(Qt.CheckState.Unchecked)  # seq2seq off
    assert [a.method for a in panel.chosen()] == ["mlm", "pointer"]
    w.close()
    again = make_window(qtbot, tmp_path, answerer_dirs)
    assert [c.on for c in again.ask.choices] == [True, False, True]
    assert [a.method for a in again.ask.chosen()] == ["mlm", "pointer"]
    again.close()


def test_bad_input_is_said_in_the_tab(window, qtbot, tmp_path, answerer_dirs) -> None:
    panel = window.ask
    paste(panel, PASSAGE)
    panel.question_box.setText("   ")
    qtbot.keyClick(panel.question_box, Qt.Key.Key_Return)
    assert panel.notice_text == "Type a question first." and not panel.replies
    # A template without the slot: said under it, and again when run.
    panel.template_box.setText("the birth date is?")
    panel.update_plan(wait=True)
    assert "no {subject}" in panel.plan_label.text()
    panel.ask_every_document()
    assert "no {subject}" in panel.notice_text
    assert not window.runner.is_busy("ask-documents")
    # A folder that is no answerer is refused; the list stays as it was.
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.json").write_text("{not json", encoding="utf-8")
    assert not panel.add_answerer(broken)
    assert panel.notice_text.startswith("Not added:") and "broken" in panel.notice_text
    assert len(panel.choices) == 3
    # An answerer whose weights were damaged after it was chosen: its row
    # says so, the others still answer.
    damaged = tmp_path / "damaged"
    shutil.copytree(answerer_dirs[2], damaged)
    assert panel.add_answerer(damaged)
    weights = damaged / "weights.h5"
    weights.write_bytes(weights.read_bytes()[:2000])
    panel.question_box.setText("who makes a dull boy")
    qtbot.keyClick(panel.question_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.runner.is_busy("ask"), timeout=120000)
    assert [bool(r.error) for r in panel.replies] == [False, False, False, True]
    assert panel.table.item(3, 1).text() == "could not answer"
    assert "weights.h5" in panel.notice_text
    assert window.project is not None and window.isVisible()  # no crash


def run_every_document(window, qtbot, answerer: int = 2) -> None:
    panel = window.ask
    panel.template_box.setText("{subject} makes")
    panel.type_box.setCurrentText("人物")
    panel.predicate_box.setCurrentText("出生日期")
    panel.run_answerer_box.setCurrentIndex(answerer)
    ended = []
    panel.run_ended.connect(lambda: ended.append(True))
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(ended), timeout=120000)


def rows(window, doc_id: int) -> list[tuple]:
    return [
        (a.subject, a.predicate, a.object, a.status, a.origin)
        for a in window.project.document(doc_id).annotations
    ]


def test_every_document_s_answers_reach_the_triples_tab(window, qtbot) -> None:
    panel, triples = window.ask, window.triples
    docs = window.project.all_document_ids()
    panel.update_plan(wait=True)
    assert panel.plan_label.text() == "5 questions over 3 documents (2 names of type 人物)"
    triples.show_document(docs[1])  # the Triples tab shows a document meanwhile
    before = {r.id: r.n_annotations for r in triples.doc_model.rows}
    run_every_document(window, qtbot)
    assert "ready for review in the Triples tab" in panel.notice_text
    asked = [
        d
        for d in docs
        if any(r[4] == "tiny-pointer@1" and r[3] == "predicted" for r in rows(window, d))
    ]
    assert asked, "the pointer answered no question with a span apart from the name"
    # The Triples tab shows them without reopening anything: the document
    # list's counts, and the open document's table with status and origin.
    qtbot.waitUntil(
        lambda: all(r.n_annotations == len(rows(window, r.id)) for r in triples.doc_model.rows)
    )
    assert any(r.n_annotations > before[r.id] for r in triples.doc_model.rows)
    assert triples.doc.id == docs[1]
    shown = {
        (a.subject, a.predicate, a.object, a.status, a.origin) for a in triples.table_model.rows
    }
    assert shown == set(rows(window, docs[1]))
    for d in asked:
        triples.show_document(d)
        shown = {(a.subject, a.predicate, a.status, a.origin) for a in triples.table_model.rows}
        answers = {r[0] for r in rows(window, d) if r[4] == "tiny-pointer@1"}
        assert {(n, "出生日期", "predicted", "tiny-pointer@1") for n in answers} <= shown


def test_a_person_s_decision_is_never_overwritten(window, qtbot) -> None:
    first = window.project.all_document_ids()[0]
    given = ("jack", "出生日期", "dull boy", "accepted", "import")
    assert given in rows(window, first)
    run_every_document(window, qtbot)
    # The pointer's prediction for the second document is accepted by a person.
    triples = window.triples
    second = window.project.all_document_ids()[1]
    found = [r for r in rows(window, second) if r[4] == "tiny-pointer@1"]
    assert found  # the seeded pointer answers about the second document
    window.tabs.setCurrentWidget(triples)
    triples.show_document(second)
    row = next(k for k, a in enumerate(triples.table_model.rows) if a.origin == "tiny-pointer@1")
    triples.table.selectRow(row)
    triples.table.setFocus()
    qtbot.keyClick(triples.table, Qt.Key.Key_A)
    window.tabs.setCurrentWidget(window.ask)
    run_every_document(window, qtbot)
    assert given in rows(window, first)
    accepted = [r for r in rows(window, second) if r[1] == "出生日期" and r[3] == "accepted"]
    assert len(accepted) == 1 and accepted[0][4] == "tiny-pointer@1"
    same = [r for r in rows(window, second) if r[:3] == accepted[0][:3]]
    assert same == accepted  # kept as the person left it, not proposed again


def test_cancel_stops_asking_every_document(qtbot, tmp_path, answerer_dirs) -> None:
    w = make_window(qtbot, tmp_path, answerer_dirs, documents=400)
    panel = w.ask
    panel.batch_size = 2  # many small batches: the first one stored, then Cancel
    panel.template_box.setText("{subject} makes")
    panel.type_box.setCurrentText("人物")
    panel.predicate_box.setCurrentText("出生日期")
    panel.run_answerer_box.setCurrentIndex(2)
    stored: list[int] = []

    def first_batch(doc_ids) -> None:
        stored.extend(doc_ids)
        if panel.stop_button.isEnabled():
            qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)

    panel.triples_stored.connect(first_batch)
    ended = []
    panel.run_ended.connect(lambda: ended.append(True))
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert panel.stop_button.isEnabled() and not panel.run_button.isEnabled()
    qtbot.waitUntil(lambda: bool(ended), timeout=120000)
    assert "cancelled" in panel.notice_text
    assert panel.run_button.isEnabled() and not panel.stop_button.isEnabled()
    asked = {
        d
        for d in w.project.all_document_ids()
        if any(a.origin == "tiny-pointer@1" for a in w.project.document(d).annotations)
    }
    assert stored and len(asked) < 200  # stopped well before the 400 documents
    w.close()


def test_the_passage_is_a_document_an_entity_s_description_or_pasted(window, tmp_path) -> None:
    from core.linking.kb import Entity, KnowledgeBase

    panel = window.ask
    docs = window.project.all_document_ids()
    assert panel.source() == "document" and panel.document_count.text() == "of 3"
    assert panel.passage == window.project.text(docs[0])
    window.triples.show_document(docs[2])
    panel.use_current_document()  # "The one open in Triples"
    assert panel.document_box.value() == 3 and panel.passage == window.project.text(docs[2])
    assert panel.text_view.toPlainText() == panel.passage
    window.linking.kb = KnowledgeBase(
        [Entity("7", "jack", ("jj",), ("人物",), (("摘要", "jack is a dull boy"),))]
    )
    panel.source_box.setCurrentIndex(1)
    panel.entity_search.setText("jj")
    assert panel.entity_box.currentText() == "jack (人物, 7)"
    assert panel.passage == "jack is a dull boy"
    panel.entity_search.setText("nobody")
    assert panel.entity_box.currentText() == "nothing named “nobody”" and panel.passage == ""
    paste(panel, "pasted words")
    assert panel.pasted.isVisible() and panel.passage == "pasted words"


def test_the_demo_answerers_are_found_by_their_folders(qtbot, tmp_path, answerer_dirs) -> None:
    """mrc-demo is the best of the three (here the pointer); the other two
    are named by their method."""
    from gui.ask_panel import AskPanel
    from gui.jobs import JobRunner

    models = tmp_path / "models"
    shutil.copytree(answerer_dirs[2], models / "mrc-demo")
    shutil.copytree(answerer_dirs[0], models / "mrc-mlm-demo")
    shutil.copytree(answerer_dirs[1], models / "mrc-seq2seq-demo")
    (models / "mrc-pointer-demo").mkdir()  # not a model: left out
    meta_file = models / "mrc-demo" / "model.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta["training"] = {"best_dev": {"em": 0.1, "f1": 0.19, "n": 161}}
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    runner = JobRunner()
    panel = AskPanel(runner, settings=settings, models=models)
    qtbot.addWidget(panel)
    assert [(c.answerer.method, c.answerer.folder.name, c.on) for c in panel.choices] == [
        ("mlm", "mrc-mlm-demo", True),
        ("seq2seq", "mrc-seq2seq-demo", True),
        ("pointer", "mrc-demo", True),
    ]
    assert panel.table.item(2, 0).text() == "pointer · mrc-demo"
    assert "dev F1 0.190" in panel.table.item(2, 0).toolTip()
    # Every document is asked by the best of them unless one chooses another.
    assert panel.run_answerer_box.currentText() == "pointer · mrc-demo"
    runner.shutdown()
