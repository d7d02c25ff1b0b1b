"""The Ask tab: a question put to reading-comprehension models over a
passage (a project document, a knowledge-base entity's description, or a
pasted text), each answerer's answer highlighted in its own colour with its
score and time; and a templated question put to every document, the
answers stored as predicted triples for review in the Triples tab.

What the tab does is decided in :mod:`core.review.asking`; the answerers run
in child processes (one per model folder), so the window never imports
TensorFlow and never waits for a model.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.errors import BadInput
from core.review.asking import (
    Answerers,
    Choice,
    Plan,
    Reply,
    add_choice,
    check_question,
    default_template,
    make_slot,
    plan_every_document,
    restore_choices,
    save_choices,
)
from core.runtime.jobs import JobContext
from gui.answer_text import AnswerMark, AnswerTextView, answerer_colours
from gui.jobs import JobRunner
from gui.status_line import StatusLine

MODELS = Path(__file__).resolve().parents[1] / "resources" / "models"
OWNER = "ask"  # one question to the answerers
DOCUMENTS_OWNER = "ask-documents"  # every document asked
PLAN_OWNER = "ask-plan"  # counting the questions before running
WARM_OWNER = "ask-load"  # loading the answerers when the tab is first shown
SOURCES = [
    ("A project document", "document"),
    ("A knowledge-base entity's description", "entity"),
    ("Pasted text", "pasted"),
]
SHORTCUTS = [
    ("Ctrl+L", "Ask: go to the question box"),
    ("Enter", "Ask: in the question box, ask the chosen answerers"),
]
ERROR_STYLE = "color: #b00020"


class AskPanel(QWidget):
    message = Signal(str)  # one line for the status bar
    triples_stored = Signal(object)  # ids of documents whose triples changed
    run_ended = Signal()  # asking every document ended (done, cancelled or failed)

    def __init__(
        self,
        runner: JobRunner,
        settings: QSettings | None = None,
        answerers: Answerers | None = None,
        knowledge_base: Callable[[], Any] | None = None,
        want_kb: Callable[[], None] | None = None,
        current_document: Callable[[], int | None] | None = None,
        models: Path = MODELS,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.answerers = answerers or Answerers()
        self.knowledge_base = knowledge_base or (lambda: None)
        self.want_kb = want_kb or (lambda: None)
        self.current_document = current_document or (lambda: None)
        self.models = models
        self.project: Any = None
        self.doc_ids: list[int] = []
        self.passage = ""
        self.replies: list[Reply] = []
        self.schema: list[dict[str, str]] = []
        self.choices: list[Choice] = []
        self._entities: list[Any] = []
        self._warmed = False
        self._kb_wait = False  # a search waits for the knowledge base to load
        self.notice_text = ""  # the line under the question, as plain text
        self.batch_size = 32  # questions per batch when asking every document
        self._plan_timer = QTimer(self)
        self._plan_timer.setSingleShot(True)
        self._plan_timer.setInterval(300)
        self._plan_timer.timeout.connect(self.update_plan)
        self._plan_stale = False
        self._build()
        self._build_actions()
        self._restore_settings()

    # -- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._build_source())
        self.pasted = QPlainTextEdit()
        self.pasted.setPlaceholderText("Paste or type a passage here")
        self.pasted.setFixedHeight(self.pasted.fontMetrics().lineSpacing() * 4 + 12)
        self.pasted.textChanged.connect(self._show_passage)
        self.pasted.hide()
        layout.addWidget(self.pasted)
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Question:</b>"))
        self.question_box = QLineEdit()
        self.question_box.setPlaceholderText(
            "Type a question and press Enter (Ctrl+L comes back here)"
        )
        self.question_box.returnPressed.connect(self.ask)
        row.addWidget(self.question_box, 1)
        self.ask_button = QPushButton("Ask ⏎")
        self.ask_button.clicked.connect(self.ask)
        row.addWidget(self.ask_button)
        layout.addLayout(row)
        self.notice = StatusLine("", lines=1)
        self.notice.label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.notice)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.legend = QLabel("")
        self.legend.setWordWrap(True)
        lv.addWidget(self.legend)
        self.text_view = AnswerTextView()
        lv.addWidget(self.text_view, 1)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(QLabel("<b>Answerers</b> (ticked ones are asked)"))
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Answerer", "Answer", "Score", "Time"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for col in (2, 3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemChanged.connect(self._on_item_changed)
        rv.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        add = QPushButton("Add answerer folder…")
        add.clicked.connect(self.add_answerer_dialog)
        remove = QPushButton("Remove")
        remove.clicked.connect(self.remove_selected)
        demo = QPushButton("Demo answerers")
        demo.setToolTip("The three shipped answerers (MLM, seq2seq, pointer)")
        demo.clicked.connect(self.use_demo_answerers)
        for b in (add, remove, demo):
            buttons.addWidget(b)
        buttons.addStretch(1)
        rv.addLayout(buttons)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([720, 480])
        layout.addWidget(split, 1)
        layout.addWidget(self._build_every_document())

    def _build_source(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Passage:</b>"))
        self.source_box = QComboBox()
        for label, _ in SOURCES:
            self.source_box.addItem(label)
        self.source_box.currentIndexChanged.connect(self._source_changed)
        row.addWidget(self.source_box)
        self.source_stack = QStackedWidget()

        doc = QWidget()
        dh = QHBoxLayout(doc)
        dh.setContentsMargins(0, 0, 0, 0)
        dh.addWidget(QLabel("document"))
        self.document_box = QSpinBox()
        self.document_box.setRange(0, 0)
        self.document_box.valueChanged.connect(lambda _: self._show_passage())
        dh.addWidget(self.document_box)
        self.document_count = QLabel("")
        dh.addWidget(self.document_count)
        from_triples = QPushButton("The one open in Triples")
        from_triples.clicked.connect(self.use_current_document)
        dh.addWidget(from_triples)
        dh.addStretch(1)
        self.source_stack.addWidget(doc)

        entity = QWidget()
        eh = QHBoxLayout(entity)
        eh.setContentsMargins(0, 0, 0, 0)
        self.entity_search = QLineEdit()
        self.entity_search.setPlaceholderText("name, alias or id in the knowledge base")
        self.entity_search.textChanged.connect(lambda _: self.search_entities())
        eh.addWidget(self.entity_search, 1)
        self.entity_box = QComboBox()
        self.entity_box.setMinimumWidth(260)
        self.entity_box.currentIndexChanged.connect(lambda _: self._show_passage())
        eh.addWidget(self.entity_box, 1)
        self.source_stack.addWidget(entity)

        hint = QLabel("paste or type the passage below")
        hint.setStyleSheet("color: #666")
        self.source_stack.addWidget(hint)
        row.addWidget(self.source_stack, 1)
        return row

    def _build_every_document(self) -> QGroupBox:
        box = QGroupBox("Ask every document (answers become predicted triples in the Triples tab)")
        grid = QGridLayout(box)
        grid.addWidget(QLabel("Question"), 0, 0)
        self.template_box = QLineEdit(default_template("出生日期"))
        self.template_box.setToolTip("{subject} is replaced by each name of the type")
        self.template_box.textChanged.connect(lambda _: self.plan_later())
        grid.addWidget(self.template_box, 0, 1, 1, 3)
        grid.addWidget(QLabel("about names of type"), 0, 4)
        self.type_box = QComboBox()
        self.type_box.setEditable(True)
        self.type_box.setMinimumWidth(100)
        self.type_box.currentTextChanged.connect(self._type_changed)
        grid.addWidget(self.type_box, 0, 5)
        grid.addWidget(QLabel("stored as"), 1, 0)
        self.predicate_box = QComboBox()
        self.predicate_box.setEditable(True)
        self.predicate_box.setMinimumWidth(110)
        self.predicate_box.currentTextChanged.connect(self._predicate_changed)
        grid.addWidget(self.predicate_box, 1, 1)
        grid.addWidget(QLabel("answered by"), 1, 2)
        self.run_answerer_box = QComboBox()
        self.run_answerer_box.setMinimumWidth(200)
        grid.addWidget(self.run_answerer_box, 1, 3)
        grid.addWidget(QLabel("answers scored below"), 1, 4)
        self.min_score = QDoubleSpinBox()
        self.min_score.setRange(0.0, 1.0)
        self.min_score.setSingleStep(0.05)
        self.min_score.setDecimals(2)
        self.min_score.setSuffix(" dropped")
        grid.addWidget(self.min_score, 1, 5)
        self.plan_label = StatusLine("", lines=1)
        self.plan_label.label.setTextFormat(Qt.TextFormat.PlainText)
        grid.addWidget(self.plan_label, 2, 0, 1, 4)
        self.run_button = QPushButton("Ask every document")
        self.run_button.clicked.connect(self.ask_every_document)
        grid.addWidget(self.run_button, 2, 4)
        self.stop_button = QPushButton("Cancel")
        self.stop_button.clicked.connect(lambda: self.runner.cancel(DOCUMENTS_OWNER))
        self.stop_button.setEnabled(False)
        grid.addWidget(self.stop_button, 2, 5)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return box

    def _build_actions(self) -> None:
        focus = QAction(self)
        focus.setShortcut(QKeySequence("Ctrl+L"))
        # Anywhere in the window while the tab is shown (a hidden tab's keys are off).
        focus.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        focus.triggered.connect(self.focus_question)
        self.addAction(focus)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._plan_stale:
            self.plan_later()
        if not self._warmed:
            self._warmed = True
            self.use_current_document()  # first shown: the document one was reading
            self.warm()

    def warm(self) -> None:
        """Load the ticked answerers in their processes while the question is
        typed (at idle priority), so that the first answer comes at once."""
        answerers, pool = self.chosen(), self.answerers
        if answerers:
            self.runner.submit(
                WARM_OWNER,
                lambda ctx: pool.warm(answerers, ctx),
                name="Loading the answerers",
                quiet=True,
            )

    def focus_question(self) -> None:
        self.question_box.setFocus()
        self.question_box.selectAll()

    # -- settings ----------------------------------------------------------------------

    def _setting(self, key: str, default: str = "") -> str:
        if self.settings is None:
            return default
        value = self.settings.value(f"ask/{key}")
        return str(value) if value not in (None, "") else default

    def _restore_settings(self) -> None:
        saved = self._setting("answerers") or None
        self.choices, problems = restore_choices(saved, self.models)
        self._fill_answerers()
        if problems:
            self.show_notice(problems[0], error=True)
        self.question_box.setText(self._setting("question"))
        self.template_box.setText(self._setting("template", self.template_box.text()))
        self._wanted_type = self._setting("type", "人物")
        self._wanted_predicate = self._setting("predicate", "出生日期")
        self.set_schema([])

    def _save_choices(self) -> None:
        if self.settings is not None:
            self.settings.setValue("ask/answerers", save_choices(self.choices))

    def _save(self, key: str, value: str) -> None:
        if self.settings is not None:
            self.settings.setValue(f"ask/{key}", value)

    # -- answerers ---------------------------------------------------------------------

    def _fill_answerers(self) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.choices))
        for row, choice in enumerate(self.choices):
            a = choice.answerer
            item = QTableWidgetItem(a.label)
            item.setFlags(
                Qt.ItemFlag.ItemIsEnabled
                | Qt.ItemFlag.ItemIsSelectable
                | Qt.ItemFlag.ItemIsUserCheckable
            )
            item.setCheckState(Qt.CheckState.Checked if choice.on else Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.DecorationRole, QColor(answerer_colours(row)[0]))
            f1 = f"; dev F1 {a.best_f1:.3f}" if a.best_f1 is not None else ""
            item.setToolTip(f"{a.folder}\n{a.identity}, method {a.method}{f1}")
            self.table.setItem(row, 0, item)
            for col in (1, 2, 3):
                self.table.setItem(row, col, QTableWidgetItem(""))
        self.table.blockSignals(False)
        self._show_replies()
        before = self.run_answerer_box.currentData()
        self.run_answerer_box.clear()
        for choice in self.choices:
            self.run_answerer_box.addItem(choice.answerer.label, str(choice.answerer.folder))
        if self.choices:  # the one chosen before, else the best on its dev set
            best = max(
                range(len(self.choices)),
                key=lambda k: _or_f1(self.choices[k].answerer.best_f1),
            )
            kept = self.run_answerer_box.findData(before) if before else -1
            self.run_answerer_box.setCurrentIndex(kept if kept >= 0 else best)
        self._update_legend()
        if not self.choices:
            self.show_notice(
                "No answerer yet: add a reading-comprehension model folder (Add answerer folder…)."
            )

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == 0 and 0 <= item.row() < len(self.choices):
            self.choices[item.row()].on = item.checkState() == Qt.CheckState.Checked
            self._save_choices()
            self._update_legend()

    def chosen(self) -> list[Any]:
        return [c.answerer for c in self.choices if c.on]

    def add_answerer_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Choose a reading-comprehension model folder"
        )
        if folder:
            self.add_answerer(folder)

    def add_answerer(self, folder: str | Path) -> bool:
        """A folder that is no answerer is refused with a message in the tab."""
        try:
            choice = add_choice(self.choices, folder)
        except BadInput as e:
            self.show_notice(f"Not added: {e}", error=True)
            return False
        self._fill_answerers()
        self._save_choices()
        self.show_notice(f"Answerer {choice.answerer.label} added.")
        return True

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.choices):
            del self.choices[row]
            self.replies = []
            self._fill_answerers()
            self._save_choices()

    def use_demo_answerers(self) -> None:
        self.choices, _ = restore_choices(None, self.models)
        self.replies = []
        self._fill_answerers()
        self._save_choices()

    def _update_legend(self) -> None:
        chips = []
        for row, choice in enumerate(self.choices):
            if not choice.on:
                continue
            strong, light = answerer_colours(row)
            chips.append(
                f'<span style="background:{light}; color:#222; border-bottom:3px solid {strong}">'
                f"&nbsp;{html.escape(choice.answerer.label)}&nbsp;</span>"
            )
        keys = "<span style='color:#666'>Enter asks · Ctrl+L question</span>"
        self.legend.setText("&nbsp; ".join(chips + [keys]))

    # -- the passage -------------------------------------------------------------------

    def set_project(self, project: Any) -> None:
        if project is not self.project:
            for owner in (OWNER, DOCUMENTS_OWNER, PLAN_OWNER):
                self.runner.cancel(owner)
        self.project = project
        self.doc_ids = project.all_document_ids() if project is not None else []
        self.document_box.blockSignals(True)
        self.document_box.setRange(1 if self.doc_ids else 0, len(self.doc_ids))
        self.document_box.setValue(1 if self.doc_ids else 0)
        self.document_box.blockSignals(False)
        self.document_count.setText(f"of {len(self.doc_ids):,}")
        self._show_passage()
        self.plan_later()

    def set_schema(self, schema: list[dict[str, str]]) -> None:
        """The triple model's schema offers the types and predicates."""
        self.schema = list(schema)
        types = sorted({e.get("subject_type", "") for e in schema} - {""})
        wanted = self.type_box.currentText() or self._wanted_type
        self.type_box.blockSignals(True)
        self.type_box.clear()
        self.type_box.addItems(types)
        self.type_box.setCurrentText(wanted)
        self.type_box.blockSignals(False)
        self._fill_predicates(self.predicate_box.currentText() or self._wanted_predicate)

    def _fill_predicates(self, wanted: str) -> None:
        t = self.type_box.currentText().strip()
        predicates = sorted({e["predicate"] for e in self.schema if e.get("subject_type") == t})
        self.predicate_box.blockSignals(True)
        self.predicate_box.clear()
        self.predicate_box.addItems(predicates)
        self.predicate_box.setCurrentText(wanted)
        self.predicate_box.blockSignals(False)

    def _type_changed(self, text: str) -> None:
        self._save("type", text.strip())
        self._fill_predicates(self.predicate_box.currentText())
        self.plan_later()

    def _predicate_changed(self, text: str) -> None:
        old = self._setting("predicate", "")
        # A question still as the old predicate's default follows the new one.
        if self.template_box.text().strip() in ("", default_template(old)):
            self.template_box.setText(default_template(text.strip()))
        self._save("predicate", text.strip())
        self.plan_later()

    def source(self) -> str:
        return SOURCES[self.source_box.currentIndex()][1]

    def _source_changed(self, index: int) -> None:
        self.source_stack.setCurrentIndex(index)
        self.pasted.setVisible(self.source() == "pasted")
        if self.source() == "entity":
            self.want_kb()
            self.search_entities()
        self._show_passage()

    def show_document(self, doc_id: int) -> None:
        if doc_id in self.doc_ids:
            self.source_box.setCurrentIndex(0)
            self.document_box.setValue(self.doc_ids.index(doc_id) + 1)
            self._show_passage()

    def use_current_document(self) -> None:
        doc_id = self.current_document()
        if doc_id is not None:
            self.show_document(doc_id)

    def search_entities(self) -> None:
        kb = self.knowledge_base()
        self.entity_box.blockSignals(True)
        self.entity_box.clear()
        self._entities = []
        if kb is None:
            self.entity_box.addItem("the knowledge base is loading (Linking tab)…")
            if self.source() == "entity" and not self._kb_wait:  # look again soon
                self._kb_wait = True
                QTimer.singleShot(500, self._search_when_loaded)
        else:
            query = self.entity_search.text().strip()
            self._entities = kb.search(query) if query else []
            for e in self._entities:
                kind = "/".join(e.types)
                self.entity_box.addItem(f"{e.name} ({kind}, {e.id})")
            if query and not self._entities:
                self.entity_box.addItem(f"nothing named “{query}”")
        self.entity_box.blockSignals(False)
        self._show_passage()

    def _search_when_loaded(self) -> None:
        self._kb_wait = False
        if self.source() == "entity":
            self.search_entities()

    def current_passage(self) -> str:
        source = self.source()
        if source == "document":
            n = self.document_box.value()
            if self.project is None or not (1 <= n <= len(self.doc_ids)):
                return ""
            return self.project.text(self.doc_ids[n - 1])
        if source == "entity":
            k = self.entity_box.currentIndex()
            return self._entities[k].description(4000) if 0 <= k < len(self._entities) else ""
        return self.pasted.toPlainText()

    def _show_passage(self) -> None:
        passage = self.current_passage()
        if passage != self.passage:
            self.passage = passage
            self.replies = []  # answers to another passage
            self._show_replies()

    # -- asking ------------------------------------------------------------------------

    def show_notice(self, text: str, error: bool = False) -> None:
        self.notice_text = text
        self.notice.label.setStyleSheet(ERROR_STYLE if error else "")
        self.notice.setText(text)
        if text and not error:
            self.message.emit(text)

    def ask(self, wait: bool = False) -> None:
        """Put the question to every ticked answerer over the passage, in the
        background (``wait``: now); the answers show when all have answered."""
        question, passage = self.question_box.text(), self.current_passage()
        try:
            question, _ = check_question(question, passage)
        except BadInput as e:
            self.show_notice(str(e), error=True)
            return
        answerers = self.chosen()
        if not answerers:
            self.show_notice("Tick at least one answerer (or add a model folder).", error=True)
            return
        self._save("question", question)
        pool = self.answerers

        def job(ctx: JobContext) -> tuple[str, list[Reply]]:
            return passage, pool.ask(answerers, question, passage, ctx)

        self.show_notice(f"Asking {len(answerers)} answerer(s)…")
        if wait:
            self._answered(job(JobContext.null()))
            return
        self.replies = []  # each answer shows as it comes
        self._show_replies()
        self.runner.submit(
            OWNER,
            job,
            name=f"Asking {len(answerers)} answerer(s)",
            on_partial=lambda reply: self._answer_came(passage, reply),
            on_result=self._answered,
            on_error=lambda m, tb: self.show_notice(f"Not answered: {m}", error=True),
            on_cancelled=lambda: self.show_notice("Question cancelled."),
        )

    def _answer_came(self, passage: str, reply: Reply) -> None:
        if passage == self.passage:
            self.replies.append(reply)
            last = len(self.choices)
            self.replies.sort(key=lambda r: _or(self._row_of(r.answerer.folder), last))
            self._show_replies()

    def _answered(self, result: tuple[str, list[Reply]]) -> None:
        passage, replies = result
        if passage != self.current_passage():
            return  # the passage changed while the answerers read the old one
        self.passage, self.replies = passage, replies
        self._show_replies()
        failed = [r for r in replies if r.error]
        if failed:
            self.show_notice(f"{failed[0].answerer.label}: {failed[0].error}", error=True)
        else:
            found = sum(1 for r in replies if r.answer is not None and r.answer.text)
            self.show_notice(f"{found} of {len(replies)} answerers found an answer.")

    def _row_of(self, folder: Path) -> int | None:
        for row, c in enumerate(self.choices):
            if c.answerer.folder == folder:
                return row
        return None

    def _show_replies(self) -> None:
        """The passage with each answer highlighted, and each answerer's row."""
        marks = []
        by_row = {}
        for reply in self.replies:
            row = self._row_of(reply.answerer.folder)
            if row is None:
                continue
            by_row[row] = reply
            a = reply.answer
            if a is not None and a.start is not None and a.end is not None and a.text:
                marks.append(AnswerMark(a.start, a.end, row))
        self.text_view.show_answers(self.passage, marks)
        self.table.blockSignals(True)
        for row in range(len(self.choices)):
            reply = by_row.get(row)
            cells = ["", "", ""]
            tip = ""
            if reply is not None and reply.error:
                cells = ["could not answer", "", ""]
                tip = reply.error
            elif reply is not None and reply.answer is not None:
                a = reply.answer
                cells = [a.text or "(no answer)", f"{a.score:.3f}", _seconds(a.seconds)]
            for col, text in zip((1, 2, 3), cells, strict=True):
                item = self.table.item(row, col)
                if item is not None:
                    item.setText(text)
                    item.setToolTip(tip or text)
                    failed = col == 1 and reply is not None and bool(reply.error)
                    item.setForeground(QColor("#b00020" if failed else "#1a1a1a"))
        self.table.blockSignals(False)

    # -- every document ------------------------------------------------------------------

    def current_slot(self):
        """The question to ask every document, or BadInput saying what is wrong."""
        return make_slot(
            self.template_box.text(),
            self.type_box.currentText(),
            self.predicate_box.currentText(),
            self._object_type(),
            round(self.min_score.value(), 4),
        )

    def _object_type(self) -> str:
        t, p = self.type_box.currentText().strip(), self.predicate_box.currentText().strip()
        for e in self.schema:
            if e.get("subject_type") == t and e.get("predicate") == p:
                return e.get("object_type", "")
        return ""

    def plan_later(self) -> None:
        # Counting reads every document's text in a worker thread; while the
        # tab is hidden it would only slow down the review in the other tabs
        # (a 19,000-document project takes seconds of the interpreter), so it
        # waits until the tab is shown.
        if not self.isVisible():
            self._plan_stale = True
            return
        self._plan_stale = False
        self._plan_timer.start()

    def update_plan(self, wait: bool = False) -> None:
        """Count the questions asking every document would put (in the
        background: a large project takes a moment)."""
        self._plan_timer.stop()
        self._save("template", self.template_box.text().strip())
        if self.project is None:
            self.plan_label.setText("Open a project to ask its documents.")
            return
        try:
            slot = self.current_slot()
        except BadInput as e:
            self.plan_label.label.setStyleSheet(ERROR_STYLE)
            self.plan_label.setText(str(e))
            return
        project = self.project

        def job(ctx: JobContext) -> Plan:
            with project.second_connection() as reader:
                return plan_every_document(reader, slot, ctx)

        def show(plan: Plan) -> None:
            if project is self.project:
                self.plan_label.label.setStyleSheet("")
                self.plan_label.setText(plan.describe(slot))

        if wait:
            self.runner.cancel(PLAN_OWNER)
            show(job(JobContext.null()))
            return
        self.plan_label.label.setStyleSheet("")
        self.plan_label.setText("counting the questions…")
        self.runner.submit(PLAN_OWNER, job, name="Counting questions", quiet=True, on_result=show)

    def ask_every_document(self) -> None:
        """Ask every document the question about each name of the type it
        mentions, with the chosen answerer, in the background with progress,
        ETA and Cancel; each batch of answers is stored as predicted triples
        (a person's decisions stay) and shows in the Triples tab at once."""
        if self.project is None:
            self.show_notice("Open a project first.", error=True)
            return
        try:
            slot = self.current_slot()
        except BadInput as e:
            self.show_notice(str(e), error=True)
            return
        k = self.run_answerer_box.currentIndex()
        if not (0 <= k < len(self.choices)):
            self.show_notice("Add an answerer first (Add answerer folder…).", error=True)
            return
        answerer = self.choices[k].answerer
        project, pool, batch_size = self.project, self.answerers, self.batch_size

        def job(ctx: JobContext) -> dict:
            return pool.ask_every_document(project, answerer, slot, ctx, batch_size)

        self.run_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.show_notice(f"Asking every document “{slot.template}” with {answerer.label}…")
        self.runner.submit(
            DOCUMENTS_OWNER,
            job,
            name=f"Asking every document with {answerer.label}",
            on_partial=self.triples_stored.emit,
            on_result=lambda r: self._documents_done(project, r, cancelled=False),
            on_cancelled=lambda: self._documents_done(project, None, cancelled=True),
            on_error=lambda m, tb: self._documents_failed(project, m),
            on_finished=self._documents_finished,
        )

    def _documents_done(self, project: Any, result: dict | None, cancelled: bool) -> None:
        self._documents_finished()
        if project is not self.project:
            return
        self.run_ended.emit()
        if cancelled:
            self.show_notice("Asking every document cancelled; the answers stored so far are kept.")
        elif result is not None:
            self.show_notice(
                f"Asked {result['questions']:,} questions over {result['documents']:,} documents: "
                f"{result['triples']:,} triples stored as predicted ({result['origin'] or 'none'}),"
                " ready for review in the Triples tab."
            )

    def _documents_failed(self, project: Any, message: str) -> None:
        self._documents_finished()
        if project is self.project:
            self.run_ended.emit()
            self.show_notice(f"Asking every document stopped: {message}", error=True)

    def _documents_finished(self) -> None:
        self.run_button.setEnabled(True)
        self.stop_button.setEnabled(False)

    def shutdown(self) -> None:
        for owner in (OWNER, DOCUMENTS_OWNER, PLAN_OWNER, WARM_OWNER):
            self.runner.cancel(owner)
        self.answerers.close()
        self.project = None


def _or_f1(f1: float | None) -> float:
    return -1.0 if f1 is None else f1


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def _seconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"
