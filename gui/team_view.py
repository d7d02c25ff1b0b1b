"""The window's side of several people on one project: whose documents the
list shows, others' changes seen while the project is open, agreement
between two people, and their decisions side by side on one document. The
work is done by core.store.team and core.store.agreement."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

OWNERS = [("Everyone's documents", "everyone"), ("Mine", "mine"), ("Unassigned", "unassigned")]
POLL_MS = 2000


class TeamWatcher(QObject):
    """Asks a server project every two seconds which documents other people
    changed, and says so (``changed``) with their ids: the panel redraws
    those lines only. A file project has nobody else, so it is not polled."""

    changed = Signal(object)  # set of document ids
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.team: Any = None
        self.mark = 0
        self._failing = False

    def watch(self, project: Any) -> None:
        from core.store.team import Team

        self.timer.stop()
        self.team = None
        if project is None or getattr(project, "server", None) is None:
            return
        self.team = Team(project)
        self.mark = self.team.mark()
        self.timer.start()

    def poll(self) -> None:
        if self.team is None:
            return
        try:
            changes = self.team.changes_since(self.mark)
        except Exception as e:  # the server away for a moment: say it once, keep asking
            if not self._failing:
                self.failed.emit(f"Cannot reach the project's server: {e}")
            self._failing = True
            return
        self._failing = False
        self.mark = changes.mark
        if changes.doc_ids:
            self.changed.emit(set(changes.doc_ids))


def _item(value: Any) -> QTableWidgetItem:
    item = QTableWidgetItem()
    item.setData(0, "—" if value is None else value)
    return item


class AgreementTable(QTableWidget):
    """One row per pair of people (and per predicate under each pair)."""

    HEADERS = ["People", "Predicate", "Documents", "Triple F1", "Triple κ", "Proposals",
               "Link F1", "Link κ"]  # fmt: skip

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(self.HEADERS), parent)
        self.setHorizontalHeaderLabels(self.HEADERS)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)

    def show_agreement(self, result: dict[str, Any]) -> None:
        rows: list[list[Any]] = []
        for pair in result.get("pairs", []):
            people = " / ".join(pair["people"])
            t, links = pair["triples"], pair["links"]
            rows.append([people, "all", pair["documents"], t["f1"], t["kappa"], t["proposals"],
                         links["f1"], links["kappa"]])  # fmt: skip
            for predicate, m in pair["per_predicate"].items():
                rows.append(["", predicate, None, m["f1"], m["kappa"], m["proposals"], None, None])
        self.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                self.setItem(r, c, _item(value))


def _label(d: Any) -> str:
    """What the decision says the triple or link is."""
    if d is None or d.status is None:
        return ""
    if d.table == "annotations":
        s, p, o = d.value
        return f"{s} —{p}→ {o}"
    start, end, kb_id = d.value
    return f"[{start}, {end}) → {kb_id}"


def _describe(d: Any, shown: str) -> str:
    """A person's decision: its status, and what it made of the item when
    that differs from the label ``shown`` in the first column."""
    if d is None:
        return "(not decided)"
    if d.status is None:
        return "deleted"
    label = _label(d)
    return d.status if label == shown else f"{d.status}: {label}"


class CompareDialog(QDialog):
    """Two people's last decisions on one document side by side, only where
    they differ; Take A / Take B makes one of them the project's (an edit of
    whoever settles it, undoable)."""

    settled = Signal(int)  # the document's id

    def __init__(self, project: Any, doc_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from core.store.agreement import last_decisions

        self.project, self.doc_id = project, doc_id
        self.setWindowTitle(f"Compare decisions — document {doc_id}")
        self.resize(900, 420)
        layout = QVBoxLayout(self)
        names = sorted({d.author for d in last_decisions(project, [doc_id])})
        pick = QHBoxLayout()
        self.a, self.b = QComboBox(), QComboBox()
        for box, index in ((self.a, 0), (self.b, 1)):
            box.addItems(names)
            box.setCurrentIndex(min(index, len(names) - 1))
            box.currentIndexChanged.connect(lambda _: self.refresh())
        pick.addWidget(QLabel("A:"))
        pick.addWidget(self.a, 1)
        pick.addWidget(QLabel("B:"))
        pick.addWidget(self.b, 1)
        layout.addLayout(pick)
        self.summary = QLabel("")
        layout.addWidget(self.summary)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Triple or link", "A", "B", "The project now"])
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.take_a, self.take_b = QPushButton("Take A's"), QPushButton("Take B's")
        self.take_a.clicked.connect(lambda: self.take("a"))
        self.take_b.clicked.connect(lambda: self.take("b"))
        row.addWidget(self.take_a)
        row.addWidget(self.take_b)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        row.addWidget(buttons)
        layout.addLayout(row)
        self.differences: list[Any] = []
        self.refresh()

    def refresh(self) -> None:
        from core.store.agreement import differences

        a, b = self.a.currentText(), self.b.currentText()
        self.differences = (
            differences(self.project, self.doc_id, a, b) if a and b and a != b else []
        )
        self.table.setRowCount(len(self.differences))
        for r, d in enumerate(self.differences):
            shown = _label(d.a) or _label(d.b)
            kind = "triple" if d.table == "annotations" else "link"
            self.table.setItem(r, 0, QTableWidgetItem(shown or f"{kind} {d.row_id}"))
            self.table.setItem(r, 1, QTableWidgetItem(_describe(d.a, shown)))
            self.table.setItem(r, 2, QTableWidgetItem(_describe(d.b, shown)))
            self.table.setItem(r, 3, QTableWidgetItem(self._now(d, shown)))
        if a == b or not (a and b):
            self.summary.setText("Choose two different people (only those who decided here).")
        else:
            self.summary.setText(f"{len(self.differences)} differences between {a} and {b}.")
        if self.differences:
            self.table.selectRow(0)

    def _now(self, d: Any, shown: str) -> str:
        from core.store.links import Links

        try:
            if d.table == "annotations":
                a = self.project.annotation(d.row_id)
                label = f"{a.subject} —{a.predicate}→ {a.object}"
                status = a.status
            else:
                x = Links(self.project).link(d.row_id)
                label = f"[{x.start}, {x.end}) → {x.kb_id}"
                status = x.status
        except KeyError:
            return "deleted"
        return status if label == shown else f"{status}: {label}"

    def take(self, side: str) -> None:
        from core.store.agreement import settle

        row = self.table.currentRow()
        if not 0 <= row < len(self.differences):
            return
        try:
            settle(self.project, self.differences[row], side)
        except Exception as e:  # a conflict, a decision that cannot be taken: say so
            self.summary.setText(str(e))
            return
        self.settled.emit(self.doc_id)
        self.refresh()
        self.table.selectRow(row)
        self.summary.setText(f"Settled with {side.upper()}'s decision (Ctrl+Z undoes it).")
