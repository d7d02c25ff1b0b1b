"""`tune triples` / `tune link` / `tune mrc`: choose decoding settings on held-out data."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from cli.common import SOURCE_SCHEMA_HELP, console_context, existing_file, fraction, source_schemas
from core.modelcheck import check_model_folder


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tune", help="choose decoding settings on held-out data")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    t = kinds.add_parser("triples", help="subject / object start and end thresholds")
    t.add_argument("--model", required=True, help="model folder")
    t.add_argument("--dev", required=True, help="held-out DuIE file (half tunes, half reports)")
    t.add_argument("--write", action="store_true", help="save the chosen thresholds in model.json")
    t.add_argument("--source-schema", action="append", help=SOURCE_SCHEMA_HELP)
    t.set_defaults(handler=run)
    k = kinds.add_parser("link", help="linker: mention and NIL thresholds")
    k.add_argument("--model", required=True, help="linker folder")
    k.add_argument("--kb", required=True, help="knowledge base (CCKS kb_data)")
    k.add_argument("--dev", required=True, help="held-out annotated queries")
    k.add_argument("--write", action="store_true", help="save the chosen thresholds in model.json")
    k.add_argument(
        "--min-nil-accuracy",
        type=fraction,
        default=0.0,
        help="the best F1 among NIL thresholds that keep at least this share of the NIL "
        "mentions NIL (default 0: the best F1)",
    )
    k.set_defaults(handler=run_link)
    m = kinds.add_parser(
        "mrc",
        help="answerer: how far apart its windows start (the stride); MLM and "
        "seq2seq: how answers of different lengths compare (the length penalty)",
    )
    m.add_argument("--model", required=True, help="answerer folder")
    m.add_argument("--dev", required=True, help="held-out SQuAD-layout questions with answers")
    m.add_argument("--write", action="store_true", help="save the chosen settings in model.json")
    m.set_defaults(handler=run_mrc)


def run(args: argparse.Namespace) -> int:
    from cli.common import load_triple_model
    from core.formats.duie import read_sentences
    from core.triples.thresholds import tune_thresholds, with_thresholds

    dev = list(read_sentences(existing_file(args.dev, "held-out data"), require_triples=True))
    model = load_triple_model(args.model)
    ctx, bar = console_context()
    try:
        result = tune_thresholds(model, dev, ctx, sources=source_schemas(args.source_schema))
    finally:
        bar.close()
    if args.write:
        with_thresholds(model, result["thresholds"]).save_info(args.model)
    summary = {**result, "thresholds": asdict(result["thresholds"])}
    summary.pop("grid")
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in summary.items()}))
    return 0


def run_link(args: argparse.Namespace) -> int:
    from cli.common import load_linker
    from cli.link import open_kb
    from core.linking.queries import read_queries
    from core.linking.thresholds import tune_thresholds

    dev = list(read_queries(existing_file(args.dev, "held-out queries"), annotated=True))
    check_model_folder(args.model, what="KG Studio linker folder")
    kb, index = open_kb(args.kb)
    model = load_linker(args.model)
    ctx, bar = console_context()
    try:
        result = tune_thresholds(model, dev, kb, index, ctx, args.min_nil_accuracy)
    finally:
        bar.close()
    for row in result.pop("grid"):
        print(json.dumps(row))
    if args.write:
        model.save_info(args.model)
    print(json.dumps(result))
    return 0


def run_mrc(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from cli.errors import UsageError
    from cli.mrc import load_mrc_model
    from core.mrc.squad import read_squad
    from core.mrc.tuning import tune_mrc

    dev = read_squad(existing_file(args.dev, "held-out questions"), require_answers=True)
    if not dev:
        raise UsageError(f"{args.dev}: no questions")
    model = load_mrc_model(args.model)
    ctx, bar = console_context()
    try:
        result = tune_mrc(model, dev, ctx)
    finally:
        bar.close()
    for row in result.pop("grid"):
        print(json.dumps(row))
    if args.write:
        model.info.layout = replace(model.info.layout, stride=result["stride"])
        model.info.length_penalty = result["length_penalty"]
        model.save_info(args.model)
    print(json.dumps(result))
    return 0
