"""Draw dev F1 per epoch of one or more training runs into a PNG.

    python scripts/plot_training_curve.py --out curve.png \
        "with MLM pre-training=resources/models/triples-demo.history.json" \
        "from scratch=runs/triples-scratch.history.json"
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

COLOURS = [(30, 110, 200), (220, 120, 30), (40, 150, 70), (160, 60, 160)]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("runs", nargs="+", help="LABEL=HISTORY.json")
    p.add_argument("--out", required=True)
    args = p.parse_args()

    import pyqtgraph as pg
    import pyqtgraph.exporters

    from gui.app import application

    application()
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    plot = pg.PlotWidget()
    plot.resize(720, 420)
    plot.addLegend(offset=(10, 10))
    plot.setLabel("bottom", "epoch")
    plot.setLabel("left", "held-out F1")
    plot.showGrid(x=True, y=True, alpha=0.3)
    for axis in ("left", "bottom"):
        plot.getAxis(axis).enableAutoSIPrefix(False)
    for colour, spec in zip(COLOURS, args.runs, strict=False):
        label, path = spec.split("=", 1)
        history = json.loads(Path(path).read_text())
        xs = [h["epoch"] for h in history]
        ys = [h.get("f1", 0.0) for h in history]
        plot.plot(xs, ys, pen=pg.mkPen(colour, width=2), symbol="o", symbolBrush=colour, name=label)
    exporter = pyqtgraph.exporters.ImageExporter(plot.plotItem)
    exporter.parameters()["width"] = 900
    exporter.export(args.out)
    print(args.out)


if __name__ == "__main__":
    main()
