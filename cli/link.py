"""Entity linking from the command line:

link           --kb KB --model DIR --input IN.jsonl --output OUT.jsonl
train link     --kb KB --train F --dev F --out DIR [--base CKPT]
evaluate link  --gold F (--pred F | --model DIR --kb KB)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from cli.common import (
    add_schedule_options,
    console_context,
    existing_file,
    fraction,
    non_negative_int,
    positive_int,
    print_training,
)
from cli.errors import UsageError
from core.modelcheck import check_model_folder
from core.outputs import check_output, check_run_output
from core.runtime.training_state import state_folder

_DEFAULT_VOCAB = Path(__file__).resolve().parents[1] / "resources" / "bert_vocab" / "vocab.txt"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("link", help="link entity mentions in texts to a knowledge base")
    p.add_argument("--kb", required=True, help="knowledge base in the CCKS kb_data format")
    p.add_argument(
        "--model", help="linker folder (default: none, the alias-prior dictionary baseline)"
    )
    p.add_argument("--input", required=True, help="JSON lines with text_id and text")
    p.add_argument("--output", required=True, help="JSON lines with mention_data added")
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.add_argument("--nil-threshold", type=fraction, help="override the model's NIL threshold")
    p.set_defaults(handler=run_link)


def register_train(kinds: argparse._SubParsersAction) -> None:
    t = kinds.add_parser("link", help="entity linker (CCKS 2019 annotated queries)")
    t.add_argument("--kb", required=True, help="knowledge base in the CCKS kb_data format")
    t.add_argument("--train", required=True, help="annotated queries (mention_data with kb_id)")
    t.add_argument("--dev", required=True, help="held-out queries: F1 after each epoch")
    t.add_argument(
        "--dev-kb",
        help="the knowledge base the dev queries link against (default: --kb); a KB "
        "disjoint from the training one tests the NIL threshold where it will be used",
    )
    base = t.add_mutually_exclusive_group(required=True)
    base.add_argument("--base", help="Google-BERT-format checkpoint folder to fine-tune")
    base.add_argument("--config", choices=["small"], help="a fresh small encoder")
    t.add_argument("--vocab", help="vocab.txt for --config small (default: the Chinese BERT vocab)")
    t.add_argument("--out", required=True, help="linker folder to write (the best epoch)")
    add_schedule_options(t, 30, 2e-4, 200, batch_size=False)
    t.add_argument(
        "--negatives", type=non_negative_int, default=3, help="random negatives per mention"
    )
    t.set_defaults(handler=run_train)


def register_evaluate(kinds: argparse._SubParsersAction) -> None:
    e = kinds.add_parser("link", help="links: CCKS micro P/R/F1 over (offset, mention, kb_id)")
    e.add_argument("--gold", required=True, help="annotated queries")
    src = e.add_mutually_exclusive_group(required=True)
    src.add_argument("--pred", help="linker output for the same queries, in the same order")
    src.add_argument("--model", help="linker folder: link the gold texts now (needs --kb)")
    src.add_argument(
        "--baseline", action="store_true", help="the alias-prior dictionary baseline (needs --kb)"
    )
    e.add_argument("--kb", help="knowledge base for --model / --baseline")
    e.set_defaults(handler=run_evaluate)


def open_kb(path: str):
    from core.linking.candidates import load_or_build_index
    from core.linking.kb import KnowledgeBase

    kb_path = existing_file(path, "knowledge base")
    ctx, bar = console_context()
    try:
        kb = KnowledgeBase.load(kb_path, ctx)
        if not len(kb):
            raise UsageError(f"{kb_path}: no entities (expected CCKS kb_data JSON lines)")
        index = load_or_build_index(kb, kb_path, ctx)
    finally:
        bar.close()
    return kb, index


def _link(texts: list[str], kb, index, model_dir: str | None, batch_size: int, nil=None):
    from core.linking.baseline import link_by_prior

    if not model_dir:
        return link_by_prior(texts, index)
    from cli.common import load_linker

    model = load_linker(model_dir)
    if nil is not None:
        model.info.nil_threshold = nil
    ctx, bar = console_context()
    try:
        return model.link(texts, kb, index, batch_size=batch_size, ctx=ctx)
    finally:
        bar.close()


def run_link(args: argparse.Namespace) -> int:
    from core.linking.queries import read_queries, write_queries

    check_output(
        args.output,
        [
            (args.input, "the input"),
            (args.kb, "the knowledge base"),
            (args.model, "the model folder"),
        ],
    )
    if args.model:
        # A damaged linker is found before the knowledge base is indexed.
        check_model_folder(args.model, what="KG Studio linker folder")
    queries = list(read_queries(existing_file(args.input, "input"), require_id=True))
    if not queries:
        raise UsageError(f"{args.input}: no queries (expected JSON lines with text_id and text)")
    kb, index = open_kb(args.kb)
    started = time.perf_counter()
    results = _link(
        [q.text for q in queries], kb, index, args.model, args.batch_size, args.nil_threshold
    )
    seconds = time.perf_counter() - started
    for q, mentions in zip(queries, results, strict=True):
        q.mentions = mentions
    write_queries(args.output, queries)
    n = sum(len(m) for m in results)
    print(
        json.dumps(
            {
                "queries": len(queries),
                "mentions": n,
                "nil": sum(1 for ms in results for m in ms if m.is_nil),
                "seconds": round(seconds, 2),
                "output": str(args.output),
            }
        )
    )
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from core.linking.evaluation import score_links
    from core.linking.queries import read_queries

    gold = list(read_queries(existing_file(args.gold, "gold queries"), annotated=True))
    if args.pred:
        pred_path = existing_file(args.pred, "predictions")
        pred = list(read_queries(pred_path))
        if len(pred) != len(gold):
            raise UsageError(
                f"{pred_path}: {len(pred)} queries, but {args.gold} has {len(gold)} "
                "(expected the same queries in the same order)"
            )
        for n, (g, p) in enumerate(zip(gold, pred, strict=True), 1):
            if g.text != p.text:
                raise UsageError(f"{pred_path}: query {n} ({p.text_id}) differs from the gold text")
        predicted = [p.mentions for p in pred]
    else:
        if not args.kb:
            raise UsageError("--model and --baseline need --kb")
        if args.model:  # before the knowledge base, which takes a while
            check_model_folder(args.model, what="KG Studio linker folder")
        kb, index = open_kb(args.kb)
        predicted = _link([q.text for q in gold], kb, index, args.model, 32)
    # Gold files that say where each query comes from ("source") get a line
    # per source first: linking a KB's own sentences and leaving ordinary
    # words alone are different skills. The last line is over every query.
    sources = sorted({str(q.extra["source"]) for q in gold if "source" in q.extra})
    for source in sources if len(sources) > 1 else ():
        rows = [
            (g, p) for g, p in zip(gold, predicted, strict=True) if g.extra.get("source") == source
        ]
        part = score_links(
            [g.mentions for g, _ in rows], [p for _, p in rows], [g.unscored() for g, _ in rows]
        )
        print(json.dumps({"source": source, "queries": len(rows), **part.summary()}))
    scores = score_links([q.mentions for q in gold], predicted, [q.unscored() for q in gold])
    print(json.dumps(scores.summary()))
    return 0


def run_train(args: argparse.Namespace) -> int:
    from core.encoder.bert import prepare_encoder
    from core.encoder.tokenizer import load_vocab, save_vocab
    from core.linking.model import LinkerInfo, LinkerModel
    from core.linking.queries import read_queries
    from core.linking.samples import MENTION_CLOSE, MENTION_OPEN
    from core.linking.training import LinkTrainSettings, train_linker

    check_run_output(
        args.out,
        [
            (args.kb, "the knowledge base"),
            (args.train, "the training data"),
            (args.dev, "the dev data"),
            (args.dev_kb, "the dev knowledge base"),
            (args.base, "the base checkpoint"),
            (args.vocab, "the vocabulary"),
        ],
        state_folder(args.out),
    )
    train = list(read_queries(existing_file(args.train, "training queries"), annotated=True))
    dev = list(read_queries(existing_file(args.dev, "dev queries"), annotated=True))
    if not train:
        raise UsageError(f"{args.train}: no queries")
    kb, index = open_kb(args.kb)
    dev_kb = open_kb(args.dev_kb) if args.dev_kb else None
    missing = {m.kb_id for q in train for m in q.mentions if not m.is_nil} - set(kb.entities)
    if missing:
        raise UsageError(
            f"{args.train}: {len(missing)} kb_id values are not in {args.kb} "
            f"(for example {sorted(missing)[0]})"
        )
    out = Path(args.out)
    state_vocab = state_folder(out) / "vocab.txt"
    vocab_path = None if args.base else existing_file(args.vocab or _DEFAULT_VOCAB, "vocabulary")
    fixed = load_vocab(state_vocab) if state_vocab.exists() else None

    def texts():
        yield MENTION_OPEN + MENTION_CLOSE
        for q in train:
            yield q.text
        for e in kb.entities.values():
            yield e.description(LinkerInfo.description_chars)

    setup = prepare_encoder(
        args.base, vocab_path, cut_texts=texts() if fixed is None else None, fixed_vocab=fixed
    )
    state_vocab.parent.mkdir(parents=True, exist_ok=True)
    save_vocab(state_vocab, setup.tokenizer.vocab)
    info = LinkerInfo(
        name=args.name or out.name,
        version=args.model_version,
        training={
            "kb": str(args.kb),
            "train_file": str(args.train),
            "dev_file": str(args.dev),
            "dev_kb": str(args.dev_kb or args.kb),
            "base": str(args.base) if args.base else f"fresh {args.config} encoder",
        },
    )
    model = LinkerModel.create(
        info, setup.config, setup.tokenizer, setup.checkpoint, setup.keep_tokens
    )
    settings = LinkTrainSettings(
        epochs=args.epochs,
        learning_rate=args.lr,
        warmup_steps=args.warmup,
        random_negatives=args.negatives,
        seed=args.seed,
    )
    return print_training(
        lambda ctx, on_epoch: train_linker(
            model, kb, index, train, dev, out, settings, ctx, on_epoch, dev_kb
        ),
        out,
    )
