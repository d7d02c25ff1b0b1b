"""`evaluate triples`: micro precision / recall / F1 against a gold DuIE file."""

from __future__ import annotations

import argparse
import json

from cli import link, mrc
from cli.common import SOURCE_SCHEMA_HELP, console_context, existing_file, source_schemas
from cli.errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="score predictions against gold annotations")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    t = kinds.add_parser("triples", help="triples: (subject, predicate, object) per sentence")
    t.add_argument("--gold", required=True, help="DuIE file with the true spo_list")
    src = t.add_mutually_exclusive_group(required=True)
    src.add_argument("--pred", help="DuIE file with predicted spo_list, same sentences in order")
    src.add_argument("--model", help="model folder: predict the gold texts now")
    t.add_argument("--by-predicate", action="store_true", help="also print a table per predicate")
    t.add_argument("--source-schema", action="append", help=SOURCE_SCHEMA_HELP)
    t.set_defaults(handler=run)
    link.register_evaluate(kinds)
    mrc.register_evaluate(kinds)


def run(args: argparse.Namespace) -> int:
    from core.evaluation import score_by_source
    from core.formats.duie import read_sentences

    gold = list(read_sentences(existing_file(args.gold, "gold data"), require_triples=True))
    if args.pred:
        pred_path = existing_file(args.pred, "predictions")
        pred = list(read_sentences(pred_path))
        if len(pred) != len(gold):
            raise UsageError(
                f"{pred_path}: {len(pred)} sentences, but {args.gold} has {len(gold)} "
                "(expected the same sentences in the same order)"
            )
        for n, (g, p) in enumerate(zip(gold, pred, strict=True), 1):
            if g.text != p.text:
                raise UsageError(f"{pred_path}: sentence {n} differs from the gold text")
        predicted = [[t.key() for t in s.triples] for s in pred]
    else:
        from cli.common import load_triple_model

        model = load_triple_model(args.model)
        ctx, bar = console_context()
        try:
            results = model.extract([s.text for s in gold], ctx=ctx)
        finally:
            bar.close()
        predicted = [[t.key() for t in ts] for ts in results]
    sources = source_schemas(args.source_schema)
    by_source = score_by_source(
        ((s.extra.get("source"), [t.key() for t in s.triples]) for s in gold), predicted, sources
    )
    scores = by_source["own"]
    if args.by_predicate:
        print(
            f"{'predicate':<12} {'gold':>6} {'pred':>6} {'correct':>8} {'P':>6} {'R':>6} {'F1':>6}"
        )
        for name, c in sorted(scores.by_predicate.items(), key=lambda kv: -kv[1].n_gold):
            print(
                f"{name:<12} {c.n_gold:>6} {c.n_pred:>6} {c.n_correct:>8} "
                f"{c.precision:>6.3f} {c.recall:>6.3f} {c.f1:>6.3f}"
            )
    if not gold:
        raise UsageError(f"{args.gold}: no sentences")
    summary = scores.summary()
    if sources:
        summary["by_source"] = {k: v.summary() for k, v in by_source.items() if k != "own"}
    print(json.dumps(summary))
    return 0
