"""The Triples panel: review model annotations with the keyboard, add triples
by selecting text, pre-annotate the project in the background.

Every action is an operation on the project store (``core.store``); the
widgets only show what the store holds afterwards.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.store.project import LOW_SCORE
from core.triples.model_process import ModelProcess
from gui.annotated_text import AnnotatedTextView, legend_html
from gui.dialogs import EditTripleDialog, PredicatePicker
from gui.jobs import JobRunner, PartialsTo
from gui.statistics_view import StatisticsView
from gui.triple_looks import arcs_for, span_styles
from gui.triple_table import DocumentListModel, TripleTableModel, document_lines

OWNER = "triples"
LIST_OWNER = "triples-list"  # background reads of the document list
# Lines of documents that got new predictions are re-read at most this often.
COALESCE_MS = 150
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
        self._syncing_list = False  # the list follows a document shown some other way
        # Documents whose predictions were stored but whose lines (and, for the
        # open one, the text and table) are not refreshed yet.
        self._pending: set[int] = set()
        self._pending_timer = QTimer(self)
        self._pending_timer.setSingleShot(True)
        self._pending_timer.setInterval(COALESCE_MS)
        self._pending_timer.timeout.connect(self._apply_pending)
        self.batch_size = 64  # documents per pre-annotation batch
        self.low_score = LOW_SCORE  # the "Low score" filter's cut-off
        self.thresholds: dict[str, float] | None = None  # None: the model's own
        self.project: Any = None
        self.model_dir: Path | None = None
        self.schema: list[dict[str, str]] = []
        self.doc: Any = None
        self.selection: tuple[int, int] | None = None
        self.pending_subject: tuple[int, int] | None = None
        self.picker: PredicatePicker | None = None  # open while a predicate is chosen
        self._build()
        self._build_actions()

    # -- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.filter_box = QComboBox()
        for label, _ in FILTERS:
            self.filter_box.addItem(label)
        self.filter_box.currentIndexChanged.connect(lambda _: self.refresh_documents_later())
        lv.addWidget(self.filter_box)
        self.doc_model = DocumentListModel(self)
        self.doc_list = QListView()
        self.doc_list.setModel(self.doc_model)
        self.doc_list.setUniformItemSizes(True)
        self.doc_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.doc_list.selectionModel().currentChanged.connect(self._on_document_chosen)
        lv.addWidget(self.doc_list)
        self.doc_count = QLabel("")
        lv.addWidget(self.doc_count)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.header = QLabel("Open a project or import a DuIE file (File menu).")
        self.header.setWordWrap(True)
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
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        # Reading order until the user clicks another column.
        self.table.horizontalHeader().setSortIndicator(
            TripleTableModel.POSITION, Qt.SortOrder.AscendingOrder
        )
        self.table.setSortingEnabled(True)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_text())
        self.table.doubleClicked.connect(lambda _: self.edit())
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.text_view)
        split.addWidget(self.table)
        split.setSizes([260, 240])
        rv.addWidget(split, 1)
        buttons = QHBoxLayout()
        self.pending_label = QLabel("")
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
        split.addWidget(left)
        split.addWidget(self.views)
        split.setSizes([330, 870])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

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
        self.project = project
        if schema is not None:
            self.schema = schema
        self.doc = None
        self._pending_timer.stop()
        self._pending.clear()
        self.refresh_documents()
        if self.doc_model.rows:
            last = self._last_document()
            first = last or project.next_unreviewed(-1) or self.doc_model.rows[0].id
            self.show_document(first)
        else:
            self._show_empty()

    def _last_document_key(self) -> str:
        # Hashed: a path's slashes and colons are not welcome in a settings key.
        path = str(Path(self.project.path).resolve())
        return "triples/last_document/" + hashlib.sha1(path.encode("utf-8")).hexdigest()[:16]

    def _last_document(self) -> int | None:
        """The document shown when this project was last open, if it still exists."""
        if self.settings is None:
            return None
        try:
            doc_id = int(self.settings.value(self._last_document_key(), -1))
        except (TypeError, ValueError):
            return None
        return doc_id if doc_id >= 0 and self.project.texts([doc_id]) else None

    def _remember_document(self, doc_id: int) -> None:
        if self.settings is not None:
            self.settings.setValue(self._last_document_key(), doc_id)

    def refresh_statistics(self) -> None:
        if self.project is not None and self.views.currentWidget() is self.statistics:
            self.statistics.show_statistics(self.project.statistics())

    def set_schema(self, schema: list[dict[str, str]]) -> None:
        self.schema = schema

    def current_filter(self) -> str:
        return FILTERS[self.filter_box.currentIndex()][1]

    def refresh_documents(self) -> None:
        """Re-read the whole list now (opening a project)."""
        self.runner.cancel(LIST_OWNER)
        if self.project is None:
            self._set_list([], 0)
            return
        rows = self.project.documents(self.current_filter(), low_score=self.low_score)
        self._set_list(rows, self.project.count_documents())

    def refresh_documents_later(self) -> None:
        """Re-read the whole list on a worker thread (a filter change, the end
        of a pre-annotation): 20,000 summaries take 100 ms to read and build."""
        if self.project is None:
            self._set_list([], 0)
            return
        project, flt, cut = self.project, self.current_filter(), self.low_score

        def read(ctx) -> tuple:
            with project.second_connection() as reader:
                rows = reader.documents(flt, low_score=cut)
                return rows, reader.count_documents(), document_lines(rows)

        self.runner.submit(
            LIST_OWNER,
            read,
            name="Reading the document list",
            quiet=True,
            on_result=lambda result: self._set_list(*result) if project is self.project else None,
        )

    def _set_list(self, rows: list, total: int, lines: list[str] | None = None) -> None:
        self.doc_model.set_rows(rows, lines)
        self.doc_count.setText(f"{len(rows)} of {total} documents")
        if self.doc is not None:
            self._select_in_list(self.doc.id)

    def _select_in_list(self, doc_id: int) -> None:
        """Make the list's current row the shown document, scrolled into view;
        no current row if the filter leaves the document out. A flag rather
        than blocked signals: the view must still hear of the change to
        repaint the rows."""
        row = self.doc_model.row_of(doc_id)
        sm = self.doc_list.selectionModel()
        self._syncing_list = True
        try:
            if row is None:
                sm.clear()
                return
            index = self.doc_model.index(row)
            sm.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.doc_list.scrollTo(index)
        finally:
            self._syncing_list = False

    def _on_document_chosen(self, current, previous) -> None:
        if current.isValid() and not self._syncing_list:
            self.show_document(self.doc_model.rows[current.row()].id)

    def show_document(self, doc_id: int, row: int = 0, ann_id: int | None = None) -> None:
        """Show a document with the triple ``ann_id`` selected, or if it is
        gone (a new prediction replaced it) the ``row``-th one."""
        self.doc = self.project.document(doc_id)
        self.pending_subject = None
        self.pending_label.setText("")
        self.table_model.set_rows(self.doc.annotations)
        if self.doc.annotations:
            found = self.table_model.row_of(ann_id) if ann_id is not None else None
            self.table.selectRow(
                found if found is not None else max(0, min(row, len(self.doc.annotations) - 1))
            )
        self._select_in_list(doc_id)
        self._remember_document(doc_id)
        self._show_text()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        # Scrolling a list not shown yet (a project opened at start-up) may
        # not take: do it again now that it has its size.
        super().showEvent(event)
        if self.doc is not None:
            self._select_in_list(self.doc.id)

    def _current_place(self) -> dict[str, Any]:
        """The selected triple, to select again after the document is re-read."""
        a = self.current_annotation()
        return {"row": self.table.currentIndex().row(), "ann_id": a.id if a else None}

    def _show_empty(self) -> None:
        self.doc = None
        self.table_model.set_rows([])
        self.text_view.show_text("", [])
        self.header.setText("This project has no documents yet: import a DuIE file (File menu).")

    def current_annotation(self) -> Any:
        row = self.table.currentIndex().row()
        if self.doc is None or not (0 <= row < len(self.table_model.rows)):
            return None
        return self.table_model.rows[row]

    def _show_text(self) -> None:
        if self.doc is None:
            return
        a = self.current_annotation()
        styles = span_styles(self.doc.annotations, a.id if a is not None else None)
        self.text_view.show_text(self.doc.text, styles, arcs_for(a) if a is not None else [])
        state = "reviewed" if self.doc.reviewed else "not reviewed yet"
        counts: dict[str, int] = {}
        for x in self.doc.annotations:
            counts[x.status] = counts.get(x.status, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no triples"
        self.header.setText(f"<b>Document {self.doc.position + 1}</b> — {state} — {summary}")

    # -- review ------------------------------------------------------------------------

    def move_triple(self, step: int) -> None:
        n = len(self.table_model.rows)
        if n:
            row = self.table.currentIndex().row()
            self.table.selectRow(max(0, min(n - 1, (row if row >= 0 else -step) + step)))

    def move_document(self, step: int) -> None:
        if self.doc is None or not self.doc_model.rows:
            return
        rows = self.doc_model.rows
        row = self.doc_model.row_of(self.doc.id)
        if row is None:
            # The filter left the shown document out: its neighbour in reading order.
            after = [k for k, d in enumerate(rows) if d.position > self.doc.position]
            row = (after[0] if after else len(rows)) - (1 if step < 0 else 0)
        else:
            row += step
        self.show_document(rows[max(0, min(len(rows) - 1, row))].id)

    def _after_edit(self, ann_id: int | None = None) -> None:
        """Show the open document as stored now, ``ann_id`` (or the same
        triple as before) selected, and its line in the list."""
        place = self._current_place()
        if ann_id is not None:
            place["ann_id"] = ann_id
        self.show_document(self.doc.id, **place)
        self.refresh_document_row(self.doc.id)

    def refresh_document_row(self, doc_id: int) -> None:
        """One document's line in the list, after an edit: re-reading the whole
        list takes half a second in a project of 20,000 documents. (A filter
        the document no longer matches is re-applied on the next filter change.)"""
        if self.project is None:
            return
        summaries = self.project.documents("all", doc_id=doc_id)
        if summaries:
            self.doc_model.update_row(summaries[0])

    def _set_status(self, status: str) -> None:
        a = self.current_annotation()
        if a is None:
            return
        try:
            self.project.set_status(a.id, status)
        except KeyError:
            self._replaced_meanwhile()
            return
        self.message.emit(f"{status}: {a.subject} —{a.predicate}→ {a.object}")
        # On to the next row as it was shown before: the change may move this
        # one (the table sorted by status).
        row = self.table.currentIndex().row()
        rows = self.table_model.rows
        self._after_edit(rows[row + 1].id if row + 1 < len(rows) else a.id)

    def _replaced_meanwhile(self) -> None:
        """The triple was a prediction that a running pre-annotation has just
        replaced: show the document as it is now instead of failing."""
        self.message.emit("The model has just re-annotated this document; here it is again.")
        self.show_document(self.doc.id, **self._current_place())

    def accept(self) -> None:
        self._set_status("accepted")

    def reject(self) -> None:
        self._set_status("rejected")

    def delete_added(self) -> None:
        a = self.current_annotation()
        if a is not None and a.status == "added":
            try:
                self.project.delete_annotation(a.id)
            except KeyError:
                self._replaced_meanwhile()
                return
            self._after_edit()

    def edit(self) -> None:
        a = self.current_annotation()
        if a is None:
            return
        predicates = sorted({e["predicate"] for e in self.schema})
        dialog = EditTripleDialog(a.subject, a.predicate, a.object, predicates, self)
        while dialog.exec():
            subject, predicate, obj = dialog.values()
            s_span = _locate(self.doc.text, subject, a.subject_span)
            o_span = _locate(self.doc.text, obj, a.object_span)
            if not subject or not obj or not predicate:
                dialog.error.setText("Subject, predicate and object must not be empty.")
                continue
            if s_span is None or o_span is None:
                missing = subject if s_span is None else obj
                dialog.error.setText(f"“{missing}” does not occur in the text.")
                continue
            types = self._types_for(predicate)
            try:
                self.project.update_annotation(
                    a.id,
                    subject=subject,
                    predicate=predicate,
                    object=obj,
                    subject_span=s_span,
                    object_span=o_span,
                    subject_type=types[0] or a.subject_type,
                    object_type=types[1] or a.object_type,
                )
            except KeyError:
                self._replaced_meanwhile()
                return
            self._after_edit(a.id)
            return

    def accept_rest(self) -> None:
        if self.doc is None:
            return
        self.project.accept_rest(self.doc.id)
        done = self.doc.id
        nxt = self.project.next_unreviewed(self.doc.position)
        if nxt is None:
            self.message.emit("Every document is reviewed.")
            self._after_edit()
        else:
            self.refresh_document_row(done)
            self.show_document(nxt)

    # -- adding by selection -------------------------------------------------------------

    def _on_text_selected(self, start: int, end: int) -> None:
        self.selection = (start, end)

    def take_subject(self) -> None:
        if self.doc is None or self.selection is None:
            self.message.emit("Select the subject in the text first, then press S.")
            return
        self.pending_subject = self.selection
        s, e = self.pending_subject
        self.pending_label.setText(
            f"Subject: “{self.doc.text[s:e]}” — now select the object and press O (Esc cancels)."
        )

    def take_object(self) -> None:
        if self.doc is None or self.pending_subject is None or self.selection is None:
            self.message.emit("Press S on a selected subject first, then select the object.")
            return
        from core.formats.duie import Span

        (ss, se), (os_, oe) = self.pending_subject, self.selection
        doc_id, subject, obj = self.doc.id, self.doc.text[ss:se], self.doc.text[os_:oe]
        # The picker does not block (no nested event loop): the triple is
        # added when it is accepted; ``picker`` is the dialog while it is open.
        picker = PredicatePicker(self.schema, subject, obj, parent=self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def add() -> None:
            chosen = picker.chosen
            if chosen is None or self.project is None:
                return
            added = self.project.add_annotation(
                doc_id,
                subject,
                chosen["predicate"],
                obj,
                Span(ss, se),
                Span(os_, oe),
                subject_type=chosen.get("subject_type", ""),
                object_type=chosen.get("object_type", ""),
            )
            self.pending_subject = None
            self.pending_label.setText("")
            if self.doc is not None and self.doc.id == doc_id:
                self._after_edit(added.id)

        picker.accepted.connect(add)
        picker.finished.connect(lambda _: setattr(self, "picker", None))
        self.picker = picker
        picker.open()

    def forget_pending(self) -> None:
        self.pending_subject = None
        self.pending_label.setText("")

    def _types_for(self, predicate: str) -> tuple[str, str]:
        for e in self.schema:
            if e.get("predicate") == predicate:
                return e.get("subject_type", ""), e.get("object_type", "")
        return "", ""

    # -- undo --------------------------------------------------------------------------

    def undo(self) -> None:
        self._jump_to(self.project.undo() if self.project else None, "Undone")

    def redo(self) -> None:
        self._jump_to(self.project.redo() if self.project else None, "Redone")

    def _jump_to(self, edit: Any, verb: str) -> None:
        if edit is None:
            self.message.emit(f"Nothing to {verb.lower()[:-2]}.")
            return
        self.message.emit(f"{verb}: {edit.description}")
        self.refresh_document_row(edit.doc_id)
        self.show_document(edit.doc_id, **self._current_place())

    # -- pre-annotation ----------------------------------------------------------------

    def pre_annotate(self, only_unreviewed: bool = True) -> None:
        """Run the model over the project in the background. The job stores
        each batch itself, on a connection of its own, and tells the window
        only which documents changed: the window re-reads their lines (a few
        times a second at most) and, if it is one of them, the open document."""
        if self.project is None or self.model_dir is None:
            self.message.emit("Open a project and choose a model first.")
            return
        project, models = self.project, self.models
        model_dir, batch_size, thresholds = self.model_dir, self.batch_size, self.thresholds
        total = self.project.count_documents()  # for the job's name; the job reads the ids

        def job(ctx) -> int:
            with project.second_connection() as writer:
                ids = (
                    writer.unreviewed_document_ids()
                    if only_unreviewed
                    else writer.all_document_ids()
                )
                documents = writer.texts(ids)

                def store(part: tuple[str, list]) -> None:
                    origin, batch = part
                    if ctx.cancelled:  # the project may be closing: keep what is done
                        return
                    writer.replace_predictions_many(batch, origin)
                    ctx.partial([doc_id for doc_id, _ in batch])

                inner = PartialsTo(ctx, store)
                return models.predict_documents(
                    model_dir, documents, inner, batch_size, thresholds
                )[1]

        which = "unreviewed documents" if only_unreviewed else f"{total} documents"
        self.runner.submit(
            OWNER,
            job,
            name=f"Pre-annotating {which}",
            tensorflow=True,
            on_partial=self._predictions_stored,
            on_result=lambda n: self._pre_annotation_done(project, n, cancelled=False),
            on_cancelled=lambda: self._pre_annotation_done(project, 0, cancelled=True),
        )

    def _predictions_stored(self, doc_ids: list[int]) -> None:
        self._pending.update(doc_ids)
        if not self._pending_timer.isActive():
            self._pending_timer.start()

    def _apply_pending(self) -> None:
        """Re-read the lines of the documents that got predictions, in one
        query, and the open document if it is one of them."""
        pending, self._pending = self._pending, set()
        if self.project is None or not pending:
            return
        for summary in self.project.documents("all", doc_ids=pending):
            self.doc_model.update_row(summary)
        if self.doc is not None and self.doc.id in pending:
            self.show_document(self.doc.id, **self._current_place())

    def _pre_annotation_done(self, project: Any, n: int, cancelled: bool) -> None:
        if project is not self.project:
            return
        self._pending_timer.stop()
        self._apply_pending()
        if cancelled:
            # Lines of the last batches may have been dropped with the job's signals.
            self.refresh_documents_later()
            if self.doc is not None:
                self.show_document(self.doc.id, **self._current_place())
            self.message.emit("Pre-annotation cancelled; the documents done so far are kept.")
        else:
            if self.current_filter() != "all":  # documents may have come into or left it
                self.refresh_documents_later()
            self.message.emit(f"Pre-annotated {n} documents.")

    def confirm_busy(self) -> bool:
        if not self.runner.is_busy(OWNER):
            return True
        answer = QMessageBox.question(self, "Busy", "Cancel the running pre-annotation?")
        if answer == QMessageBox.StandardButton.Yes:
            self.runner.cancel(OWNER)
            return True
        return False


def _locate(text: str, needle: str, near: Any) -> Any:
    """The occurrence of ``needle`` in ``text`` closest to the old span."""
    from core.formats.duie import Span

    if not needle:
        return None
    starts, i = [], text.find(needle)
    while i >= 0:
        starts.append(i)
        i = text.find(needle, i + 1)
    if not starts:
        return None
    anchor = near.start if near is not None else 0
    best = min(starts, key=lambda s: abs(s - anchor))
    return Span(best, best + len(needle))
