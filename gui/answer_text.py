"""A passage with the answers of several answerers highlighted, one colour
per answerer.

Each answer's characters get the answerer's light colour (where answers
overlap, the colours mixed) and, below the line, a bar in the answerer's
strong colour, one row of bars per answerer: three answerers agreeing on a
span show three bars under it, so no answer hides another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QFont, QPainter, QTextCharFormat
from PySide6.QtWidgets import QTextEdit

from gui.annotated_text import AnnotatedTextView

# (strong, light) per answerer, in the order of the tab's list.
ANSWERER_COLOURS = [
    ("#2f6fd6", "#d3e3ff"),
    ("#e07b00", "#ffe2bf"),
    ("#23893d", "#cdeed2"),
    ("#8e44c9", "#ead9fb"),
    ("#c62828", "#ffd3d3"),
    ("#14877a", "#c4ede8"),
]
BAR_HEIGHT = 3
BAR_GAP = 1


def answerer_colours(lane: int) -> tuple[str, str]:
    return ANSWERER_COLOURS[lane % len(ANSWERER_COLOURS)]


@dataclass(frozen=True)
class AnswerMark:
    start: int  # Python character offsets into the passage
    end: int
    lane: int  # the answerer's place in the list: its colour and its row of bars


@dataclass(frozen=True)
class Segment:
    """A run of characters covered by the same answers."""

    start: int
    end: int
    lanes: tuple[int, ...]


def segments(marks: Sequence[AnswerMark]) -> list[Segment]:
    """The passage cut where any answer starts or ends, each run with the
    answerers whose answer covers it (runs no answer covers are left out)."""
    cuts = sorted({p for m in marks for p in (m.start, m.end)})
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        lanes = tuple(sorted({m.lane for m in marks if m.start <= a and b <= m.end}))
        if lanes:
            out.append(Segment(a, b, lanes))
    return out


def mixed(colours: Sequence[str]) -> QColor:
    qs = [QColor(c) for c in colours]
    n = len(qs)
    return QColor(
        sum(c.red() for c in qs) // n,
        sum(c.green() for c in qs) // n,
        sum(c.blue() for c in qs) // n,
    )


class AnswerTextView(AnnotatedTextView):
    """Read-only passage; :meth:`show_answers` draws the answers."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.document().setDocumentMargin(14)  # no arcs to make room for
        self._marks: list[AnswerMark] = []

    @property
    def marks(self) -> list[AnswerMark]:
        """The answers drawn now."""
        return list(self._marks)

    def show_answers(self, text: str, marks: Sequence[AnswerMark]) -> None:
        self._marks = [m for m in marks if 0 <= m.start < m.end <= len(text)]
        self.show_text(text, segments(self._marks))
        if self._marks:
            first = min(m.start for m in self._marks)
            self.setTextCursor(self._cursor(first, first))
            self.ensureCursorVisible()

    def _selection(self, h, strong: bool) -> QTextEdit.ExtraSelection:  # type: ignore[override]
        sel = QTextEdit.ExtraSelection()
        sel.cursor = self._cursor(h.start, h.end)
        fmt = QTextCharFormat()
        fmt.setBackground(mixed([answerer_colours(k)[1] for k in h.lanes]))
        fmt.setFontWeight(QFont.Weight.Bold)
        sel.format = fmt
        return sel

    def _line_spans(self, start: int, end: int) -> list[QRectF]:
        """The rectangle of the span on each line it takes (it may wrap)."""
        metrics = self.fontMetrics()
        rects: list[QRectF] = []
        for i in range(start, end):
            here = self.cursorRect(self._cursor(i, i))
            after = self.cursorRect(self._cursor(i + 1, i + 1))
            right = (
                after.x()
                if after.top() == here.top()
                else here.x() + metrics.horizontalAdvance(self._text[i])
            )
            if rects and abs(rects[-1].top() - here.top()) < 1:
                rects[-1].setRight(max(rects[-1].right(), right))
            else:
                rects.append(QRectF(here.x(), here.top(), right - here.x(), here.height()))
        return rects

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        if not self._marks:
            return
        painter = QPainter(self.viewport())
        for m in self._marks:
            colour = QColor(answerer_colours(m.lane)[0])
            for rect in self._line_spans(m.start, m.end):
                y = rect.bottom() + 1 + m.lane * (BAR_HEIGHT + BAR_GAP)
                painter.fillRect(QRectF(rect.left(), y, rect.width(), BAR_HEIGHT), colour)
        painter.end()
