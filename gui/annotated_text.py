"""A read-only text view that highlights subject and object spans and joins the
selected triple's subject and object with one labelled arc.

Only the selected triple gets an arc: every other span is a quiet background
colour, so the picture never turns into a tangle of arrows.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QPainter,
    QPainterPath,
    QPen,
    QTextCharFormat,
    QTextCursor,
    QTextOption,
)
from PySide6.QtWidgets import QTextEdit

SUBJECT = QColor("#cfe3ff")
OBJECT = QColor("#ffe1bf")
SUBJECT_STRONG = QColor("#5b9bff")
OBJECT_STRONG = QColor("#ff9d3b")
ARC = QColor("#444444")


@dataclass(frozen=True)
class Highlight:
    start: int  # Python character offsets into the text
    end: int
    role: str  # "subject" or "object"


def utf16_positions(text: str) -> list[int]:
    """Qt counts UTF-16 code units: characters beyond the BMP (emoji, rare CJK)
    take two. ``positions[i]`` is where Python character ``i`` starts in Qt."""
    positions = [0] * (len(text) + 1)
    for i, ch in enumerate(text):
        positions[i + 1] = positions[i] + (2 if ord(ch) > 0xFFFF else 1)
    return positions


class AnnotatedTextView(QTextEdit):
    """Emits ``text_selected(start, end)`` in Python character offsets when the
    user selects text (for adding a triple by selection)."""

    text_selected = Signal(int, int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        font = self.font()
        font.setPointSize(max(font.pointSize(), 10) + 4)
        self.setFont(font)
        # Room above the first line for the arc and its label.
        self.setViewportMargins(0, 0, 0, 0)
        self.document().setDocumentMargin(44)
        self._text = ""
        self._qpos = [0]
        self._selected: tuple[Highlight, Highlight, str] | None = None
        self.selectionChanged.connect(self._on_selection)

    def show_text(
        self,
        text: str,
        highlights: list[Highlight],
        selected: tuple[Highlight, Highlight, str] | None = None,
    ) -> None:
        if text != self._text:
            self._text = text
            self._qpos = utf16_positions(text)
            self.setPlainText(text)
            fmt = self.document().defaultTextOption()
            fmt.setWrapMode(QTextOption.WrapMode.WrapAnywhere)
            self.document().setDefaultTextOption(fmt)
            # Line spacing leaves room for arcs between lines.
            cursor = QTextCursor(self.document())
            cursor.select(QTextCursor.SelectionType.Document)
            block = cursor.blockFormat()
            block.setLineHeight(180, 1)  # proportional height, percent
            cursor.setBlockFormat(block)
        self._selected = selected
        extra = []
        for h in highlights:
            extra.append(self._selection(h, strong=False))
        if selected:
            extra.append(self._selection(selected[0], strong=True))
            extra.append(self._selection(selected[1], strong=True))
        self.setExtraSelections(extra)
        if selected:
            cursor = self._cursor(selected[0].start, selected[0].end)
            self.setTextCursor(QTextCursor(cursor.document()))
            self.ensureCursorVisible()
        self.viewport().update()

    def python_offsets(self, qt_start: int, qt_end: int) -> tuple[int, int]:
        import bisect

        start = bisect.bisect_left(self._qpos, qt_start)
        end = bisect.bisect_left(self._qpos, qt_end)
        return min(start, len(self._text)), min(end, len(self._text))

    def _cursor(self, start: int, end: int) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._qpos[min(start, len(self._text))])
        cursor.setPosition(self._qpos[min(end, len(self._text))], QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def _selection(self, h: Highlight, strong: bool) -> QTextEdit.ExtraSelection:
        sel = QTextEdit.ExtraSelection()
        sel.cursor = self._cursor(h.start, h.end)
        fmt = QTextCharFormat()
        if h.role == "subject":
            fmt.setBackground(SUBJECT_STRONG if strong else SUBJECT)
        else:
            fmt.setBackground(OBJECT_STRONG if strong else OBJECT)
        if strong:
            fmt.setForeground(QColor("white"))
            fmt.setFontWeight(QFont.Weight.Bold)
        sel.format = fmt
        return sel

    def _on_selection(self) -> None:
        cursor = self.textCursor()
        if cursor.hasSelection():
            start, end = self.python_offsets(cursor.selectionStart(), cursor.selectionEnd())
            if end > start:
                self.text_selected.emit(start, end)

    def _span_rect(self, h: Highlight) -> QRectF:
        first = self.cursorRect(self._cursor(h.start, h.start))
        last = self.cursorRect(self._cursor(h.end, h.end))
        if abs(first.top() - last.top()) > 2:  # the span wraps: use its first line
            return QRectF(first).adjusted(0, 0, 12, 0)
        return QRectF(first.topLeft(), last.bottomRight())

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        if not self._selected:
            return
        subject, obj, predicate = self._selected
        a, b = self._span_rect(subject), self._span_rect(obj)
        p1 = QPointF(a.center().x(), a.top() - 1)
        p2 = QPointF(b.center().x(), b.top() - 1)
        lift = 18 + min(40.0, abs(p2.x() - p1.x()) * 0.08)
        top = min(p1.y(), p2.y()) - lift
        ctrl = QPointF((p1.x() + p2.x()) / 2, top)
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(ARC, 1.8)
        painter.setPen(pen)
        path = QPainterPath(p1)
        path.quadTo(ctrl, p2)
        painter.drawPath(path)
        # arrow head at the object end
        tangent = p2 - path.pointAtPercent(0.95)
        length = max(1e-6, (tangent.x() ** 2 + tangent.y() ** 2) ** 0.5)
        ux, uy = tangent.x() / length, tangent.y() / length
        left = QPointF(p2.x() - 8 * ux + 4 * uy, p2.y() - 8 * uy - 4 * ux)
        right = QPointF(p2.x() - 8 * ux - 4 * uy, p2.y() - 8 * uy + 4 * ux)
        painter.setBrush(ARC)
        painter.drawPolygon([p2, left, right])
        # label at the top of the arc
        label_at = path.pointAtPercent(0.5)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        w = metrics.horizontalAdvance(predicate) + 10
        h = metrics.height() + 2
        top_y = max(label_at.y() - h / 2, 1.0)  # never above the viewport
        left_x = min(max(label_at.x() - w / 2, 1.0), self.viewport().width() - w - 1)
        box = QRectF(left_x, top_y, w, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#fffbe6"))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QPen(ARC))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, predicate)
        painter.end()
