"""Table models for the document list and the triples of one document."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

_ROOT = QModelIndex()

STATUS_COLOURS = {
    "predicted": QColor("#f2f2f2"),
    "accepted": QColor("#d8f5d0"),
    "edited": QColor("#d6ecff"),
    "added": QColor("#e6dcff"),
    "rejected": QColor("#ffd9d9"),
}
STATUS_MARKS = {
    "predicted": "·",
    "accepted": "✓",
    "edited": "✎",
    "added": "+",
    "rejected": "✗",
}


class TripleTableModel(QAbstractTableModel):
    COLUMNS = ("Subject", "Predicate", "Object", "Score", "Status", "Origin")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []  # core.store Annotation objects

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        a = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return a.subject
            if col == 1:
                return a.predicate
            if col == 2:
                return a.object
            if col == 3:
                return "" if a.score is None else f"{a.score:.2f}"
            if col == 4:
                return f"{STATUS_MARKS.get(a.status, '')} {a.status}"
            if col == 5:
                return a.origin
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(STATUS_COLOURS.get(a.status, QColor("white")))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{a.subject_type} {a.subject} —{a.predicate}→ {a.object_type} {a.object}"
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class DocumentListModel(QAbstractListModel):
    """Rows are core.store DocumentSummary objects."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def update_row(self, summary) -> None:
        row = self.row_of(summary.id)
        if row is not None:
            self.rows[row] = summary
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def row_of(self, doc_id: int) -> int | None:
        for i, r in enumerate(self.rows):
            if r.id == doc_id:
                return i
        return None

    def rowCount(self, parent: QModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        d = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            mark = "✓" if d.reviewed else ("✗" if d.n_rejected else "•")
            return f"{mark} {d.position + 1:>4}  {d.preview}  ({d.n_annotations})"
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor("#888888") if d.reviewed else QColor("#000000"))
        if role == Qt.ItemDataRole.ToolTipRole:
            score = "—" if d.min_score is None else f"{d.min_score:.2f}"
            return (
                f"{d.n_annotations} triples, {d.n_predicted} to review, "
                f"{d.n_rejected} rejected, lowest score {score}"
            )
        return None
