"""Documents a background job changed (a batch of predictions stored), handed
to a panel to show a few times a second, at most so many in one turn of the
event loop: the window answers keys between two turns."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice

from PySide6.QtCore import QObject, QTimer

COALESCE_MS = 150
PER_TURN = 256


class ChangedDocuments(QObject):
    def __init__(self, show: Callable[[set[int]], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.show = show
        self._ids: set[int] = set()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COALESCE_MS)
        self._timer.timeout.connect(self._turn)

    def add(self, doc_ids: Iterable[int]) -> None:
        self._ids.update(doc_ids)
        if not self._timer.isActive():
            self._timer.start()

    def clear(self) -> None:
        self._timer.stop()
        self._ids.clear()

    def flush(self) -> None:
        """Show every one now (the job ended)."""
        self._timer.stop()
        now, self._ids = self._ids, set()
        if now:
            self.show(now)

    def _turn(self) -> None:
        if len(self._ids) <= PER_TURN:
            self.flush()
            return
        now = set(islice(self._ids, PER_TURN))
        self._ids -= now
        QTimer.singleShot(0, self._turn)
        self.show(now)
