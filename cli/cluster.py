"""`cluster`: community detection on a graph file (InfoMap and others)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli.common import console_context
from cli.errors import UsageError
from core.outputs import check_output

OUTPUT_SUFFIXES = (".clu", ".tree", ".json")
METHODS = ("infomap", "louvain", "lpa", "greedy")
SUMMARY_KEYS = (
    "method",
    "nodes",
    "edges",
    "levels",
    "modules",
    "codelength",
    "modularity",
    "nmi",
    "ami",
    "seconds",
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cluster",
        help="find modules in a graph (InfoMap and others)",
        description="Cluster a graph file. The last line on stdout is one JSON object: "
        + ", ".join(SUMMARY_KEYS)
        + " (null where a figure does not apply).",
    )
    p.add_argument(
        "--input", required=True, help="graph: .net, .gml, .graphml, .gexf or an edge list"
    )
    p.add_argument("--method", choices=METHODS, default="infomap")
    p.add_argument("--directed", action="store_true", help="treat links as directed")
    p.add_argument("--two-level", action="store_true", help="InfoMap: modules only, no hierarchy")
    p.add_argument(
        "--markov-time",
        type=float,
        default=None,
        help="InfoMap: larger gives fewer, bigger modules (default 1)",
    )
    p.add_argument(
        "--trials", type=int, default=None, help="InfoMap: keep the best of N runs (default 1)"
    )
    p.add_argument("--seed", type=int, default=123)
    p.add_argument(
        "--truth",
        metavar="FILE_OR_ATTRIBUTE",
        help="ground truth: a .clu or .tree file, or the name of a node attribute",
    )
    p.add_argument("--output", required=True, help="result file: .clu, .tree or .json")
    p.set_defaults(handler=run)


def _options(args: argparse.Namespace) -> dict:
    infomap_only = {
        "--two-level": args.two_level,
        "--markov-time": args.markov_time is not None,
        "--trials": args.trials is not None,
    }
    if args.method != "infomap":
        given = [name for name, used in infomap_only.items() if used]
        if given:
            raise UsageError(f"{', '.join(given)}: only for --method infomap")
        return {"seed": args.seed}
    trials = 1 if args.trials is None else args.trials
    markov_time = 1.0 if args.markov_time is None else args.markov_time
    if trials < 1:
        raise UsageError(f"--trials {trials}: expected 1 or more")
    if not markov_time > 0:
        raise UsageError(f"--markov-time {markov_time}: expected a number above 0")
    return {
        "seed": args.seed,
        "two_level": args.two_level,
        "markov_time": markov_time,
        "trials": trials,
    }


def run(args: argparse.Namespace) -> int:
    from core.graph.clustering import cluster
    from core.graph.compare import evaluate, load_truth
    from core.graph.io import read_graph
    from core.graph.partitions import clustering_json, write_clu, write_json, write_tree

    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise UsageError(f"--output {out}: expected a .clu, .tree or .json file")
    truth_file = args.truth if args.truth and Path(args.truth).is_file() else None
    check_output(out, [(args.input, "the input"), (truth_file, "the ground truth")])
    options = _options(args)
    graph = read_graph(args.input, directed=True if args.directed else None)
    if graph.number_of_nodes() == 0:
        raise UsageError(f"{args.input}: no nodes (expected a graph with at least one link)")
    truth = load_truth(graph, args.truth) if args.truth else None

    ctx, bar = console_context()
    try:
        result = cluster(graph, args.method, ctx=ctx, **options)
    finally:
        bar.close()
    scores = evaluate(graph, result, truth)
    summary = {
        "method": args.method,
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "levels": result.levels,
        "modules": result.n_modules,
        "codelength": _rounded(result.codelength),
        "modularity": _rounded(scores.modularity),
        "nmi": _rounded(scores.nmi),
        "ami": _rounded(scores.ami),
        "seconds": round(result.seconds, 4),
    }
    if suffix == ".clu":
        write_clu(out, result.modules)
    elif suffix == ".tree":
        labels = {n: str(d.get("label", n)) for n, d in graph.nodes(data=True)}
        write_tree(out, result.modules, result.node_flow, labels, codelength=result.codelength)
    else:
        write_json(
            out, {"input": str(args.input), "summary": summary, **clustering_json(graph, result)}
        )
    print(
        f"{result.n_modules} top modules, {result.levels} levels -> {out}",
        file=sys.stderr,
    )
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
