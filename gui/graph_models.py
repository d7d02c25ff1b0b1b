"""Item models over a clustering's module tree: the hierarchy (filled only
as the user expands it) and the table of top-level modules. Both read the
arrays of a ``core.graph.overview.Hierarchy``; no item objects per node."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor

from core.graph.overview import ROOT, Hierarchy
from gui.graph_view import colour_of

# Rows added to an expanded module at a time (a flat module may hold thousands of nodes).
FETCH_BATCH = 200
_DISPLAY = Qt.ItemDataRole.DisplayRole
_NO_INDEX = QModelIndex()


class ModuleTreeModel(QAbstractItemModel):
    """Modules, their sub-modules, and at the bottom their nodes. An index's
    internal id is the module it belongs to (its parent); a module's rows are
    fetched when it is expanded, a batch at a time."""

    HEADERS = ("module", "nodes", "flow")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.h: Hierarchy | None = None
        self.loaded: dict[int, int] = {}

    def set_hierarchy(self, h: Hierarchy | None) -> None:
        self.beginResetModel()
        self.h, self.loaded = h, {}
        if h is not None:  # the top level's first batch, the rest as it is scrolled to
            self.loaded[ROOT] = min(self._total(ROOT), FETCH_BATCH)
        self.endResetModel()

    # -- what an index stands for --------------------------------------------------------

    def _module(self, parent: QModelIndex) -> int:
        """The module whose rows lie under ``parent`` (-1: a node, no rows)."""
        if not parent.isValid():
            return ROOT
        return self.module_at(parent)

    def module_at(self, index: QModelIndex) -> int:
        """The module shown at ``index``, or -1 for a node row."""
        assert self.h is not None
        owner, row = index.internalId(), index.row()
        kids = self.h.children[owner]
        return int(kids[row]) if row < len(kids) else -1

    def node_at(self, index: QModelIndex) -> int:
        """The node index shown at ``index``, or -1 for a module row."""
        assert self.h is not None
        owner, row = index.internalId(), index.row()
        kids = self.h.children[owner]
        return int(self.h.leaves[owner][row - len(kids)]) if row >= len(kids) else -1

    def _total(self, module: int) -> int:
        assert self.h is not None
        return len(self.h.children[module]) + len(self.h.leaves[module])

    # -- QAbstractItemModel -------------------------------------------------------------

    def index(self, row: int, column: int, parent: QModelIndex = _NO_INDEX) -> QModelIndex:
        if self.h is None or not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, self._module(parent))

    def parent(self, index: QModelIndex = _NO_INDEX) -> QModelIndex:  # type: ignore[override]
        if self.h is None or not index.isValid():
            return QModelIndex()
        owner = index.internalId()
        if owner == ROOT:
            return QModelIndex()
        return self.createIndex(int(self.h.rank[owner]), 0, int(self.h.parent[owner]))

    def rowCount(self, parent: QModelIndex = _NO_INDEX) -> int:
        if self.h is None or (parent.isValid() and parent.column() != 0):
            return 0
        module = self._module(parent)
        return 0 if module < 0 else self.loaded.get(module, 0)

    def columnCount(self, parent: QModelIndex = _NO_INDEX) -> int:
        return len(self.HEADERS)

    def hasChildren(self, parent: QModelIndex = _NO_INDEX) -> bool:
        if self.h is None:
            return False
        module = self._module(parent)
        return module >= 0 and self._total(module) > 0

    def canFetchMore(self, parent: QModelIndex) -> bool:
        if self.h is None:
            return False
        module = self._module(parent)
        return module >= 0 and self.loaded.get(module, 0) < self._total(module)

    def fetchMore(self, parent: QModelIndex) -> None:
        module = self._module(parent)
        done = self.loaded.get(module, 0)
        more = min(self._total(module), done + FETCH_BATCH)
        if more > done:
            self.beginInsertRows(parent, done, more - 1)
            self.loaded[module] = more
            self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex, role: int = _DISPLAY) -> Any:
        if self.h is None or not index.isValid():
            return None
        h, module = self.h, self.module_at(index)
        if role == _DISPLAY:
            if module >= 0:
                values = (h.title(module), str(int(h.size[module])), f"{h.flow[module]:.4f}")
            else:
                node = self.node_at(index)
                values = (h.labels[node], "", f"{h.node_flow[node]:.4f}")
            return values[index.column()]
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0 and module >= 0:
            return QColor(*colour_of(int(h.rank[module])))
        if role == Qt.ItemDataRole.ToolTipRole and module >= 0:
            return "Double-click to open this module in the view"
        return None


class ModuleTableModel(QAbstractTableModel):
    """The top-level modules, most flow first: size, flow and main nodes."""

    HEADERS = ("module", "nodes", "flow", "top nodes")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.h: Hierarchy | None = None

    def set_hierarchy(self, h: Hierarchy | None) -> None:
        self.beginResetModel()
        self.h = h
        self.endResetModel()

    def module_at(self, row: int) -> int:
        assert self.h is not None
        return int(self.h.children[ROOT][row])

    def rowCount(self, parent: QModelIndex = _NO_INDEX) -> int:
        return 0 if self.h is None or parent.isValid() else len(self.h.children[ROOT])

    def columnCount(self, parent: QModelIndex = _NO_INDEX) -> int:
        return len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = _DISPLAY) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == _DISPLAY:
            return self.HEADERS[section]
        return None

    def data(self, index: QModelIndex, role: int = _DISPLAY) -> Any:
        if self.h is None or not index.isValid():
            return None
        h, m = self.h, self.module_at(index.row())
        if role == _DISPLAY:
            if index.column() == 0:
                return h.name(m)
            if index.column() == 1:
                return str(int(h.size[m]))
            if index.column() == 2:
                return f"{h.flow[m]:.3f}"
            return "、".join(h.labels[i] for i in h.top[m])
        if role == Qt.ItemDataRole.DecorationRole and index.column() == 0:
            return QColor(*colour_of(int(h.rank[m])))
        return None
