"""Table models for the document list and the triples of one document."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QStringListModel, Qt
from PySide6.QtGui import QBrush, QColor

from gui.triple_looks import places, position_key, position_label

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


def _sort_key(column: int):
    """The key of a column; ties keep reading order."""

    def key(a: Any) -> tuple:
        if column == TripleTableModel.POSITION:
            return position_key(a)
        values = {
            1: a.subject,
            2: a.predicate,
            3: a.object,
            4: (a.score is None, a.score or 0.0),  # unscored last
            5: a.status,
            6: a.origin,
        }
        return (values.get(column, ""), position_key(a))

    return key


class TripleTableModel(QAbstractTableModel):
    """One row per triple, however many places of the text it was found at.

    Sorting reorders ``rows`` itself (no proxy model), so a view row is always
    ``rows[row]``; the order chosen survives :meth:`set_rows`."""

    COLUMNS = ("Position", "Subject", "Predicate", "Object", "Score", "Status", "Origin")
    POSITION = 0

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []  # core.store Annotation objects
        self._sort: tuple[int, Qt.SortOrder] | None = None

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        if self._sort is not None:
            self._sort_rows(*self._sort)
        self.endResetModel()

    def update_rows(self, rows: list[Any]) -> None:
        """The same triples, some with new values (a decision on one): only
        the rows that changed are redrawn, moved if the order says so. Any
        other change resets the table."""
        by_id = {a.id: a for a in rows}
        if len(by_id) != len(self.rows) or any(a.id not in by_id for a in self.rows):
            self.set_rows(rows)
            return
        changed = [k for k, a in enumerate(self.rows) if by_id[a.id] != a]
        if not changed:
            return
        self.rows = [by_id[a.id] for a in self.rows]
        if self._sort is not None:
            column, order = self._sort
            key = _sort_key(column)
            keys = [key(a) for a in self.rows]
            wanted = sorted(keys, reverse=order == Qt.SortOrder.DescendingOrder)
            if keys != wanted:
                self.sort(column, order)
                return
        last = len(self.COLUMNS) - 1
        self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), last))

    def row_of(self, ann_id: int) -> int | None:
        return next((i for i, a in enumerate(self.rows) if a.id == ann_id), None)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.COLUMNS):
            return
        self._sort = (column, order)
        self.layoutAboutToBeChanged.emit()
        # Keep the view's current row and selection on the same triples.
        before = self.persistentIndexList()
        ids = [(self.rows[i.row()].id, i.column()) for i in before]
        self._sort_rows(column, order)
        row = {a.id: k for k, a in enumerate(self.rows)}
        self.changePersistentIndexList(before, [self.index(row[i], c) for i, c in ids])
        self.layoutChanged.emit()

    def _sort_rows(self, column: int, order: Qt.SortOrder) -> None:
        descending = order == Qt.SortOrder.DescendingOrder
        self.rows.sort(key=_sort_key(column), reverse=descending)

    def rowCount(self, parent: QModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole and section == self.POSITION:
            return "Characters the triple covers (from 1); ×n: found at n places"
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        a = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return position_label(a)
            if col == 1:
                return a.subject
            if col == 2:
                return a.predicate
            if col == 3:
                return a.object
            if col == 4:
                return "" if a.score is None else f"{a.score:.2f}"
            if col == 5:
                return f"{STATUS_MARKS.get(a.status, '')} {a.status}"
            if col == 6:
                return a.origin
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(STATUS_COLOURS.get(a.status, QColor("white")))
        if role == Qt.ItemDataRole.ToolTipRole:
            line = f"{a.subject_type} {a.subject} —{a.predicate}→ {a.object_type} {a.object}"
            n = len(places(a))
            return f"{line}\nfound at {n} places of the text" if n > 1 else line
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 4):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class DocumentListModel(QStringListModel):
    """Rows are core.store DocumentSummary objects.

    A QStringListModel underneath, so that the row count is answered in C++:
    QListView asks for it once per row whenever it lays the list out (after
    any dataChanged), which from Python costs 50 ms in a list of 20,000."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []
        self._row_of: dict[int, int] = {}

    def set_rows(self, rows: list[Any], lines: list[str] | None = None) -> None:
        """``lines``: :func:`document_lines` of ``rows``, if a worker made them."""
        self.rows = list(rows)
        self._row_of = {r.id: i for i, r in enumerate(self.rows)}
        self.setStringList(document_lines(self.rows) if lines is None else lines)

    def update_row(self, summary) -> None:
        """One document's line changed (an edit, a batch of predictions)."""
        row = self._row_of.get(summary.id)
        if row is not None:
            self.rows[row] = summary
            self.setData(self.index(row), _line(summary))  # dataChanged for that row

    def row_of(self, doc_id: int) -> int | None:
        return self._row_of.get(doc_id)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            return super().data(index, role)
        if not index.isValid() or role == Qt.ItemDataRole.EditRole:
            return None
        d = self.rows[index.row()]
        if role == Qt.ItemDataRole.ForegroundRole:
            return _GREY if d.reviewed else _BLACK
        if role == Qt.ItemDataRole.ToolTipRole:
            score = "—" if d.min_score is None else f"{d.min_score:.2f}"
            return (
                f"{d.n_annotations} triples, {d.n_predicted} to review, "
                f"{d.n_rejected} rejected, lowest score {score}"
            )
        return None


_GREY, _BLACK = QBrush(QColor("#888888")), QBrush(QColor("#000000"))


def document_lines(rows: list[Any]) -> list[str]:
    """The list's line for each DocumentSummary (plain strings: a worker
    thread can make them)."""
    return [_line(d) for d in rows]


def _line(d: Any) -> str:
    mark = "✓" if d.reviewed else ("✗" if d.n_rejected else "•")
    return f"{mark} {d.position + 1:>4}  {d.preview}  ({d.n_annotations})"
