"""Killing the program loses nothing that was shown as saved."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from core.store import Project

ROOT = Path(__file__).resolve().parents[1]


def test_every_committed_edit_survives_sigkill(tmp_path) -> None:
    path = tmp_path / "crash.kgs"
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(f'{{"text": "第{i}句：甲是乙的作者"}}\n' for i in range(50)), encoding="utf-8"
    )
    with Project.open(path) as p:
        p.import_file(src)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys
            sys.path.insert(0, {str(ROOT)!r})
            from core.formats.duie import Span
            from core.store import Project
            p = Project.open({str(path)!r})
            ids = p.all_document_ids()
            i = 0
            while True:
                doc = ids[i % len(ids)]
                a = p.add_annotation(doc, "甲", "作者", "乙", Span(4, 5), Span(6, 7))
                print("added", a.id, flush=True)  # reported only after the commit
                p.set_status(a.id, "rejected")
                print("rejected", a.id, flush=True)
                i += 1
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    reported = [child.stdout.readline().split() for _ in range(301)]
    assert child.poll() is None  # killed in the middle of its work, not after it
    child.send_signal(signal.SIGKILL)
    child.wait()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    with Project.open(path) as p:
        for what, ann_id in reported:
            status = p.annotation(int(ann_id)).status
            assert status == "rejected" if what == "rejected" else status in ("added", "rejected")
        # The history is whole too: the last committed edit can be undone.
        assert p.undo().description in ("add 甲 —作者→ 乙", "reject 甲 —作者→ 乙")


def test_an_import_killed_at_any_moment_leaves_all_or_nothing(tmp_path) -> None:
    """``project import`` of a 20,000-line file killed at random moments: the
    project then opens with none of that import's documents or all of them."""
    import random
    import time

    src = tmp_path / "big.jsonl"
    n = 20_000
    src.write_text(
        "".join(
            f'{{"text": "第{i}句：甲是乙的作者", "spo_list": '
            f'[{{"subject": "甲", "predicate": "作者", "object": "乙"}}]}}\n'
            for i in range(n)
        ),
        encoding="utf-8",
    )
    rng = random.Random(7)
    outcomes = set()
    for trial in range(6):
        path = tmp_path / f"p{trial}.kgs"
        with Project.open(path) as p:
            p.import_sentences([])  # an existing, empty project
        child = subprocess.Popen(
            [sys.executable, str(ROOT / "main.py"), "project", "import", str(path), str(src)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.3, 4.0))
        child.send_signal(signal.SIGKILL)
        child.wait()
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        db.close()
        with Project.open(path) as p:  # the kernel released the killed owner's lock
            count = p.count_documents()
            triples = sum(p.statistics()["counts"].values())
        assert (count, triples) in ((0, 0), (n, n))
        outcomes.add(count)
    print("documents after each kill:", sorted(outcomes))
