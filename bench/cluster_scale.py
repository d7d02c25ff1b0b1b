"""Clustering at scale: InfoMap called directly vs through KG Studio's core,
and how well each method recovers planted communities.

    python bench/cluster_scale.py [--sizes 1000 10000 100000] [--methods infomap louvain lpa greedy]

Planted-partition graphs with communities of 50 nodes and about 10 links per
node (8 inside, 2 outside). For each size: seconds and peak memory (in a
fresh process each) of the raw ``infomap`` package and of our ``cluster()``
(the overhead ratio, target < 1.15), then NMI against the planted truth for
every method. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
COMMUNITY = 50


def make_graph(n: int, seed: int = 7):
    import networkx as nx

    groups = n // COMMUNITY
    p_in = 8 / (COMMUNITY - 1)
    p_out = 2 / (n - COMMUNITY)
    g = nx.planted_partition_graph(groups, COMMUNITY, p_in, p_out, seed=seed)
    truth = {v: v // COMMUNITY for v in g.nodes}
    return g, truth


def run_one(kind: str, n: int) -> dict:
    import infomap

    from core.graph.clustering import cluster
    from core.graph.metrics import nmi

    g, truth = make_graph(n)
    started = time.perf_counter()  # imports and graph generation are not timed
    if kind == "raw":
        im = infomap.Infomap(silent=True, two_level=True, seed=123)
        for u, v in g.edges():
            im.add_link(u, v)
        result = im.run()
        modules = {
            node.node_id: node.module_id for node in result.tree(states=True) if node.is_leaf
        }
    else:
        method = "infomap" if kind == "core" else kind
        c = (
            cluster(g, method, two_level=True, seed=123)
            if method == "infomap"
            else cluster(g, method, seed=123)
        )
        modules = c.top_modules
    seconds = time.perf_counter() - started
    nodes = sorted(modules)
    return {
        "seconds": seconds,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "nmi": nmi([truth[v] for v in nodes], [modules[v] for v in nodes]),
        "modules": len(set(modules.values())),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    p.add_argument("--methods", nargs="+", default=["louvain", "lpa", "greedy"])
    p.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one[0], int(args.one[1]))))
        return

    def child(kind: str, n: int) -> dict:
        out = subprocess.run(
            [sys.executable, __file__, "--one", kind, str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout)

    rows = []
    for n in args.sizes:
        raw, core = child("raw", n), child("core", n)
        print(
            f"n={n:>7}  infomap raw {raw['seconds']:7.2f} s {raw['peak_mb']:6.0f} MB | core {core['seconds']:7.2f} s "
            f"{core['peak_mb']:6.0f} MB | overhead x{core['seconds'] / raw['seconds']:.2f} time, "
            f"x{core['peak_mb'] / raw['peak_mb']:.2f} memory | NMI {core['nmi']:.3f} ({core['modules']} modules)",
            flush=True,
        )
        row = {"n": n, "raw": raw, "core": core}
        for m in args.methods:
            if m == "greedy" and n > 10000:
                print(f"           {m:<8} skipped above 10,000 nodes (quadratic merging: minutes)")
                continue
            r = child(m, n)
            row[m] = r
            print(
                f"           {m:<8} {r['seconds']:7.2f} s  NMI {r['nmi']:.3f} ({r['modules']} modules)",
                flush=True,
            )
        rows.append(row)
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
