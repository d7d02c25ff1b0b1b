"""`cluster`: community detection on a graph file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cli.errors import UsageError

OUTPUT_SUFFIXES = (".clu", ".tree", ".json")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("cluster", help="find modules in a graph (InfoMap and others)")
    p.add_argument(
        "--input", required=True, help="graph: .net, .gml, .graphml, .gexf or an edge list"
    )
    p.add_argument("--method", choices=["infomap", "louvain", "lpa", "greedy"], default="infomap")
    p.add_argument("--directed", action="store_true", help="treat links as directed")
    p.add_argument("--two-level", action="store_true", help="InfoMap: modules only, no hierarchy")
    p.add_argument(
        "--markov-time", type=float, default=1.0, help="InfoMap: larger gives fewer modules"
    )
    p.add_argument("--trials", type=int, default=1, help="InfoMap: keep the best of N runs")
    p.add_argument("--seed", type=int, default=123)
    p.add_argument("--truth", help="ground truth: a .clu file, or the name of a node attribute")
    p.add_argument("--output", required=True, help="result file; .clu, .tree or .json")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from core.graph.clustering import cluster, compare_with_truth, modularity
    from core.graph.io import read_clu, read_graph, write_clu, write_json, write_tree

    out = Path(args.output)
    if out.suffix.lower() not in OUTPUT_SUFFIXES:
        raise UsageError(f"--output {out}: expected a .clu, .tree or .json file")
    graph = read_graph(args.input, directed=True if args.directed else None)
    truth = None
    if args.truth:
        if Path(args.truth).is_file():
            truth = {str(k): v for k, v in read_clu(args.truth).items()}
            graph_ids = {str(n): n for n in graph.nodes}
            truth = {graph_ids[k]: v for k, v in truth.items() if k in graph_ids}
        else:
            truth = {n: d[args.truth] for n, d in graph.nodes(data=True) if args.truth in d}
            if not truth:
                raise UsageError(
                    f"--truth {args.truth}: neither a file nor an attribute of the nodes"
                )
    options = {"seed": args.seed}
    if args.method == "infomap":
        options.update(two_level=args.two_level, markov_time=args.markov_time, trials=args.trials)
    result = cluster(graph, args.method, **options)
    nmi = ami = None
    if truth is not None:
        nmi, ami = compare_with_truth(result, truth)
    q = modularity(graph, result)
    labels = {n: str(d.get("label", n)) for n, d in graph.nodes(data=True)}
    if out.suffix.lower() == ".clu":
        write_clu(out, result.modules)
    elif out.suffix.lower() == ".tree":
        write_tree(out, result.modules, result.node_flow, labels)
    summary = {
        "method": args.method,
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "levels": result.levels,
        "modules": result.n_modules,
        "codelength": None if result.codelength is None else round(result.codelength, 6),
        "modularity": round(q, 6),
        "nmi": None if nmi is None else round(nmi, 6),
        "ami": None if ami is None else round(ami, 6),
        "seconds": round(result.seconds, 4),
    }
    if out.suffix.lower() == ".json":
        write_json(
            out,
            {
                **summary,
                "one_level_codelength": result.one_level_codelength,
                "modules_per_level": result.modules_per_level(),
                "nodes_modules": [
                    {
                        "node": str(n),
                        "label": labels[n],
                        "path": list(p),
                        "flow": result.node_flow.get(n),
                    }
                    for n, p in result.modules.items()
                ],
            },
        )
    print(json.dumps(summary, ensure_ascii=False))
    return 0
