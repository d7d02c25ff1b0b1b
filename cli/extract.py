"""`extract`: triples from text with a model folder."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from cli.common import console_context, existing_file, positive_int
from cli.errors import UsageError
from core.outputs import check_output


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("extract", help="extract (subject, predicate, object) triples")
    p.add_argument("--model", default=None, help="model folder (default: the shipped demo model)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--text", help="one text; prints one JSON line")
    src.add_argument("--input", help="JSON lines with a 'text' field (other fields are kept)")
    p.add_argument("--output", help="where to write the JSON lines (with --input)")
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.set_defaults(handler=run)


def demo_model_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "resources" / "models" / "triples-demo"


def triple_json(t) -> dict:
    return {
        "subject": t.subject,
        "subject_type": t.subject_type,
        "predicate": t.predicate,
        "object": t.object,
        "object_type": t.object_type,
        "subject_span": [t.subject_span.start, t.subject_span.end],
        "object_span": [t.object_span.start, t.object_span.end],
        "score": t.score,
    }


def run(args: argparse.Namespace) -> int:
    from core.formats.jsonl import iter_jsonl, write_jsonl_atomic

    if args.input and not args.output:
        raise UsageError("--input needs --output (where to write the results)")
    model_dir = args.model or demo_model_dir()
    if args.output:
        check_output(args.output, [(args.input, "the input"), (model_dir, "the model folder")])
    records: list[dict] = []
    if args.input:
        path = existing_file(args.input, "input JSON lines")
        for line, obj in iter_jsonl(path):
            if not isinstance(obj.get("text"), str):
                raise UsageError(f'{path}:{line}: expected an object with a "text" string')
            records.append(obj)
        if not records:
            raise UsageError(f'{path}: no texts (expected JSON lines with a "text" field)')
    else:
        records.append({"text": args.text})

    from cli.common import load_triple_model

    model = load_triple_model(model_dir)
    ctx, bar = console_context()
    try:
        results = model.extract([r["text"] for r in records], batch_size=args.batch_size, ctx=ctx)
    finally:
        bar.close()
    out = [
        {**r, "spo_list": [triple_json(t) for t in ts]}
        for r, ts in zip(records, results, strict=True)
    ]
    if args.output:
        n = write_jsonl_atomic(args.output, out)
        total = sum(len(r["spo_list"]) for r in out)
        print(f"{len(out)} texts, {total} triples -> {args.output}", file=sys.stderr)
        del n
    else:
        print(json.dumps(out[0], ensure_ascii=False))
    return 0
