"""The document list on the left of a review panel: a filter, one line per
document, how many are listed. Its current row is always the document the
panel shows, however the panel got there."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, Signal
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QLabel, QListView, QVBoxLayout, QWidget


class DocumentList(QWidget):
    """``model`` holds the rows (summaries with ``id`` and ``position``) and
    makes their lines: ``set_rows``, ``update_row``, ``row_of`` and ``rows``."""

    chosen = Signal(int)  # the id of a document the person picked in the list
    filter_changed = Signal(str)

    def __init__(self, filters: list[tuple[str, str]], model: Any, parent=None) -> None:
        super().__init__(parent)
        self.filters = filters
        self.model = model
        self._syncing = False  # the list follows a document shown some other way
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.filter_box = QComboBox()
        for label, _ in filters:
            self.filter_box.addItem(label)
        self.filter_box.currentIndexChanged.connect(
            lambda _: self.filter_changed.emit(self.current_filter())
        )
        layout.addWidget(self.filter_box)
        self.view = QListView()
        self.view.setModel(model)
        self.view.setUniformItemSizes(True)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.selectionModel().currentChanged.connect(self._on_current)
        layout.addWidget(self.view)
        self.count = QLabel("")
        layout.addWidget(self.count)

    @property
    def rows(self) -> list[Any]:
        return self.model.rows

    def current_filter(self) -> str:
        return self.filters[self.filter_box.currentIndex()][1]

    def set_rows(self, rows: list[Any], total: int, *lines: Any) -> None:
        self.model.set_rows(rows, *lines)
        self.count.setText(f"{len(rows)} of {total} documents")

    def clear(self) -> None:
        self.model.set_rows([])
        self.count.setText("")

    def update_row(self, summary: Any) -> None:
        """A document's line changed: only that line is repainted. The model
        changes quietly, because a QListView lays every row out again after
        any change a model announces (milliseconds in a long list)."""
        self.model.blockSignals(True)
        try:
            self.model.update_row(summary)
        finally:
            self.model.blockSignals(False)
        row = self.model.row_of(summary.id)
        if row is not None:
            self.view.update(self.model.index(row))

    def row_of(self, doc_id: int) -> int | None:
        return self.model.row_of(doc_id)

    def select(self, doc_id: int) -> None:
        """Make ``doc_id`` the current row, in view; no current row if the
        filter leaves it out. A row out of view comes to the middle, so the
        next moves need no scrolling (a scroll repaints the whole list). A flag
        rather than blocked signals: the view must still hear of the change to
        repaint the rows."""
        row = self.model.row_of(doc_id)
        selection = self.view.selectionModel()
        self._syncing = True
        try:
            if row is None:
                selection.clear()
                return
            index = self.model.index(row)
            line = self.view.visualRect(index)  # wider than the view when the text is long
            seen = line.top() >= 0 and line.bottom() <= self.view.viewport().height()
            selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            if not seen:
                self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        finally:
            self._syncing = False

    def _on_current(self, current, previous) -> None:
        if current.isValid() and not self._syncing:
            self.chosen.emit(self.model.rows[current.row()].id)
