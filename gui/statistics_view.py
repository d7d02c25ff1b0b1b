"""Review statistics: counts per predicate and status, and how often people
accept the model's triples at each score (is the score worth trusting?)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.team_view import AgreementTable  # noqa: E402

STATUSES = ("predicted", "accepted", "edited", "added", "rejected")
BINS = np.linspace(0.0, 1.0, 11)


def acceptance_by_score(
    pairs: list[tuple[float, str]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per score bin: centres, number of decided triples, share accepted as is.
    Triples still 'predicted' are undecided and left out; 'edited' counts as
    not accepted as is."""
    scores = np.array(
        [s for s, st in pairs if st in ("accepted", "edited", "rejected")], dtype=float
    )
    accepted = np.array(
        [st == "accepted" for s, st in pairs if st in ("accepted", "edited", "rejected")]
    )
    idx = (
        np.clip(np.digitize(scores, BINS) - 1, 0, len(BINS) - 2)
        if len(scores)
        else np.array([], int)
    )
    counts = (
        np.bincount(idx, minlength=len(BINS) - 1) if len(scores) else np.zeros(len(BINS) - 1, int)
    )
    hits = (
        np.bincount(idx, weights=accepted, minlength=len(BINS) - 1)
        if len(scores)
        else np.zeros(len(BINS) - 1)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(counts > 0, hits / np.maximum(counts, 1), np.nan)
    return (BINS[:-1] + BINS[1:]) / 2, counts, rate


class StatisticsView(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.summary = QLabel("")
        layout.addWidget(self.summary)
        split = QSplitter()
        self.table = QTableWidget(0, len(STATUSES) + 2)
        self.table.setHorizontalHeaderLabels(["Predicate", *STATUSES, "total"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        split.addWidget(self.table)
        pg.setConfigOptions(antialias=True, background="w", foreground="k")
        self.plot = pg.PlotWidget()
        self.plot.setLabel("bottom", "model score")
        self.plot.setLabel("left", "accepted as is (share of decided triples)")
        self.plot.setYRange(0, 1.05)
        self.plot.setXRange(0, 1)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        split.addWidget(self.plot)
        split.setSizes([520, 600])
        layout.addWidget(split, 1)
        self.agreement_label = QLabel("")
        layout.addWidget(self.agreement_label)
        self.agreement = AgreementTable()
        self.agreement.setMaximumHeight(180)
        layout.addWidget(self.agreement)
        self.show_agreement({"pairs": []})

    def show_agreement(self, result: dict[str, Any]) -> None:
        self.agreement_label.setText(_agreement_text(result))
        self.agreement.show_agreement(result)
        self.agreement.setVisible(bool(result.get("pairs")))

    def show_statistics(self, stats: dict[str, Any]) -> None:
        per: dict[str, dict[str, int]] = {}
        for (predicate, status), n in _count_items(stats.get("counts", {})):
            per.setdefault(predicate, {})[status] = n
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(per))
        for row, (predicate, counts) in enumerate(
            sorted(per.items(), key=lambda kv: -sum(kv[1].values()))
        ):
            self.table.setItem(row, 0, QTableWidgetItem(predicate))
            for col, status in enumerate(STATUSES, 1):
                item = QTableWidgetItem()
                item.setData(0, counts.get(status, 0))
                self.table.setItem(row, col, item)
            total = QTableWidgetItem()
            total.setData(0, sum(counts.values()))
            self.table.setItem(row, len(STATUSES) + 1, total)
        self.table.setSortingEnabled(True)
        self.table.sortItems(len(STATUSES) + 1, Qt.SortOrder.DescendingOrder)

        centres, counts, rate = acceptance_by_score(stats.get("scores", []))
        self.plot.clear()
        ok = ~np.isnan(rate)
        bars = pg.BarGraphItem(
            x=centres, height=counts / max(1, counts.max()) * 0.3, width=0.08, brush=(180, 200, 230)
        )
        self.plot.addItem(bars)
        if ok.any():
            self.plot.plot(
                centres[ok],
                rate[ok],
                pen=pg.mkPen((30, 120, 60), width=2),
                symbol="o",
                symbolBrush=(30, 120, 60),
            )
        decided = int(counts.sum())
        self.summary.setText(
            f"{sum(sum(c.values()) for c in per.values())} triples over {len(per)} predicates; "
            f"{decided} model triples decided by a person. Bars: how many decided triples fall at each "
            "score (scaled); line: the share accepted without change."
        )


def _agreement_text(result: dict[str, Any]) -> str:
    if not result.get("pairs"):
        return (
            "Agreement: appears once two people have decided on the same documents "
            "(F1 between their kept triples and links, Cohen's κ on accept / reject)."
        )
    return (
        "Agreement between people who decided on the same documents: F1 between their "
        "kept triples and links, Cohen's κ on their accept / reject of the same proposals."
    )


def _count_items(counts: Any):
    """The store may key counts by (predicate, status) tuples or nest them."""
    if isinstance(counts, dict):
        for key, value in counts.items():
            if isinstance(key, tuple):
                yield key, value
            elif isinstance(value, dict):
                for status, n in value.items():
                    yield (key, status), n
    else:
        for predicate, status, n in counts:
            yield (predicate, status), n
