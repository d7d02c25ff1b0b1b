"""The knowledge base beside the Linking panel's candidates: a search by name,
alias or id, the entities found, and what the knowledge base says about the
one selected."""

from __future__ import annotations

import html
from itertools import islice
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from core.runtime.jobs import JobContext
from gui.jobs import JobRunner
from gui.linking_models import EntityTableModel

SEARCH_OWNER = "linking-search"  # searching the knowledge base
SEARCH_LIMIT = 200
SEARCH_DELAY_MS = 150  # typing pauses this long before a search starts


def entity_html(entity: Any, score: float | None = None) -> str:
    """What the knowledge base says about an entity: its names and types, its
    summary, then its other facts."""
    e = html.escape
    head = f"<b>{e(entity.name)}</b> &nbsp;<span style='color:#666'>{e(entity.id)}"
    if entity.types:
        head += " · " + e("、".join(entity.types))
    if score is not None:
        head += f" · score {score:.2f}"
    parts = [head + "</span>"]
    if entity.aliases:
        parts.append("<i>aliases:</i> " + e("、".join(entity.aliases)))
    parts += [e(text) for text in entity.summary()]
    others = [f"<i>{e(p)}</i>：{e(o)}" for p, o in entity.other_facts()[:12]]
    if others:
        parts.append("；".join(others))
    return "<br>".join(parts)


def readable_table(model: Any, stretch_last: bool = True) -> QTableView:
    """A read-only table of whole rows, one selected at a time, each column
    as wide as what it shows."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(stretch_last)
    return view


class KbBrowser(QWidget):
    link_requested = Signal()  # "link the selected mention to the entity selected here"

    def __init__(self, runner: JobRunner, parent=None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.kb: Any = None
        self._results_query: str | None = None  # the search the entity list answers
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Knowledge base</b>"))
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("search by name, alias or id (Ctrl+F)")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(lambda _: self._timer.start())
        self.search_box.returnPressed.connect(self.search_now)
        row.addWidget(self.search_box, 1)
        use = QPushButton("Link mention to it (L)")
        use.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        use.clicked.connect(self.link_requested)
        row.addWidget(use)
        layout.addLayout(row)
        self.model = EntityTableModel(self)
        self.table = readable_table(self.model)
        header = self.table.horizontalHeader()
        for column, width in ((0, 150), (1, 130)):  # long names and type lists elide: the id shows
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._describe())
        self.table.doubleClicked.connect(lambda _: self.link_requested.emit())
        layout.addWidget(self.table, 3)
        self.description = QTextBrowser()
        layout.addWidget(self.description, 2)

    def set_kb(self, kb: Any) -> None:
        self.kb = kb
        self.search()

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def search_now(self) -> None:
        self._timer.stop()
        self.search()
        self.table.setFocus()

    def search(self) -> None:
        """Entities whose name or alias contains the search text, or with that
        id; the first entities of the KB when it is empty. On a worker thread:
        a substring search of a large KB takes a while."""
        kb, query = self.kb, self.search_box.text().strip()
        if kb is None:
            return

        def job(ctx: JobContext) -> list:
            if not query:
                return list(islice(kb.entities.values(), SEARCH_LIMIT))
            return kb.search(query, limit=SEARCH_LIMIT)

        self.runner.submit(
            SEARCH_OWNER,
            job,
            quiet=True,
            on_result=lambda rows: self._show_results(rows, query) if kb is self.kb else None,
        )

    def _show_results(self, rows: list, query: str) -> None:
        self._results_query = query
        self.model.set_rows(rows)
        if rows:
            self.table.selectRow(0)
        else:
            self.description.setHtml("<i>nothing found</i>")

    def answers_the_box(self) -> bool:
        """Whether the list shows the results of the search now in the box
        (not while it was just typed in or filled)."""
        return self.search_box.text().strip() == self._results_query

    def selected_entity(self) -> Any:
        row = self.table.currentIndex().row()
        return self.model.rows[row] if 0 <= row < len(self.model.rows) else None

    def _describe(self) -> None:
        row = self.table.currentIndex().row()
        if 0 <= row < len(self.model.rows):
            self.description.setHtml(entity_html(self.model.rows[row]))
