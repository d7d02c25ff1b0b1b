"""A read-only text view that highlights subject and object spans and joins the
selected triple's subject and object with labelled arcs.

Only the selected triple gets arcs (one per place it was found): every other
span is a quiet background colour, so the picture never turns into a tangle of
arrows. What each span looks like is decided in :mod:`gui.triple_looks`; this
view only turns those decisions into formats and pens.
"""

from __future__ import annotations

from collections.abc import Sequence

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

from gui.triple_looks import ArcSpec, SpanStyle

# Per role: (pale: tentative, light: confirmed, medium: the selected triple's
# other places, strong: its primary place).
ROLE_COLOURS = {
    "subject": ("#e9f2ff", "#c4dcff", "#9fc3ff", "#4a8cf7"),
    "object": ("#fff3e4", "#ffd9ad", "#ffc07d", "#f08a1c"),
}
REJECTED = QColor("#8a8a8a")
# (other places, primary place) backgrounds of a selected rejected triple:
# light, so that the dark strike-out line stays visible.
REJECTED_MARK = ("#ececec", "#d2d2d2")
ARC = QColor("#444444")
ARC_OTHER = QColor("#9a9a9a")  # arcs of the other places
ARC_REJECTED = QColor("#8a8a8a")
ARC_PENS = {
    "confirmed": Qt.PenStyle.SolidLine,
    "tentative": Qt.PenStyle.DashLine,
    "rejected": Qt.PenStyle.DotLine,
}


def span_format(style: SpanStyle) -> QTextCharFormat:
    """The character format of one span: background by role and mark, the
    underline says confirmed (solid) or tentative (dashed), rejected is grey
    and struck through."""
    fmt = QTextCharFormat()
    pale, light, medium, strong = ROLE_COLOURS.get(style.role, ROLE_COLOURS["subject"])
    rejected = style.look == "rejected"
    if style.mark:
        # Set every property: a mark is drawn over other spans and must not
        # inherit their strike-out or underline.
        primary = style.mark == "primary"
        if rejected:
            fmt.setBackground(QColor(REJECTED_MARK[1 if primary else 0]))
            fmt.setForeground(QColor("#444444") if primary else QColor("#6a6a6a"))
        else:
            fmt.setBackground(QColor(strong if primary else medium))
            fmt.setForeground(QColor("white") if primary else QColor("#1a1a1a"))
        fmt.setFontWeight(QFont.Weight.Bold)
        fmt.setFontStrikeOut(rejected)
    elif rejected:
        fmt.setForeground(REJECTED)
        fmt.setFontStrikeOut(True)
    else:
        fmt.setBackground(QColor(light if style.look == "confirmed" else pale))
    if rejected:
        fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.NoUnderline)
    else:
        dashed = style.look == "tentative"
        fmt.setUnderlineStyle(
            QTextCharFormat.UnderlineStyle.DashUnderline
            if dashed
            else QTextCharFormat.UnderlineStyle.SingleUnderline
        )
        fmt.setUnderlineColor(QColor("white") if style.mark == "primary" else QColor(strong))
    return fmt


