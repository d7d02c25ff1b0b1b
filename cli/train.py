"""`train triples`: train a triple extraction model on DuIE files."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli import link, mrc
from cli.common import (
    SOURCE_SCHEMA_HELP,
    add_schedule_options,
    existing_file,
    fraction,
    non_negative_int,
    positive_int,
    print_training,
    read_vocab,
    source_schemas,
)
from cli.errors import UsageError
from core.outputs import check_run_output
from core.runtime.training_state import state_folder


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    t = kinds.add_parser("triples", help="triple extraction (DuIE files)")
    t.add_argument("--train", required=True, help="DuIE 1.0 or 2.0 JSON lines with spo_list")
    t.add_argument("--dev", required=True, help="held-out DuIE file: F1 after each epoch")
    t.add_argument("--schema", required=True, help="schema file: the predicates to learn")
    base = t.add_mutually_exclusive_group(required=True)
    base.add_argument("--base", help="Google-BERT-format checkpoint folder to fine-tune")
    base.add_argument("--config", choices=["small"], help="a fresh small encoder (no pre-training)")
    t.add_argument("--vocab", help="vocab.txt for --config small (default: the Chinese BERT vocab)")
    t.add_argument(
        "--cut-vocab",
        action="store_true",
        help="keep only tokens seen in the training text (smaller model)",
    )
    t.add_argument("--out", required=True, help="model folder to write (the best epoch)")
    add_schedule_options(
        t, 20, None, 200, "peak learning rate (default 1e-3 from scratch, 5e-5 with --base)"
    )
    t.add_argument(
        "--ema",
        type=fraction,
        default=0.0,
        help="momentum of a moving average of the weights, evaluated and saved "
        "in their place (default 0: the raw weights)",
    )
    t.add_argument(
        "--ema-start", type=non_negative_int, default=0, help="steps before the average starts"
    )
    t.add_argument("--source-schema", action="append", help=SOURCE_SCHEMA_HELP)
    t.add_argument(
        "--no-source-mask",
        action="store_true",
        help="with --source-schema: score each source on its predicates, but "
        "train every sentence on every predicate",
    )
    t.add_argument(
        "--swap-entities",
        type=fraction,
        default=0.0,
        help="share of training sentences whose subjects and objects get other "
        "names of the same type each epoch (default 0)",
    )
    t.add_argument("--maxlen", type=positive_int, default=160, help="tokens per window")
    t.set_defaults(handler=run)
    link.register_train(kinds)
    mrc.register_train(kinds)


def _no_unknown_fields(path: str) -> None:
    """A misspelt field in a schema would otherwise be carried along unused."""
    from core.formats.duie import SCHEMA_FIELDS
    from core.formats.jsonl import read_json_any

    for line, obj in read_json_any(path):
        unknown = [k for k in obj if k not in SCHEMA_FIELDS]
        if unknown:
            raise UsageError(
                f'{path}:{line}: unknown field "{unknown[0]}" '
                f"(expected only {', '.join(SCHEMA_FIELDS)})"
            )


def run(args: argparse.Namespace) -> int:
    from core.encoder.bert import prepare_encoder
    from core.encoder.tokenizer import load_vocab, save_vocab
    from core.formats.duie import read_schema, read_sentences
    from core.triples.model import TripleModel, TripleModelInfo
    from core.triples.training import TrainSettings, train_triples

    protect = [
        (args.train, "the training data"),
        (args.dev, "the dev data"),
        (args.schema, "the schema"),
        (args.base, "the base checkpoint"),
        (args.vocab, "the vocabulary"),
    ]
    protect += [(v.partition("=")[2], "a source schema") for v in args.source_schema or []]
    check_run_output(args.out, protect, state_folder(args.out))
    schema = read_schema(existing_file(args.schema, "schema"))
    _no_unknown_fields(args.schema)
    train = list(read_sentences(existing_file(args.train, "training data"), require_triples=True))
    dev = list(read_sentences(existing_file(args.dev, "dev data"), require_triples=True))
    if not train:
        raise UsageError(f"{args.train}: no sentences")
    out = Path(args.out)
    state_vocab = state_folder(out) / "vocab.txt"

    default_vocab = Path(__file__).resolve().parents[1] / "resources" / "bert_vocab" / "vocab.txt"
    vocab_path = None if args.base else existing_file(args.vocab or default_vocab, "vocabulary")
    if vocab_path is not None:
        read_vocab(vocab_path)  # its faults named here, not deep in building the encoder
    fixed = load_vocab(state_vocab) if args.cut_vocab and state_vocab.exists() else None
    setup = prepare_encoder(
        args.base,
        vocab_path,
        cut_texts=(s.text for s in train) if args.cut_vocab and fixed is None else None,
        fixed_vocab=fixed,
    )
    lr = args.lr or (5e-5 if args.base else 1e-3)
    sources = source_schemas(args.source_schema)
    info = TripleModelInfo(
        predicates=schema.predicates,
        schema=[
            {"subject_type": e.subject_type, "predicate": e.predicate, "object_type": e.object_type}
            for e in schema.entries
        ],
        maxlen=args.maxlen,
        name=args.name or out.name,
        version=args.model_version,
        training={
            "train_file": str(args.train),
            "dev_file": str(args.dev),
            "base": str(args.base) if args.base else f"fresh {args.config} encoder",
        },
    )
    model = TripleModel.create(
        info,
        setup.config,
        setup.tokenizer,
        checkpoint=setup.checkpoint,
        keep_tokens=setup.keep_tokens,
    )
    if args.cut_vocab:
        state_vocab.parent.mkdir(parents=True, exist_ok=True)
        save_vocab(state_vocab, setup.tokenizer.vocab)
    settings = TrainSettings(
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=lr,
        warmup_steps=args.warmup,
        ema_momentum=args.ema,
        ema_start=args.ema_start,
        mask_sources=not args.no_source_mask,
        entity_swap_rate=args.swap_entities,
        seed=args.seed,
    )
    return print_training(
        lambda ctx, on_epoch: train_triples(
            model, train, dev, out, settings, ctx, on_epoch=on_epoch, sources=sources
        ),
        out,
    )
