"""Item models of the Linking panel: the document list, the mentions of one
document, a mention's candidates, knowledge-base search results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QStringListModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from gui.linking_text import colours

_ROOT = QModelIndex()
STATUS_MARKS = {"predicted": "·", "accepted": "✓", "edited": "✎", "added": "+", "rejected": "✗"}


class RowsModel(QAbstractTableModel):
    """A read-only table of Python objects; ``cell(row, column)`` gives the text."""

    def __init__(self, columns: tuple[str, ...], cell: Callable[[Any, int], str], parent=None):
        super().__init__(parent)
        self.columns = columns
        self.cell = cell
        self.rows: list[Any] = []
        self.right_aligned: set[int] = set()

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = _ROOT) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(row, index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.right_aligned:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return self.extra(row, index.column(), role)

    def extra(self, row: Any, column: int, role: int) -> Any:
        return None


class MentionTableModel(RowsModel):
    """Rows are core.store.links Link objects; ``entity_name(id)`` names an entity."""

    def __init__(self, entity_name: Callable[[str], str], parent=None) -> None:
        super().__init__(
            ("Mention", "At", "Entity", "Status", "Link p", "Mention p"), self._cell, parent
        )
        self.entity_name = entity_name
        self.right_aligned = {1, 4, 5}

    def _cell(self, link: Any, column: int) -> str:
        if column == 0:
            return link.mention
        if column == 1:
            return str(link.start)
        if column == 2:
            return "NIL" if link.is_nil else self.entity_name(link.kb_id)
        if column == 3:
            return f"{STATUS_MARKS.get(link.status, '')} {link.status}"
        score = link.score if column == 4 else link.mention_score
        return "" if score is None else f"{score:.2f}"

    def extra(self, link: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(colours(link.status, link.is_nil)[0]))
        if role == Qt.ItemDataRole.ForegroundRole and link.status == "rejected":
            return QBrush(QColor("#8a8a8a"))
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == 4:
                return (
                    "probability that the mention names the linked entity (NIL: the best candidate)"
                )
            if column == 5:
                return "probability that the span is a mention at all"
            return f"{link.mention} [{link.start}, {link.end}) — {link.origin}"
        return None


class CandidateTableModel(RowsModel):
    """Rows are core.review.links CandidateRow objects; the entity the mention
    is linked to is bold and ticked."""

    def __init__(self, parent=None) -> None:
        super().__init__(
            ("Key", "Entity", "Type", "Score", "ID", "Description"), self._cell, parent
        )
        self.chosen = ""
        self.right_aligned = {3}

    def _cell(self, row: Any, column: int) -> str:
        entity = row.entity
        if column == 0:
            mark = "✓ " if row.entity_id == self.chosen else ""
            return f"{mark}{row.key}" if row.key <= 9 else mark
        if column == 1:
            return entity.name if entity else "(not in this KB)"
        if column == 2:
            return "、".join(entity.types) if entity else ""
        if column == 3:
            return "" if row.score is None else f"{row.score:.2f}"
        if column == 4:
            return row.entity_id
        return entity.description(120) if entity else ""

    def extra(self, row: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.FontRole and row.entity_id == self.chosen:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and row.entity is not None:
            return row.entity.description(400)
        return None


class EntityTableModel(RowsModel):
    """Rows are core.linking.kb Entity objects (search results)."""

    def __init__(self, parent=None) -> None:
        super().__init__(("Name", "Type", "ID"), self._cell, parent)

    @staticmethod
    def _cell(entity: Any, column: int) -> str:
        if column == 0:
            return entity.name
        if column == 1:
            return "、".join(entity.types)
        return entity.id

    def extra(self, entity: Any, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ToolTipRole and entity.aliases:
            return "aliases: " + "、".join(entity.aliases)
        return None


class LinkDocumentListModel(QStringListModel):
    """Rows are core.store.links LinkSummary objects. A QStringListModel
    underneath, so the row count is answered in C++ (long lists stay fast)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[Any] = []
        self._row_of: dict[int, int] = {}

    def set_rows(self, rows: list[Any]) -> None:
        self.rows = list(rows)
        self._row_of = {r.id: i for i, r in enumerate(self.rows)}
        self.setStringList([document_line(r) for r in self.rows])

    def update_row(self, summary: Any) -> None:
        row = self._row_of.get(summary.id)
        if row is not None:
            self.rows[row] = summary
            self.setData(self.index(row), document_line(summary))

    def row_of(self, doc_id: int) -> int | None:
        return self._row_of.get(doc_id)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            return super().data(index, role)
        if not index.isValid() or role == Qt.ItemDataRole.EditRole:
            return None
        d = self.rows[index.row()]
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor("#888888" if d.reviewed else "#000000"))
        if role == Qt.ItemDataRole.ToolTipRole:
            by = f"linked by {d.linked_by}" if d.linked_by else "not linked yet"
            return (
                f"{d.n_links} mentions, {d.n_predicted} to review, {d.n_nil} NIL, "
                f"{d.n_rejected} rejected; {by}"
            )
        return None


def document_line(d: Any) -> str:
    mark = "✓" if d.reviewed else ("•" if d.linked_by else "○")
    nil = f", {d.n_nil} NIL" if d.n_nil else ""
    return f"{mark} {d.position + 1:>4}  {d.preview}  ({d.n_links}{nil})"