def legend_html() -> str:
    """One line naming the looks of the text, in the text's own colours."""
    light, pale = ROLE_COLOURS["subject"][1], ROLE_COLOURS["subject"][0]
    obj = ROLE_COLOURS["object"][1]
    chip = '<span style="background:{}; color:#222">&nbsp;{}&nbsp;</span>'
    return "&nbsp; ".join(
        [
            chip.format(light, "subject"),
            chip.format(obj, "object"),
            chip.format(light, "<u>accepted · edited · added</u>"),
            chip.format(pale, "predicted (dashed)"),
            '<span style="color:#8a8a8a; text-decoration:line-through">rejected</span>',
        ]
    )


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
        self._arcs: list[ArcSpec] = []
        self.selectionChanged.connect(self._on_selection)

    def show_text(self, text: str, highlights: Sequence, arcs: Sequence[ArcSpec] = ()) -> None:
        """``highlights`` are drawn in order, each over the ones before it."""
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
        self._arcs = list(arcs)
        self.setExtraSelections([self._selection(h, strong=False) for h in highlights])
        primary = next((a for a in self._arcs if a.primary), None)
        if primary is not None:
            self.setTextCursor(self._cursor(primary.subject[0], primary.subject[0]))
            self.ensureCursorVisible()
        self.viewport().update()

    @property
    def arcs(self) -> list[ArcSpec]:
        """The arcs drawn now: one per place of the selected triple."""
        return list(self._arcs)

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

    def _selection(self, h: SpanStyle, strong: bool) -> QTextEdit.ExtraSelection:
        sel = QTextEdit.ExtraSelection()
        sel.cursor = self._cursor(h.start, h.end)
        sel.format = span_format(h)
        return sel

    def _on_selection(self) -> None:
        cursor = self.textCursor()
        if cursor.hasSelection():
            start, end = self.python_offsets(cursor.selectionStart(), cursor.selectionEnd())
            if end > start:
                self.text_selected.emit(start, end)

    def _span_rect(self, start: int, end: int) -> QRectF:
        first = self.cursorRect(self._cursor(start, start))
        last = self.cursorRect(self._cursor(end, end))
        if abs(first.top() - last.top()) > 2:  # the span wraps: use its first line
            return QRectF(first).adjusted(0, 0, 12, 0)
        return QRectF(first.topLeft(), last.bottomRight())

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        if not self._arcs:
            return
        painter = QPainter(self.viewport())
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        # The other places first, so the primary arc and its label stay on top.
        for arc in sorted(self._arcs, key=lambda a: a.primary):
            self._draw_arc(painter, arc)
        painter.end()

    def _arc_ends(self, arc: ArcSpec) -> tuple[QPointF, QPointF, QPointF]:
        """(start, control point, end) of the arc. On one line it bows above
        the text; between lines it runs from the upper span's foot to the
        lower span's head, through the gap the line spacing leaves."""
        a, b = self._span_rect(*arc.subject), self._span_rect(*arc.object)
        if abs(a.top() - b.top()) <= 2:
            p1 = QPointF(a.center().x(), a.top() - 1)
            p2 = QPointF(b.center().x(), b.top() - 1)
            lift = 18 + min(40.0, abs(p2.x() - p1.x()) * 0.08)
            return p1, QPointF((p1.x() + p2.x()) / 2, min(p1.y(), p2.y()) - lift), p2
        down = a.top() < b.top()
        p1 = QPointF(a.center().x(), a.bottom() + 1 if down else a.top() - 1)
        p2 = QPointF(b.center().x(), b.top() - 1 if down else b.bottom() + 1)
        return p1, (p1 + p2) / 2, p2

    def _draw_arc(self, painter: QPainter, arc: ArcSpec) -> None:
        p1, ctrl, p2 = self._arc_ends(arc)
        rejected = arc.look == "rejected"
        colour = ARC_REJECTED if rejected else (ARC if arc.primary else ARC_OTHER)
        pen = QPen(colour, 1.8 if arc.primary else 1.2)
        pen.setStyle(ARC_PENS.get(arc.look, Qt.PenStyle.SolidLine))
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        path = QPainterPath(p1)
        path.quadTo(ctrl, p2)
        painter.drawPath(path)
        # arrow head at the object end
        tangent = p2 - path.pointAtPercent(0.95)
        length = max(1e-6, (tangent.x() ** 2 + tangent.y() ** 2) ** 0.5)
        ux, uy = tangent.x() / length, tangent.y() / length
        left = QPointF(p2.x() - 8 * ux + 4 * uy, p2.y() - 8 * uy - 4 * ux)
        right = QPointF(p2.x() - 8 * ux - 4 * uy, p2.y() - 8 * uy + 4 * ux)
        painter.setPen(QPen(colour, 1.0))
        painter.setBrush(colour)
        painter.drawPolygon([p2, left, right])
        if not arc.label:
            return
        # label at the top of the arc
        label_at = path.pointAtPercent(0.5)
        font = self.font()
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        w = metrics.horizontalAdvance(arc.label) + 10
        h = metrics.height() + 2
        top_y = max(label_at.y() - h / 2, 1.0)  # never above the viewport
        left_x = min(max(label_at.x() - w / 2, 1.0), self.viewport().width() - w - 1)
        box = QRectF(left_x, top_y, w, h)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#f2f2f2") if rejected else QColor("#fffbe6"))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QPen(colour, 1.5))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, arc.label)
        if rejected:  # struck through like its spans (a font's strike-out is too thin)
            mid = box.center().y()
            painter.drawLine(QPointF(box.left() + 3, mid), QPointF(box.right() - 3, mid))
