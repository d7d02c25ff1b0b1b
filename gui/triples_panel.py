"""The Triples panel: review model annotations with the keyboard, add triples
by selecting text, pre-annotate the project in the background.

What each key does is decided in :mod:`core.review.triples`; the panel
forwards keys there and draws what it holds afterwards, redrawing only the
rows and lines that changed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.review.moves import step_document, step_row
from core.review.triples import NewTriple, Step, TripleReview, pre_annotate, status_counts
from core.store.project import LOW_SCORE
from core.triples.model_process import ModelProcess
from gui.annotated_text import AnnotatedTextView, legend_html
from gui.changed_documents import ChangedDocuments
from gui.dialogs import EditTripleDialog, PredicatePicker
from gui.document_list import DocumentList
from gui.jobs import JobRunner
from gui.statistics_view import StatisticsView
from gui.status_line import StatusLine
from gui.team_view import OWNERS, TeamWatcher
from gui.triple_looks import arcs_for, span_styles
from gui.triple_table import DocumentListModel, TripleTableModel, document_lines

OWNER = "triples"
LIST_OWNER = "triples-list"  # background reads of the document list
# The document shown is written to the settings once it has been shown this
# long: writing them takes milliseconds, too long for every key press.
REMEMBER_MS = 1000
FILTERS = [
    ("All documents", "all"),
    ("Unreviewed", "unreviewed"),
    ("Has rejections", "rejections"),
    ("Low score", "low_score"),
]

# (key, action) pairs shown in Help → Shortcuts; the panel's QActions use them.
SHORTCUTS = [
    ("J / K", "next / previous triple"),
    ("A", "accept the selected triple"),
    ("X", "reject the selected triple"),
    ("E", "edit the selected triple"),
    ("Delete", "delete a triple you added"),
    ("Enter", "accept the rest of the document, go to the next unreviewed one"),
    ("N / P", "next / previous document"),
    ("S", "use the selected text as subject of a new triple"),
    ("O", "use the selected text as object, then choose the predicate"),
    ("Esc", "forget a pending subject"),
]


class TriplesPanel(QWidget):
    message = Signal(str)  # one line for the status bar

    def __init__(
        self,
        runner: JobRunner,
        models: ModelProcess,
        parent=None,
        settings: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.models = models
        self.settings = settings  # where the last shown document of each project is kept
        self._drawing = False  # rows selected by the panel itself: drawn once, after
        self._shown: int | None = None  # the document the table and the text show
        # Documents whose predictions were stored but whose lines (and, for the
        # open one, the text and table) are not shown yet.
        self.changed = ChangedDocuments(self._show_changed, self)
        self._remember_timer = QTimer(self)
        self._remember_timer.setSingleShot(True)
        self._remember_timer.setInterval(REMEMBER_MS)
        self._remember_timer.timeout.connect(self.save_place)
        self.batch_size = 64  # documents per pre-annotation batch
        self.low_score = LOW_SCORE  # the "Low score" filter's cut-off
        self.thresholds: dict[str, float] | None = None  # None: the model's own
        self.project: Any = None
        self.review: TripleReview | None = None
        self.model_dir: Path | None = None
        self.schema: list[dict[str, str]] = []
        self.selection: tuple[int, int] | None = None
        self.picker: PredicatePicker | None = None  # open while a predicate is chosen
        self._build()
        self._build_actions()

    @property
    def doc(self) -> Any:
        """The document shown (a core.store Document), or None."""
        return self.review.doc if self.review is not None else None

    # -- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        self.documents = DocumentList(FILTERS, DocumentListModel(self))
        self.documents.filter_changed.connect(lambda _: self.refresh_documents_later())
        self.documents.chosen.connect(self.show_document)
        self.doc_list, self.doc_model = self.documents.view, self.documents.model
        self.filter_box = self.documents.filter_box
        # Whose documents: on a team's server project, one's own or nobody's yet.
        self.owner_box = QComboBox()
        for label, _ in OWNERS:
            self.owner_box.addItem(label)
        self.owner_box.currentIndexChanged.connect(lambda _: self.refresh_documents_later())
        self.documents.layout().insertWidget(1, self.owner_box)
        self.watcher = TeamWatcher(self)
        self.watcher.changed.connect(self._show_changed)
        self.watcher.failed.connect(self.message.emit)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.header = StatusLine("Open a project or import a DuIE file (File menu).")
        rv.addWidget(self.header)
        self.legend = QLabel(legend_html())
        self.legend.setToolTip(
            "Blue: subject, orange: object. Solid underline: accepted, edited or added; "
            "pale with a dashed underline: predicted, not reviewed yet; grey and struck "
            "through: rejected. The selected triple is dark, its other places medium, "
            "each joined by an arc (dashed: predicted, dotted grey: rejected)."
        )
        rv.addWidget(self.legend)
        self.text_view = AnnotatedTextView()
        self.text_view.text_selected.connect(self._on_text_selected)
        self.table_model = TripleTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self._size_columns()
        # Reading order until the user clicks another column.
        self.table.horizontalHeader().setSortIndicator(
            TripleTableModel.POSITION, Qt.SortOrder.AscendingOrder
        )
        self.table.setSortingEnabled(True)
        self.table.selectionModel().currentRowChanged.connect(self._on_row_changed)
        self.table.doubleClicked.connect(lambda _: self.edit())
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.text_view)
        split.addWidget(self.table)
        split.setSizes([260, 240])
        rv.addWidget(split, 1)
        buttons = QHBoxLayout()
        self.pending_label = StatusLine()
        for label, slot in (
            ("Accept (A)", self.accept),
            ("Reject (X)", self.reject),
            ("Edit (E)", self.edit),
            ("Accept rest ⏎", self.accept_rest),
            ("Subject from selection (S)", self.take_subject),
            ("Object from selection (O)", self.take_object),
        ):
            b = QPushButton(label)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the review
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        rv.addLayout(buttons)
        rv.addWidget(self.pending_label)

        self.views = QTabWidget()
        self.views.addTab(right, "Review")
        self.statistics = StatisticsView()
        self.views.addTab(self.statistics, "Statistics")
        self.views.currentChanged.connect(lambda _: self.refresh_statistics())
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.documents)
        split.addWidget(self.views)
        split.setSizes([330, 870])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

    def _size_columns(self) -> None:
        """Widths from the font, set once: sizing columns to their contents
        measures every cell again on each document, and the subject and
        object share what is left."""
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        metrics = self.table.fontMetrics()
        samples = {
            0: "8888–8888 ×9",
            2: "所属专辑所属",
            4: "0.00",
            5: "✓ predicted",
            6: "triples-demo@1",
        }
        for column, sample in samples.items():
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 24)
        for column in (1, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)

    def _build_actions(self) -> None:
        def add(keys: str | list[str], slot) -> QAction:
            action = QAction(self)
            seqs = [keys] if isinstance(keys, str) else keys
            action.setShortcuts([QKeySequence(k) for k in seqs])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            return action

        add("J", lambda: self.move_triple(1))
        add("K", lambda: self.move_triple(-1))
        add("A", self.accept)
        add("X", self.reject)
        add("E", self.edit)
        add("Delete", self.delete_added)
        add(["Return", "Enter"], self.accept_rest)
        add("N", lambda: self.move_document(1))
        add("P", lambda: self.move_document(-1))
        add("S", self.take_subject)
        add("O", self.take_object)
        add("Esc", self.forget_pending)

    # -- project -----------------------------------------------------------------------

    def set_project(self, project: Any, schema: list[dict[str, str]] | None = None) -> None:
        self.save_place()  # the project being left
        self.project = project
        if schema is not None:
            self.schema = schema
        self.review = TripleReview(project, self.schema) if project is not None else None
        self._shown = None
        self.changed.clear()
        self.watcher.watch(project)
        self.refresh_documents()
        first = self.review.first_document(self._last_document()) if self.review else None
        if first is not None:
            self.show_document(first)
        else:
            self._show_empty()

    def _last_document_key(self) -> str:
        # Hashed: a path's slashes and colons are not welcome in a settings key.
        if self.project.path is None:
            path = self.project.location
        else:
            path = str(Path(self.project.path).resolve())
        return "triples/last_document/" + hashlib.sha1(path.encode("utf-8")).hexdigest()[:16]

    def _last_document(self) -> int | None:
        """The document shown when this project was last open."""
        if self.settings is None:
            return None
        try:
            doc_id = int(self.settings.value(self._last_document_key(), -1))
        except (TypeError, ValueError):
            return None
        return doc_id if doc_id >= 0 else None

    def save_place(self) -> None:
        """Keep the document shown, to return to it when the project is opened
        again (done a moment after it is shown, and when the project closes)."""
        self._remember_timer.stop()
        if self.settings is not None and self.project is not None and self.doc is not None:
            self.settings.setValue(self._last_document_key(), self.doc.id)

    def refresh_statistics(self) -> None:
        if self.project is not None and self.views.currentWidget() is self.statistics:
            from core.store.agreement import agreement

            self.statistics.show_statistics(self.project.statistics())
            self.statistics.show_agreement(agreement(self.project))

    def set_schema(self, schema: list[dict[str, str]]) -> None:
        self.schema = schema
        if self.review is not None:
            self.review.schema = list(schema)

    def current_filter(self) -> str:
        return self.documents.current_filter()

    def current_owner(self) -> str:
        return OWNERS[self.owner_box.currentIndex()][1]

    def refresh_documents(self) -> None:
        """Re-read the whole list now (opening a project)."""
        self.runner.cancel(LIST_OWNER)
        if self.project is None:
            self._set_list([], 0)
            return
        rows = self.project.documents(
            self.current_filter(), low_score=self.low_score, assigned=self.current_owner()
        )
        self._set_list(rows, self.project.count_documents())

    def refresh_documents_later(self) -> None:
        """Re-read the whole list on a worker thread (a filter change, the end
        of a pre-annotation): 20,000 summaries take 100 ms to read and build."""
        if self.project is None:
            self._set_list([], 0)
            return
        project, flt, cut = self.project, self.current_filter(), self.low_score
        owner = self.current_owner()

        def read(ctx) -> tuple:
            with project.second_connection() as reader:
                rows = reader.documents(flt, low_score=cut, assigned=owner)
                return rows, reader.count_documents(), document_lines(rows)

        self.runner.submit(
            LIST_OWNER,
            read,
            name="Reading the document list",
            quiet=True,
            on_result=lambda result: self._set_list(*result) if project is self.project else None,
        )

    def _set_list(self, rows: list, total: int, lines: list[str] | None = None) -> None:
        self.documents.set_rows(rows, total, lines)
        if self.doc is not None:
            self.documents.select(self.doc.id)

    def show_document(self, doc_id: int, row: int = 0, ann_id: int | None = None) -> None:
        """Show a document with the triple ``ann_id`` selected, or if it is
        gone (a new prediction replaced it) the ``row``-th one."""
        if self.review is None:
            return
        self.review.open(doc_id)
        self.pending_label.setText("")
        self._draw(ann_id, row)

    def _draw(self, ann_id: int | None, row: int) -> None:
        """Show ``review.doc``: its triples (only the rows that changed, when
        it is the document already shown), ``ann_id`` or the ``row``-th
        selected, its text, and its row of the list."""
        doc = self.doc
        if doc is None:
            self._show_empty()
            return
        self._drawing = True
        try:
            if doc.id == self._shown:
                self.table_model.update_rows(doc.annotations)
            else:
                self.table_model.set_rows(doc.annotations)
            if doc.annotations:
                found = self.table_model.row_of(ann_id) if ann_id is not None else None
                last = len(doc.annotations) - 1
                self.table.selectRow(found if found is not None else max(0, min(row, last)))
        finally:
            self._drawing = False
        if doc.id != self._shown:
            self._shown = doc.id
            self.documents.select(doc.id)
            self._remember_timer.start()
        self._show_text()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        # Scrolling a list not shown yet (a project opened at start-up) may
        # not take: do it again now that it has its size.
        super().showEvent(event)
        if self.doc is not None:
            self.documents.select(self.doc.id)

    def _show_empty(self) -> None:
        self._shown = None
        if self.review is not None:
            self.review.doc = None
        self.table_model.set_rows([])
        self.text_view.show_text("", [])
        self.header.setText("This project has no documents yet: import a DuIE file (File menu).")

    def current_annotation(self) -> Any:
        row = self.table.currentIndex().row()
        if self.doc is None or not (0 <= row < len(self.table_model.rows)):
            return None
        return self.table_model.rows[row]

    def _on_row_changed(self, *_: Any) -> None:
        if not self._drawing:
            self._show_text()

    def _show_text(self) -> None:
        doc = self.doc
        if doc is None:
            return
        a = self.current_annotation()
        styles = span_styles(doc.annotations, a.id if a is not None else None)
        self.text_view.show_text(doc.text, styles, arcs_for(a) if a is not None else [])
        state = "reviewed" if doc.reviewed else "not reviewed yet"
        counts = sorted(status_counts(doc.annotations).items())
        summary = ", ".join(f"{n} {s}" for s, n in counts) or "no triples"
        self.header.setText(f"<b>Document {doc.position + 1}</b> — {state} — {summary}")

    # -- review ------------------------------------------------------------------------

    def _apply(self, step: Step) -> None:
        """Show what a step of the review left: its message, the lines it
        changed, the document with the triple it chose (or the same row)."""
        if step.message:
            self.message.emit(step.message)
        for doc_id in step.changed:
            self.refresh_document_row(doc_id)
        doc = self.doc
        same = doc is not None and doc.id == self._shown
        current = self.current_annotation()
        if step.select is not None:
            ann_id = step.select
        else:
            ann_id = current.id if same and current is not None else None
        row = self.table.currentIndex().row() if same else 0
        if step.reread and same:
            self._shown = None  # anything may differ: redraw it whole
        self._draw(ann_id, max(row, 0))

    def move_triple(self, step: int) -> None:
        row = step_row(self.table.currentIndex().row(), step, len(self.table_model.rows))
        if row is not None:
            self.table.selectRow(row)

    def move_document(self, step: int) -> None:
        if self.doc is None:
            return
        rows = self.doc_model.rows
        found = step_document(rows, self.doc_model.row_of(self.doc.id), self.doc.position, step)
        if found is not None:
            self.show_document(found)

    def refresh_document_row(self, doc_id: int) -> None:
        """One document's line in the list, after an edit: re-reading the whole
        list takes half a second in a project of 20,000 documents. (A filter
        the document no longer matches is re-applied on the next filter change.)"""
        if self.project is None:
            return
        summaries = self.project.documents("all", doc_id=doc_id)
        if summaries:
            self.documents.update_row(summaries[0])

    def accept(self) -> None:
        a = self.current_annotation()
        if a is not None:
            self._apply(self.review.accept(a.id, [x.id for x in self.table_model.rows]))

    def reject(self) -> None:
        a = self.current_annotation()
        if a is not None:
            self._apply(self.review.reject(a.id, [x.id for x in self.table_model.rows]))

    def delete_added(self) -> None:
        a = self.current_annotation()
        if a is not None:
            self._apply(self.review.delete(a.id))

    def edit(self) -> None:
        a = self.current_annotation()
        if a is None:
            return
        predicates = sorted({e["predicate"] for e in self.schema})
        dialog = EditTripleDialog(a.subject, a.predicate, a.object, predicates, self)
        while dialog.exec():
            outcome = self.review.edit(a.id, *dialog.values())
            if isinstance(outcome, str):
                dialog.error.setText(outcome)
                continue
            self._apply(outcome)
            return

    def accept_rest(self) -> None:
        if self.review is not None and self.doc is not None:
            self._apply(self.review.accept_rest())

    # -- adding by selection -------------------------------------------------------------

    def _on_text_selected(self, start: int, end: int) -> None:
        self.selection = (start, end)

    def take_subject(self) -> None:
        if self.review is None:
            return
        step = self.review.take_subject(self.selection)
        if self.review.pending_subject is None:
            self.message.emit(step.message)
        else:
            self.pending_label.setText(step.message)

    def take_object(self) -> None:
        """Choose the predicate of the pending subject and the selected object
        in a dialog that does not block: the triple is added when it is
        accepted (``picker`` is the dialog while it is open)."""
        if self.review is None:
            return
        new = self.review.take_object(self.selection)
        if not isinstance(new, NewTriple):
            self.message.emit(new.message)
            return
        picker = PredicatePicker(self.schema, new.subject, new.object, parent=self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.accepted.connect(lambda: self._add(new, picker.chosen))
        picker.finished.connect(lambda _: setattr(self, "picker", None))
        self.picker = picker
        picker.open()

    def _add(self, new: NewTriple, chosen: dict[str, str] | None) -> None:
        if chosen is None or self.review is None or self.doc is None:
            return
        self.pending_label.setText("")
        self._apply(self.review.add(new, chosen))

    def forget_pending(self) -> None:
        if self.review is not None:
            self.review.forget_pending()
        self.pending_label.setText("")

    # -- undo --------------------------------------------------------------------------

    def undo(self) -> None:
        if self.review is not None:
            self._apply(self.review.undo())

    def redo(self) -> None:
        if self.review is not None:
            self._apply(self.review.redo())

    # -- pre-annotation ----------------------------------------------------------------

    def pre_annotate(self, only_unreviewed: bool = True) -> None:
        """Run the model over the project in the background
        (:func:`core.review.triples.pre_annotate`). The job stores each batch
        and tells the window only which documents changed: the window re-reads
        their lines (a few times a second at most) and, if it is one of them,
        the open document."""
        if self.project is None or self.model_dir is None:
            self.message.emit("Open a project and choose a model first.")
            return
        project, models = self.project, self.models
        model_dir, batch_size, thresholds = self.model_dir, self.batch_size, self.thresholds
        total = self.project.count_documents()  # for the job's name; the job reads the ids

        def job(ctx) -> int:
            return pre_annotate(
                project, models, model_dir, ctx, only_unreviewed, batch_size, thresholds
            )

        which = "unreviewed documents" if only_unreviewed else f"{total} documents"
        self.runner.submit(
            OWNER,
            job,
            name=f"Pre-annotating {which}",
            tensorflow=True,
            on_partial=self.changed.add,
            on_result=lambda n: self._pre_annotation_done(project, n, cancelled=False),
            on_cancelled=lambda: self._pre_annotation_done(project, 0, cancelled=True),
        )

    def _show_changed(self, doc_ids: set[int]) -> None:
        """Re-read the lines of documents that got predictions, in one query,
        and the open document if it is one of them."""
        if self.project is None:
            return
        for summary in self.project.documents("all", doc_ids=doc_ids):
            self.documents.update_row(summary)
        if self.doc is not None and self.doc.id in doc_ids:
            self.review.reread()
            self._apply(Step(reread=True))

    def _pre_annotation_done(self, project: Any, n: int, cancelled: bool) -> None:
        if project is not self.project or project.db is None:  # left, or closed with the window
            return
        self.changed.flush()
        if cancelled:
            # Lines of the last batches may have been dropped with the job's signals.
            self.refresh_documents_later()
            if self.review is not None and self.review.reread() is not None:
                self._apply(Step(reread=True))
            self.message.emit("Pre-annotation cancelled; the documents done so far are kept.")
        else:
            if self.current_filter() != "all":  # documents may have come into or left it
                self.refresh_documents_later()
            self.message.emit(f"Pre-annotated {n} documents.")

    def predictions_stored(self) -> None:
        """Another tab's job stored predictions and ended: its last batches'
        lines may have been dropped with its signals, so the list and the
        open document are read again."""
        if self.project is None or self.project.db is None:
            return
        self.changed.flush()
        self.refresh_documents_later()
        if self.review is not None and self.review.reread() is not None:
            self._apply(Step(reread=True))

    def confirm_busy(self) -> bool:
        if not self.runner.is_busy(OWNER):
            return True
        answer = QMessageBox.question(self, "Busy", "Cancel the running pre-annotation?")
        if answer == QMessageBox.StandardButton.Yes:
            self.runner.cancel(OWNER)
            return True
        return False
