"""Small dialogs of the Triples panel: choosing a predicate, editing a triple,
the list of shortcuts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)


class PredicatePicker(QDialog):
    """Type to filter, arrows to move, Enter to choose. Predicates whose schema
    types fit the subject and object come first."""

    def __init__(
        self,
        schema: list[dict[str, str]],
        subject: str,
        obj: str,
        subject_type: str = "",
        object_type: str = "",
        current: str = "",
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose the predicate")
        self.chosen: dict[str, str] | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{subject}</b> &nbsp;—?→&nbsp; <b>{obj}</b>"))
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("type to filter: predicate or type")
        layout.addWidget(self.filter)
        self.list = QListWidget()
        layout.addWidget(self.list)

        def fit(entry: dict[str, str]) -> int:
            return (entry.get("subject_type") == subject_type) + (
                entry.get("object_type") == object_type
            )

        seen = set()
        self.entries = []
        for e in sorted(schema, key=lambda e: -fit(e)):
            key = (e.get("subject_type"), e.get("predicate"), e.get("object_type"))
            if key not in seen:
                seen.add(key)
                self.entries.append(e)
        for e in self.entries:
            item = QListWidgetItem(
                f"{e['predicate']}    ({e.get('subject_type', '')} → {e.get('object_type', '')})"
            )
            item.setData(Qt.ItemDataRole.UserRole, e)
            self.list.addItem(item)
            if e["predicate"] == current and self.list.currentRow() < 0:
                self.list.setCurrentItem(item)
        if self.list.currentRow() < 0 and self.list.count():
            self.list.setCurrentRow(0)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.filter.textChanged.connect(self._filter)
        self.filter.returnPressed.connect(self._accept)
        self.list.itemDoubleClicked.connect(lambda _: self._accept())
        self.filter.installEventFilter(self)
        self.resize(420, 460)

    def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
        # Up / Down in the filter box move through the list.
        if obj is self.filter and event.type() == event.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                step = 1 if event.key() == Qt.Key.Key_Down else -1
                row = self.list.currentRow()
                for _ in range(self.list.count()):
                    row = (row + step) % self.list.count()
                    if not self.list.item(row).isHidden():
                        self.list.setCurrentRow(row)
                        break
                return True
        return super().eventFilter(obj, event)

    def _filter(self, text: str) -> None:
        text = text.strip().lower()
        first_visible = None
        for i in range(self.list.count()):
            item = self.list.item(i)
            hidden = bool(text) and text not in item.text().lower()
            item.setHidden(hidden)
            if not hidden and first_visible is None:
                first_visible = i
        if first_visible is not None:
            self.list.setCurrentRow(first_visible)

    def _accept(self) -> None:
        item = self.list.currentItem()
        if item is None or item.isHidden():
            return
        self.chosen = item.data(Qt.ItemDataRole.UserRole)
        self.accept()


class EditTripleDialog(QDialog):
    """Edit the strings of a triple; the panel re-locates the spans."""

    def __init__(self, subject: str, predicate: str, obj: str, predicates: list[str], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Edit triple")
        form = QFormLayout(self)
        self.subject = QLineEdit(subject)
        self.predicate = QLineEdit(predicate)
        from PySide6.QtWidgets import QCompleter

        completer = QCompleter(predicates, self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.predicate.setCompleter(completer)
        self.object = QLineEdit(obj)
        form.addRow("Subject", self.subject)
        form.addRow("Predicate", self.predicate)
        form.addRow("Object", self.object)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b00020")
        form.addRow(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[str, str, str]:
        return (
            self.subject.text().strip(),
            self.predicate.text().strip(),
            self.object.text().strip(),
        )


class ShortcutsDialog(QDialog):
    def __init__(self, shortcuts: list[tuple[str, str]], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        table = QTableWidget(len(shortcuts), 2)
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        for row, (keys, action) in enumerate(shortcuts):
            table.setItem(row, 0, QTableWidgetItem(keys))
            table.setItem(row, 1, QTableWidgetItem(action))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(460, 420)
