"""The drawing of one scene (``core.graph.overview.Scene``): super-nodes or
nodes as one scatter item fed NumPy arrays, edges as a few line items
(``connect="pairs"``) by weight, labels on the items with most flow. Clicks
are hit-tested on the arrays: an item (a double click opens a super-node) or
else the nearest edge."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import Signal  # noqa: E402

from core.graph.overview import Scene  # noqa: E402

# Colours of modules by their rank among siblings (most flow first); grey
# for items without a module of their own.
PALETTE = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (188, 189, 34),
    (23, 190, 207),
    (174, 199, 232),
    (255, 187, 120),
    (152, 223, 138),
    (255, 152, 150),
    (197, 176, 213),
]
NO_MODULE = (150, 150, 150)
LABELS = 16  # items labelled in one scene, most flow first
EDGE_PICK_PIXELS = 4.0


def colour_of(index: int) -> tuple[int, int, int]:
    return NO_MODULE if index < 0 else PALETTE[index % len(PALETTE)]


# Brushes are made once; a scene picks them by palette index (last: no module).
_BRUSHES = np.array([pg.mkBrush(*c) for c in [*PALETTE, NO_MODULE]], dtype=object)


class SceneView(pg.PlotWidget):
    item_clicked = Signal(int, bool)  # item index in the scene, double click
    edge_clicked = Signal(int)  # edge index in the scene

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent, background="w")
        self.hideAxis("left")
        self.hideAxis("bottom")
        self.setAspectLocked(True)
        self.setMenuEnabled(False)
        self.scene_data: Scene | None = None
        self._px = np.zeros(0)
        # Heavier edges darker, not wider: lines wider than one pixel cost
        # about fifty times as much to draw.
        shades = ((200, 200, 200, 90), (150, 150, 170, 140), (80, 80, 110, 200))
        self.edge_items = [
            pg.PlotCurveItem(
                pen=pg.mkPen(shade, width=1, cosmetic=True),
                connect="pairs",
                antialias=False,
                skipFiniteCheck=True,
            )
            for shade in shades
        ]
        for item in self.edge_items:
            self.addItem(item)
        self.points = pg.ScatterPlotItem(pxMode=True, pen=pg.mkPen("w", width=0.8))
        self.addItem(self.points)
        # Made once and reused: a scene only moves them and changes their text.
        self.labels = [
            pg.TextItem("", color=(20, 20, 20), anchor=(0.5, 1.25), fill=(255, 255, 255, 170))
            for _ in range(LABELS)
        ]
        for label in self.labels:
            label.hide()
            self.addItem(label)
        self.scene().sigMouseClicked.connect(self._clicked)

    def show_scene(self, scene: Scene) -> None:
        self.scene_data = scene
        k = len(scene)
        if scene.super_nodes:
            # By the share of the flow of the module shown: a few big modules
            # are big discs, two thousand small ones are dots that do not overlap.
            share = scene.flow / max(float(scene.flow.sum()), 1e-12)
            px = np.where(scene.item_module >= 0, np.clip(8 + 60 * np.sqrt(share), 8, 48), 6.0)
        else:
            share = scene.flow / max(float(scene.flow.max(initial=0.0)), 1e-12)
            px = 6 + 12 * np.sqrt(share) if k <= 500 else 4 + 8 * np.sqrt(share)
        # Few distinct sizes: pyqtgraph caches one picture per size and brush.
        self._px = 2 * np.round(px / 2)
        brush_index = np.where(scene.colour < 0, len(PALETTE), scene.colour % len(PALETTE))
        self.points.setData(pos=scene.pos, size=self._px, brush=_BRUSHES[brush_index], symbol="o")
        self._draw_edges(scene)
        shown = np.argsort(-scene.flow, kind="stable")[: min(LABELS, k)]
        for label, i in zip(self.labels, shown, strict=False):
            label.setText(scene.labels[i])
            label.setPos(*scene.pos[i])
            label.show()
        for label in self.labels[len(shown) :]:
            label.hide()
        self.autoRange(padding=0.08)

    def _draw_edges(self, scene: Scene) -> None:
        w = scene.weight
        if scene.super_nodes and len(w) and w.max() > w.min():
            cuts = np.quantile(w, [0.7, 0.95])
            bucket = np.searchsorted(cuts, w, side="right")
        else:
            bucket = np.zeros(len(w), dtype=np.int64)
        for b, item in enumerate(self.edge_items):
            pairs = scene.edges[bucket == b]
            xy = scene.pos[pairs.reshape(-1)]
            item.setData(x=xy[:, 0], y=xy[:, 1], connect="pairs", skipFiniteCheck=True)

    def clear_scene(self) -> None:
        self.scene_data = None
        self.points.clear()
        for item in self.edge_items:
            item.setData(x=np.zeros(0), y=np.zeros(0))
        for label in self.labels:
            label.hide()

    # -- picking -------------------------------------------------------------------------

    def item_at(self, x: float, y: float) -> int:
        """The item under the view point (x, y), or -1."""
        s = self.scene_data
        if s is None or not len(s):
            return -1
        sx, sy = self.getViewBox().viewPixelSize()
        d = np.hypot((s.pos[:, 0] - x) / sx, (s.pos[:, 1] - y) / sy)
        i = int(np.argmin(d))
        return i if d[i] <= self._px[i] / 2 + 2 else -1

    def edge_at(self, x: float, y: float) -> int:
        """The drawn edge passing within a few pixels of (x, y), or -1."""
        s = self.scene_data
        if s is None or not len(s.edges):
            return -1
        sx, sy = self.getViewBox().viewPixelSize()
        a = s.pos[s.edges[:, 0]] / (sx, sy)
        b = s.pos[s.edges[:, 1]] / (sx, sy)
        p = np.array([x / sx, y / sy])
        ab = b - a
        t = np.clip(((p - a) * ab).sum(axis=1) / np.maximum((ab**2).sum(axis=1), 1e-12), 0, 1)
        d = np.hypot(*(a + ab * t[:, None] - p).T)
        i = int(np.argmin(d))
        return i if d[i] <= EDGE_PICK_PIXELS else -1

    def _clicked(self, event: Any) -> None:
        if event.button() != 1 or self.scene_data is None:
            return
        point = self.getViewBox().mapSceneToView(event.scenePos())
        item = self.item_at(point.x(), point.y())
        if item >= 0:
            self.item_clicked.emit(item, bool(event.double()))
            return
        edge = self.edge_at(point.x(), point.y())
        if edge >= 0:
            self.edge_clicked.emit(edge)
