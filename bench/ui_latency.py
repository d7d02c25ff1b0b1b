"""Longest event-loop stall of the window while the demo model loads and while
2,000 sentences are pre-annotated in the background.

    QT_QPA_PLATFORM=offscreen python bench/ui_latency.py [--n 2000] [--model DIR]

A 2 ms timer runs on the UI thread; the largest gap between two of its ticks,
minus the interval, is the longest time the window could not respond. The
target is under 50 ms. Prints the figures per phase; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--model", default=str(ROOT / "resources" / "models" / "triples-demo"))
    args = p.parse_args()

    from PySide6.QtCore import QElapsedTimer, QSettings, QTimer

    from gui.app import application
    from gui.main_window import MainWindow

    app = application()
    texts = []
    for name in ("dev.jsonl", "train.jsonl"):
        with open(ROOT / "resources" / "data" / "triples" / name, encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for line in f]
    texts = texts[: args.n]
    tmp = Path(tempfile.mkdtemp())
    src = tmp / "texts.jsonl"
    src.write_text(
        "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts), encoding="utf-8"
    )

    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings)
    window.open_project(tmp / "bench.kgs", create=True)
    started = time.perf_counter()
    window.import_file(src)
    import_seconds = time.perf_counter() - started
    window.set_model_dir(args.model)
    window.resize(1280, 800)
    window.show()

    interval = 2
    clock = QElapsedTimer()
    clock.start()
    phase = {"name": "loading the model"}
    stalls: dict[str, float] = {}
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gap = now - last[0] - interval
        stalls[phase["name"]] = max(stalls.get(phase["name"], 0.0), gap)
        last[0] = now

    timer = QTimer()
    timer.setInterval(interval)
    timer.timeout.connect(tick)
    timer.start()

    def on_progress(owner, done, total, message, eta) -> None:
        if done > 0 and phase["name"] == "loading the model":
            phase["name"] = "pre-annotating"
            phase["annotating_from"] = time.perf_counter()

    window.runner.job_progress.connect(on_progress)
    t0 = time.perf_counter()
    window.triples.pre_annotate(only_unreviewed=False)
    while window.runner.is_busy("triples"):
        app.processEvents()
        time.sleep(0.001)
    total = time.perf_counter() - t0
    for _ in range(50):
        app.processEvents()
    timer.stop()
    n_triples = sum(d.n_annotations for d in window.project.documents())
    window.close()
    print(f"documents                         {len(texts)} (import {import_seconds:.1f} s)")
    print(f"pre-annotation, model load incl.  {total:.1f} s, {n_triples} triples")
    for name, value in stalls.items():
        print(f"longest stall while {name:<16} {value:6.1f} ms   (target < 50 ms)")
    print(
        json.dumps(
            {
                "documents": len(texts),
                "seconds": round(total, 1),
                "triples": n_triples,
                "stall_ms": {k: round(v, 1) for k, v in stalls.items()},
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
