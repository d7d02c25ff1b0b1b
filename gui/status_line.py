"""A line of text that changes often without re-laying the window out.

Setting a label's text asks its parents to lay themselves out again, and a
layout request that reaches a QTabWidget repaints the whole tab: changing a
document's header line would repaint every widget of the panel. Here the
label has a fixed size, kept to this widget's (whose own size never depends
on the text), so a new text repaints the line and nothing else.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class StatusLine(QWidget):
    def __init__(self, text: str = "", lines: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(text, self)
        self.label.setWordWrap(lines > 1)
        self.label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        # Bold rich text is a little taller than the plain font.
        self.setFixedHeight(lines * (self.label.fontMetrics().lineSpacing() + 2) + 4)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.label.setFixedSize(self.size())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.label.setFixedSize(event.size())

    def setText(self, text: str) -> None:  # noqa: N802 (as QLabel's)
        self.label.setText(text)
        self.label.setToolTip(self.label.text() if len(text) > 60 else "")

    def text(self) -> str:
        return self.label.text()
