"""The Ask tab's answerers: how long a question takes, and how long closing
the window takes while they work.

    python bench/ask_tab.py [--answerer DIR ...] [--repeat 3]

Question: the shortest held-out CMRC 2018 passage and its first question,
put to every answerer (default: the demo answerers), models loaded and
warm, each in its process: answered one after the other (what the tab does
once they are loaded) and all at once; the ratio is sequential / parallel
(above 1: at once is faster).
Quit: the window (offscreen) asking every document of the demo project
with the slowest answerer, closed 3 s into the run: the seconds
``close()`` takes, and whether the answerers' processes are gone. Prints
figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from core.mrc.squad import read_squad  # noqa: E402
from core.review.asking import Answerers, demo_answerers, read_answerer  # noqa: E402

MODELS = ROOT / "resources" / "models"
HELD_OUT = ROOT / "resources" / "data" / "mrc" / "test_cmrc.json"


def question() -> tuple[str, str]:
    shortest = min((q for q in read_squad(HELD_OUT) if q.answers), key=lambda q: len(q.context))
    return shortest.question, shortest.context


def time_questions(answerers, repeat: int) -> None:
    q, passage = question()
    pool = Answerers()
    try:
        started = time.perf_counter()
        pool.warm(answerers)
        print(f"loading {len(answerers)} answerers at once: {time.perf_counter() - started:.1f} s")
        sequential, parallel = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            replies = pool.ask(answerers, q, passage, together=False)
            sequential.append(time.perf_counter() - started)
            started = time.perf_counter()
            pool.ask(answerers, q, passage, together=True)
            parallel.append(time.perf_counter() - started)
        s, p = statistics.median(sequential), statistics.median(parallel)
        print(f"one question, answerers one after the other: {s:.2f} s (median of {repeat})")
        print(f"one question, answerers at once:            {p:.2f} s (ratio {s / p:.2f})")
        for r in replies:
            a = r.answer
            shown = f"{a.text!r} score {a.score:.3f}, {a.seconds * 1000:.0f} ms" if a else r.error
            print(f"  {r.answerer.label}: {shown}")
    finally:
        pool.close()


def time_quit(answerers) -> None:
    from PySide6.QtCore import QSettings

    from gui.app import application, build_window, demo_project_path

    app = application()
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        chosen = [{"folder": str(a.folder), "on": True} for a in answerers]
        settings.setValue("ask/answerers", json.dumps(chosen))
        window = build_window(demo_project_path(Path(tmp)), settings=settings)
        window.show()
        panel = window.ask
        window.tabs.setCurrentWidget(panel)
        deadline = time.monotonic() + 300
        while window.runner.is_busy("ask-load") and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.02)
        pids = [p.pid for p in panel.answerers.processes()]
        slowest = next((k for k, a in enumerate(answerers) if a.method == "seq2seq"), 0)
        panel.run_answerer_box.setCurrentIndex(slowest)
        panel.ask_every_document()
        end = time.monotonic() + 3
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)
        busy = window.runner.is_busy("ask-documents")
        started = time.perf_counter()
        window.close()
        took = time.perf_counter() - started
    running = [pid for pid in pids if pid and _running(pid)]
    print(
        f"closing the window while asking every document (busy: {busy}): {took:.2f} s; "
        f"answerer processes still running: {len(running)} of {len(pids)}"
    )


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except OSError:
        return False
    return state not in ("Z", "X")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answerer", action="append", help="an answerer's model folder")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.answerer:
        answerers = [read_answerer(f) for f in args.answerer]
    else:
        answerers = demo_answerers(MODELS)
    if not answerers:
        sys.exit(f"no answerer: none in {MODELS}; give --answerer DIR")
    print("answerers:", ", ".join(a.label for a in answerers))
    time_questions(answerers, args.repeat)
    time_quit(answerers)


if __name__ == "__main__":
    main()
