"""The text of a document with its entity mentions highlighted by status.

Each mention is a background colour that says where it stands: proposed by a
linker, accepted, edited, added by a person; a NIL mention (an entity the
knowledge base lacks) is orange with a wavy underline, a rejected one grey and
struck through. The selected mention is the same colour, dark, in bold.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit

from gui.annotated_text import AnnotatedTextView

# (light, dark) per status; the dark one marks the selected mention.
STATUS_COLOURS = {
    "predicted": ("#d6e6ff", "#2f6fd6"),
    "accepted": ("#c9efcd", "#23893d"),
    "edited": ("#e6dbff", "#6b45c9"),
    "added": ("#c4ede8", "#14877a"),
    "rejected": ("#ffffff", "#8a8a8a"),
}
NIL_COLOURS = ("#ffdfb0", "#d96b00")
NIL_UNDERLINE = QColor("#d96b00")


@dataclass(frozen=True)
class MentionHighlight:
    start: int  # Python character offsets into the text
    end: int
    status: str
    nil: bool
    current: bool = False


def colours(status: str, nil: bool) -> tuple[str, str]:
    if nil and status != "rejected":
        return NIL_COLOURS
    return STATUS_COLOURS.get(status, STATUS_COLOURS["predicted"])


def legend_html() -> str:
    """One line of coloured chips naming every colour of the text."""
    chips = [(s, STATUS_COLOURS[s][0]) for s in ("predicted", "accepted", "edited", "added")]
    chips.append(("NIL", NIL_COLOURS[0]))
    parts = [
        f'<span style="background:{bg}; color:#222">&nbsp;{name}&nbsp;</span>' for name, bg in chips
    ]
    parts.append('<span style="color:#8a8a8a; text-decoration:line-through">&nbsp;rejected</span>')
    return "&nbsp; ".join(parts)


class LinkTextView(AnnotatedTextView):
    """Read-only text; ``selected_span()`` is the mouse selection in Python
    character offsets (for adding a mention)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.document().setDocumentMargin(14)  # no arcs to make room for

    def show_mentions(self, text: str, highlights: list[MentionHighlight]) -> None:
        # The current mention goes last so it is drawn over any it overlaps.
        ordered = sorted(highlights, key=lambda h: h.current)
        self.show_text(text, ordered)  # type: ignore[arg-type]
        current = next((h for h in highlights if h.current), None)
        if current is not None:
            cursor = QTextCursor(self.document())
            cursor.setPosition(self._qpos[min(current.start, len(self._text))])
            self.setTextCursor(cursor)
            self.ensureCursorVisible()

    def selected_span(self) -> tuple[int, int] | None:
        cursor = self.textCursor()
        if not cursor.hasSelection():
            return None
        start, end = self.python_offsets(cursor.selectionStart(), cursor.selectionEnd())
        while start < end and self._text[start].isspace():
            start += 1
        while end > start and self._text[end - 1].isspace():
            end -= 1
        return (start, end) if end > start else None

    def _selection(self, h, strong: bool) -> QTextEdit.ExtraSelection:  # type: ignore[override]
        sel = QTextEdit.ExtraSelection()
        sel.cursor = self._cursor(h.start, h.end)
        fmt = QTextCharFormat()
        light, dark = colours(h.status, h.nil)
        if h.current:
            fmt.setBackground(QColor(dark))
            fmt.setForeground(QColor("white"))
            fmt.setFontWeight(QFont.Weight.Bold)
        elif h.status == "rejected":
            fmt.setForeground(QColor(dark))
            fmt.setFontStrikeOut(True)
        else:
            fmt.setBackground(QColor(light))
        if h.nil and h.status != "rejected":
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(QColor("white") if h.current else NIL_UNDERLINE)
        sel.format = fmt
        return sel
