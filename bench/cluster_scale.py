"""Clustering at scale: InfoMap called directly vs through KG Studio's core,
and how well every method recovers planted communities.

    python bench/cluster_scale.py [--sizes 1000 10000 100000]
                                  [--methods louvain lpa greedy] [--repeats 5]

Planted-partition graphs (networkx ``planted_partition_graph``) with
communities of 50 nodes and an average degree of 10 (8 links inside the
community, 2 outside). Each graph is generated once and handed to fresh
processes as an edge array, so imports and generation are never timed and
each measurement has its own peak memory.

InfoMap, two-level, seed 123, one trial, both ways:
- direct: the ``infomap`` package's own ``Infomap`` builder fed the edge
  array in one ``add_links`` call (and the isolated nodes), then every
  node's module path and flow read from ``result.nodes()`` (what the core
  keeps; ``result.modules()`` alone, without flows, is about 20 ms faster
  per 10,000 nodes);
- core: ``core.graph.clustering.cluster(graph)`` on the networkx graph, which
  also maps node names, keeps every node's path and flow and checks weights.
Seconds are the fastest of ``--repeats`` runs; memory is the peak resident
size of the process during the first run, and what the clustering added to
the size before it. Overhead ratio =
core / direct (target < 1.15). Then NMI and AMI against the planted
communities for InfoMap and each comparison method; greedy modularity is
skipped above 10,000 nodes (its merging takes many minutes there). Prints
tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
COMMUNITY = 50
DEGREE_IN, DEGREE_OUT = 8, 2
GREEDY_LIMIT = 10_000


def make_edges(n: int, seed: int = 7):
    import networkx as nx
    import numpy as np

    groups = n // COMMUNITY
    g = nx.planted_partition_graph(
        groups,
        COMMUNITY,
        DEGREE_IN / (COMMUNITY - 1),
        DEGREE_OUT / (n - COMMUNITY),
        seed=seed,
    )
    return np.array(g.edges(), dtype=np.int64).reshape(-1, 2)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure(kind: str, edges_path: str, n: int, repeats: int) -> dict:
    """One measurement in this (fresh) process."""
    import infomap
    import networkx as nx
    import numpy as np

    from core.graph.clustering import cluster
    from core.graph.metrics import ami, nmi

    edges = np.load(edges_path)
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(edges.tolist())
    truth = [v // COMMUNITY for v in range(n)]

    def once() -> tuple[dict, int]:
        # A function, so that one run's engine is freed before the next.
        if kind == "direct":
            im = infomap.Infomap(two_level=True, seed=123, num_trials=1)
            im.add_links(np.array(graph.edges(), dtype=np.int64))
            im.add_nodes(list(nx.isolates(graph)))  # or they get no module
            result = im.run()
            # the same output the core keeps: every node's module path and flow
            nodes = {x.node_id: (x.path[:-1], x.flow) for x in result.nodes()}
            return {v: path for v, (path, _) in nodes.items()}, result.num_levels
        options = {"two_level": True} if kind == "infomap" else {}
        c = cluster(graph, kind, seed=123, **options)
        return c.modules, c.levels

    before = _rss_mb()
    times = []
    for k in range(repeats):
        started = time.perf_counter()
        modules, levels = once()
        times.append(time.perf_counter() - started)
        if k == 0:
            # the peak of one clustering; later runs may meet an engine the
            # garbage collector has not freed yet
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    found = [modules[v][0] for v in range(n)]
    return {
        "seconds": min(times),
        "peak_mb": peak,
        "added_mb": max(0.0, peak - before),
        "nmi": nmi(truth, found),
        "ami": ami(truth, found),
        "modules": len(set(found)),
        "levels": levels,
    }


def child(kind: str, edges_path: str, n: int, repeats: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--one", kind, edges_path, str(n), str(repeats)],
        capture_output=True,
        text=True,
    )
    if out.returncode:
        sys.exit(f"{kind} on {n} nodes failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    p.add_argument("--methods", nargs="+", default=["louvain", "lpa", "greedy"])
    p.add_argument("--repeats", type=int, default=5, help="timed runs per measurement")
    p.add_argument("--one", nargs=4, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        kind, edges_path, n, repeats = args.one
        print(json.dumps(measure(kind, edges_path, int(n), int(repeats))))
        return

    import numpy as np

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            t0 = time.perf_counter()
            edges = make_edges(n)
            edges_path = str(Path(tmp) / f"edges_{n}.npy")
            np.save(edges_path, edges)
            print(
                f"n={n}: {len(edges)} links, {len(edges) * 2 / n:.1f} per node, "
                f"{n // COMMUNITY} planted communities (generated in "
                f"{time.perf_counter() - t0:.1f} s)",
                flush=True,
            )
            row = {"n": n, "links": len(edges)}
            row["direct"] = child("direct", edges_path, n, args.repeats)
            row["infomap"] = child("infomap", edges_path, n, args.repeats)
            for m in args.methods:
                if m == "greedy" and n > GREEDY_LIMIT:
                    row[m] = None
                    continue
                row[m] = child(m, edges_path, n, 1)
            rows.append(row)
            _print_row(row, args.methods)
    print()
    _print_tables(rows, args.methods)
    print(json.dumps(rows))


def _print_row(row: dict, methods: list[str]) -> None:
    d, c = row["direct"], row["infomap"]
    print(
        f"  infomap direct {d['seconds']:.3f} s, core {c['seconds']:.3f} s "
        f"(x{c['seconds'] / d['seconds']:.2f}); NMI {c['nmi']:.3f}",
        flush=True,
    )
    for m in methods:
        r = row[m]
        if r is None:
            print(f"  {m}: skipped above {GREEDY_LIMIT:,} nodes (many minutes)", flush=True)
        else:
            print(f"  {m}: {r['seconds']:.2f} s, NMI {r['nmi']:.3f}", flush=True)


def _print_tables(rows: list[dict], methods: list[str]) -> None:
    print("InfoMap (two-level, 1 trial): direct vs through the core")
    print(
        f"{'nodes':>8} {'links':>8} | {'direct s':>9} {'core s':>9} {'ratio':>6} | "
        f"{'direct MB':>9} {'core MB':>8} {'ratio':>6} | {'added MB d/c':>13}"
    )
    for r in rows:
        d, c = r["direct"], r["infomap"]
        print(
            f"{r['n']:>8} {r['links']:>8} | {d['seconds']:>9.3f} {c['seconds']:>9.3f} "
            f"{c['seconds'] / d['seconds']:>6.2f} | {d['peak_mb']:>9.0f} {c['peak_mb']:>8.0f} "
            f"{c['peak_mb'] / d['peak_mb']:>6.2f} | {d['added_mb']:>6.0f}/{c['added_mb']:<6.0f}"
        )
    print()
    print("Recovering the planted communities: seconds, modules, NMI, AMI")
    header = f"{'nodes':>8} | " + " | ".join(f"{m:^27}" for m in ["infomap", *methods])
    print(header)
    for r in rows:
        cells = []
        for m in ["infomap", *methods]:
            x = r[m]
            cells.append(
                f"{'skipped (minutes)':^27}"
                if x is None
                else f"{x['seconds']:6.2f}s {x['modules']:5d} {x['nmi']:.3f} {x['ami']:.3f}"
            )
        print(f"{r['n']:>8} | " + " | ".join(cells))


if __name__ == "__main__":
    main()
