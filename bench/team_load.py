"""Eight annotators deciding on one large project on a PostgreSQL server at
once, then the same while the server restarts in the middle.

    python bench/team_load.py [--clients 8] [--decisions 1000] [--documents 20000]
        [--hot 0.2] [--timeout 600]

A throwaway cluster on 127.0.0.1 (initdb + pg_ctl in a temporary folder,
fsync on) holds a project of ``--documents`` documents with three model
proposals each. Each client process is one annotator: it reads a triple as
the window shows it, then accepts or rejects it on the version it read (the
opposite of its status, so every decision changes the row). ``--hot`` of the
decisions go to a small set of triples everyone works on, which is where
conflicts happen. Per phase it prints decisions per second, the median and
p99 latency of a decision, conflicts (each one a ConflictError the client
reported), and checks the server against what the clients were told:

- lost: an acknowledged decision missing from the log of decisions, or a
  triple whose final version is not the highest acknowledged one;
- duplicated: a version of a triple acknowledged to two decisions, or more
  logged decisions than acknowledged ones.

In the fault phase the server is stopped (fast: connections cut) and started
again once half the decisions are in; a client whose connection breaks
reconnects and reads the triple again: if its decision is there (it was
committed before the cut: the triple shows it, or, when someone changed the
triple again since, the log of decisions holds one more of this client's
than it knew of) it counts as acknowledged, else it retries it on the
version it read, or reports the conflict if someone else changed it.
The decisions retried are listed. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PREDICATES = ["作者", "导演", "主演", "歌手", "出版社", "国籍"]


def _sentences(n: int):
    from core.formats.duie import Sentence, Span, Triple

    rng = random.Random(7)
    for i in range(n):
        subject, obj = f"作品{i}", f"人物{rng.randrange(5000)}"
        text = f"《{subject}》由{obj}完成，{obj}是主要作者"
        s = Span(1, 1 + len(subject))
        o = Span(text.index(obj), text.index(obj) + len(obj))
        yield Sentence(
            text,
            [Triple(subject, p, obj, subject_span=s, object_span=o, score=0.5)
             for p in rng.sample(PREDICATES, 3)],
        )  # fmt: skip


def _client(
    url: str, name: str, decisions: int, hot: float, hot_ids: list[int], all_range: tuple[int, int],
    seed: int, log_path: str, deadline: float, progress, pause: float,
) -> None:  # fmt: skip
    """One annotator: ``decisions`` decisions, each line of ``log_path`` one outcome."""
    from core.store import ConflictError, Project

    rng = random.Random(seed)
    project = None

    def connect() -> Project:
        for _ in range(600):  # the server may be down for a while
            try:
                return Project.open(url, create=False, user=name)
            except Exception:  # noqa: BLE001 - any refusal while it restarts
                time.sleep(0.1)
        raise RuntimeError(f"{name}: could not reconnect")

    def logged_by_me(ann_id: int, status: str) -> int:
        return project.db.execute(
            "SELECT COUNT(*) FROM decisions WHERE author = ? AND row_id = ?"
            " AND table_name = 'annotations' AND status = ?",
            (name, ann_id, status),
        ).fetchone()[0]

    # (triple, status) -> decisions of this client the server has logged, as
    # far as the client knows: an in-doubt decision is settled by the log
    logged: dict[tuple[int, str], int] = {}
    project = connect()
    with open(log_path, "w", encoding="utf-8") as log:
        for k in range(decisions):
            if time.monotonic() > deadline:
                break
            is_hot = rng.random() < hot
            ann_id = rng.choice(hot_ids) if is_hot else rng.randrange(*all_range)
            outcome: dict = {"k": k, "id": ann_id}
            time.sleep(pause)
            while True:
                try:
                    seen = project.annotation(ann_id)
                    if "read_version" not in outcome:  # the first read, not a retry's
                        outcome["read_version"] = seen.version
                        outcome["was"] = seen.status
                        want = "rejected" if seen.status == "accepted" else "accepted"
                        if is_hot:  # people disagree on what they share
                            want = rng.choice(("accepted", "rejected"))
                        outcome["status"] = want
                    started = time.perf_counter()
                    after = project.set_status(ann_id, want, outcome["read_version"])
                    outcome["ms"] = (time.perf_counter() - started) * 1000
                    outcome["ack"] = after.version
                    outcome["by"] = after.decided_by
                    if after.decided_by != name:
                        # Someone had decided the same meanwhile: nothing to change.
                        outcome["already"] = True
                    break
                except ConflictError as e:
                    outcome["conflict"] = str(e)
                    break
                except Exception as e:  # noqa: BLE001 - sorted out just below
                    if not _is_connection_error(e):
                        raise
                    outcome["retried"] = type(e).__name__
                    try:
                        project.close()
                    except Exception:  # noqa: BLE001 - the connection is gone already
                        pass
                    project = connect()
                    if "status" not in outcome:
                        continue  # cut before the first read: nothing was sent
                    now = project.annotation(ann_id)
                    mine = now.decided_by == name and now.status == outcome["status"]
                    # Committed before the cut: the triple still shows it, or
                    # someone changed it again since and the log holds it.
                    if (mine and now.version == outcome["read_version"] + 1) or logged_by_me(
                        ann_id, outcome["status"]
                    ) > logged.get((ann_id, outcome["status"]), 0):
                        outcome["ack"] = outcome["read_version"] + 1
                        outcome["by"] = name
                        outcome["committed_before_cut"] = True
                        break
            if "ack" in outcome and not (
                outcome["status"] == outcome["was"] and outcome["by"] == name
            ):  # what the checker counts as logged (_check)
                key = (ann_id, outcome["status"])
                logged[key] = logged.get(key, 0) + 1
            log.write(json.dumps(outcome) + "\n")
            log.flush()
            with progress.get_lock():
                progress.value += 1
    project.close()


def _is_connection_error(e: BaseException) -> bool:
    import psycopg

    from core.store.postgres import ConnectionLost

    return isinstance(e, ConnectionLost | psycopg.OperationalError | psycopg.InterfaceError)


def _phase(
    url: str, args: argparse.Namespace, hot_ids: list[int], id_range: tuple[int, int],
    label: str, server=None,
) -> dict:  # fmt: skip
    from core.store import Project

    ctx = multiprocessing.get_context("spawn")
    progress = ctx.Value("i", 0)
    folder = Path(tempfile.mkdtemp(prefix="kgs-load-"))
    deadline = time.monotonic() + args.timeout
    total = args.clients * args.decisions
    with Project.open(url, create=False, user="checker") as p:
        mark = p.db.execute("SELECT COALESCE(MAX(id), 0) FROM decisions").fetchone()[0]
    workers = [
        ctx.Process(
            target=_client,
            args=(
                url,
                f"{label}{c}",
                args.decisions,
                args.hot,
                hot_ids,
                id_range,
                100 + c,
                str(folder / f"{c}.jsonl"),
                deadline,
                progress,
                args.pause,
            ),
        )
        for c in range(args.clients)
    ]
    started = time.perf_counter()
    for w in workers:
        w.start()
    restarted_at = None
    while any(w.is_alive() for w in workers):
        if server is not None and restarted_at is None and progress.value >= total // 2:
            restarted_at = progress.value
            t = time.perf_counter()
            server.restart(down_for=1.0)
            print(
                f"  server restarted after {restarted_at} decisions (down {time.perf_counter() - t:.1f} s)"
            )
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    outcomes = []
    for c in range(args.clients):
        path = folder / f"{c}.jsonl"
        if path.exists():
            outcomes += [(f"{label}{c}", json.loads(x)) for x in path.read_text().splitlines()]
    return _check(url, outcomes, elapsed, mark, label, [w.exitcode for w in workers])


def _check(url: str, outcomes: list, elapsed: float, mark: int, label: str, exits: list) -> dict:
    from core.store import Project

    acked = [(n, o) for n, o in outcomes if "ack" in o]
    conflicts = [(n, o) for n, o in outcomes if "conflict" in o]
    retried = [(n, o) for n, o in outcomes if "retried" in o]
    with Project.open(url, create=False, user="checker") as p:
        logged = p.db.execute(
            "SELECT author, row_id, status FROM decisions WHERE id > ? AND author LIKE ?"
            " AND table_name = 'annotations'",
            (mark, f"{label}%"),
        ).fetchall()
        versions = {
            r[0]: (r[1], r[2])
            for r in p.db.execute(
                "SELECT id, version, status FROM annotations WHERE id IN"
                " (SELECT DISTINCT row_id FROM decisions WHERE id > ? AND author LIKE ?)",
                (mark, f"{label}%"),
            )
        }
    log_counts: dict = {}
    for author, row_id, status in logged:
        key = (author, row_id, status)
        log_counts[key] = log_counts.get(key, 0) + 1
    ack_counts: dict = {}
    for name, o in acked:
        if o["status"] == o.get("was") and o.get("by") == name:
            continue  # decided again what one had decided: nothing to log
        key = (name, o["id"], o["status"])
        ack_counts[key] = ack_counts.get(key, 0) + 1
    lost = sum(max(0, n - log_counts.get(k, 0)) for k, n in ack_counts.items())
    duplicated = sum(max(0, n - ack_counts.get(k, 0)) for k, n in log_counts.items())
    seen_versions: dict = {}
    for _, o in acked:
        if o.get("already") or o.get("status") == o.get("was"):
            continue
        seen_versions.setdefault((o["id"], o["ack"]), 0)
        seen_versions[(o["id"], o["ack"])] += 1
    duplicated += sum(n - 1 for n in seen_versions.values() if n > 1)
    highest: dict = {}
    for _, o in acked:
        if o["ack"] > highest.get(o["id"], (-1, None))[0]:
            highest[o["id"]] = (o["ack"], o["status"])
    lost += sum(1 for i, v in highest.items() if versions.get(i) != v)
    latencies = sorted(o["ms"] for _, o in acked if "ms" in o)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    return {
        "decisions": len(outcomes),
        "acknowledged": len(acked),
        "per_second": round(len(acked) / elapsed, 1),
        "median_ms": round(statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(p99, 2),
        "already_so": sum(1 for _, o in acked if o.get("already")),
        "conflicts": len(conflicts),
        "conflicts_reported": sum(
            1
            for _, o in conflicts
            if "changed by" in o["conflict"] or "deleted by" in o["conflict"]
        ),  # fmt: skip
        "lost": lost,
        "duplicated": duplicated,
        "retried": [
            (
                n,
                o["k"],
                o["id"],
                "committed before the cut" if o.get("committed_before_cut") else "retried",
            )
            for n, o in retried
        ],  # fmt: skip
        "client_exit_codes": exits,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--decisions", type=int, default=1000, help="per client")
    p.add_argument("--documents", type=int, default=20000)
    p.add_argument("--hot", type=float, default=0.2, help="share of decisions on shared triples")
    p.add_argument("--timeout", type=float, default=600, help="seconds per phase, at most")
    p.add_argument(
        "--pause",
        type=float,
        default=0.05,
        help="seconds each annotator waits between decisions (0: as fast as possible)",
    )
    args = p.parse_args()
    args.clients = max(1, min(args.clients, 16))
    args.decisions = max(1, min(args.decisions, 10000))
    args.documents = max(100, min(args.documents, 100000))

    from core.store import Project
    from core.store.throwaway_server import ThrowawayServer

    with ThrowawayServer(durable=True) as server:
        url = server.create_database("team") + "?project=load"
        t = time.perf_counter()
        with Project.open(url, user="lead") as project:
            project.import_sentences(list(_sentences(args.documents)))
            low, high = project.db.execute("SELECT MIN(id), MAX(id) FROM annotations").fetchone()
        print(f"project: {args.documents} documents, {high - low + 1} triples on PostgreSQL "
              f"({time.perf_counter() - t:.1f} s to import); {args.clients} clients x "
              f"{args.decisions} decisions ({args.pause * 1000:.0f} ms apart), "
              f"{args.hot:.0%} on 40 shared triples; "
              f"{os.cpu_count()} CPUs")  # fmt: skip
        rng = random.Random(1)
        hot_ids = rng.sample(range(low, high + 1), 40)
        for label, fault in (("steady", None), ("fault", server)):
            print(f"{label}:")
            result = _phase(url, args, hot_ids, (low, high + 1), label, fault)
            retried = result.pop("retried")
            for k, v in result.items():
                print(f"  {k:22} {v}")
            print(f"  {'retried':22} {len(retried)}")
            for name, k, ann_id, how in retried:
                print(f"    {name} decision {k} on triple {ann_id}: {how}")
            print(json.dumps({"phase": label, **result, "retried": len(retried)}))


if __name__ == "__main__":
    main()
