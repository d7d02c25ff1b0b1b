"""`pretrain mlm`: masked-language-model pre-training of an encoder;
`pretrain from-model`: a trained model's encoder as a checkpoint folder."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cli.common import (
    console_context,
    existing_file,
    non_negative_int,
    positive_float,
    positive_int,
    read_corpus,
    read_vocab,
)
from cli.errors import UsageError
from core.outputs import check_run_output
from core.runtime.training_state import state_folder


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pretrain", help="pre-train an encoder on unlabelled text")
    kinds = p.add_subparsers(dest="kind", metavar="KIND", required=True)
    m = kinds.add_parser(
        "mlm",
        help="masked language modelling from scratch; writes a Google-BERT-format folder",
    )
    m.add_argument(
        "--corpus",
        action="append",
        required=True,
        help="text file (one text per line) or JSON lines with 'text'; repeatable",
    )
    start = m.add_mutually_exclusive_group(required=True)
    start.add_argument("--vocab", help="BERT vocab.txt: a fresh small encoder over it")
    start.add_argument(
        "--base",
        help="Google-BERT-format checkpoint folder to go on pre-training (its vocabulary, "
        "config and MLM head), e.g. on your own domain's text",
    )
    m.add_argument(
        "--cut-vocab",
        action="store_true",
        help="keep only the tokens that occur in the corpus (smaller model)",
    )
    m.add_argument("--out", required=True, help="output folder (resumes if it holds a run)")
    m.add_argument("--steps", type=positive_int, default=3000)
    m.add_argument("--batch-size", type=positive_int, default=32)
    m.add_argument("--maxlen", type=positive_int, default=128)
    m.add_argument("--lr", type=positive_float, default=5e-4)
    m.add_argument("--warmup", type=non_negative_int, default=300)
    m.add_argument("--seed", type=int, default=42)
    m.set_defaults(handler=run)
    e = kinds.add_parser(
        "from-model",
        help="the encoder of a trained triple model, as a Google-BERT-format folder "
        "(so --base can start another task from it)",
    )
    e.add_argument("--model", required=True, help="KG Studio triple model folder")
    e.add_argument("--out", required=True, help="checkpoint folder to write")
    e.add_argument(
        "--mlm-head",
        metavar="CKPT",
        help="checkpoint folder (same vocabulary) whose MLM head to write beside the encoder, "
        "so the MLM and seq2seq answerers can start from it (e.g. the model's own base)",
    )
    e.set_defaults(handler=run_from_model)


def run(args: argparse.Namespace) -> int:
    from core.encoder.bert import find_checkpoint, read_bert_config, small_config
    from core.encoder.mlm import MlmSettings, mlm_state_folder, pretrain_mlm
    from core.encoder.tokenizer import Tokenizer, cut_vocabulary, load_vocab, save_vocab
    from core.runtime.model_folder import encoder_config

    protect = [(c, "a corpus") for c in args.corpus]
    protect.append((args.vocab, "the vocabulary") if args.vocab else (args.base, "the base"))
    legacy = Path(args.out) / "state"  # where early versions kept the state
    check_run_output(args.out, protect, legacy if legacy.is_dir() else state_folder(args.out))
    base = find_checkpoint(args.base) if args.base else None
    if base is not None and args.cut_vocab:
        raise UsageError("--cut-vocab is for --vocab: a base keeps its own vocabulary")
    texts: list[str] = []
    for path in args.corpus:
        texts.extend(read_corpus(existing_file(path, "pre-training corpus")))
    if not texts:
        raise UsageError(f"{', '.join(args.corpus)}: no text (expected one text per line)")
    out = Path(args.out)
    saved_vocab = mlm_state_folder(out) / "vocab.txt"
    # Everything is read before the output folder is made: a bad input leaves
    # no folder behind.
    if saved_vocab.exists():  # resuming: the vocabulary must not change
        tokenizer = Tokenizer(load_vocab(saved_vocab))
    elif base is not None:
        tokenizer = read_vocab(base.vocab_path)
    else:
        tokenizer = read_vocab(args.vocab)
        if args.cut_vocab:
            vocab, _ = cut_vocabulary(tokenizer, texts)
            tokenizer = Tokenizer(vocab)
    if base is not None:
        config = encoder_config(
            read_bert_config(base.config_path), tokenizer, args.maxlen, "lower --maxlen"
        )
    else:
        config = small_config(len(tokenizer))
    out.mkdir(parents=True, exist_ok=True)
    if not saved_vocab.exists():
        saved_vocab.parent.mkdir(parents=True, exist_ok=True)
        save_vocab(saved_vocab, tokenizer.vocab)
    settings = MlmSettings(
        maxlen=args.maxlen,
        batch_size=args.batch_size,
        steps=args.steps,
        learning_rate=args.lr,
        warmup_steps=args.warmup,
        seed=args.seed,
    )
    ctx, bar = console_context()
    try:
        checkpoint = base.checkpoint if base is not None else None
        summary = pretrain_mlm(texts, tokenizer, config, out, settings, ctx, checkpoint)
    finally:
        bar.close()
    summary.pop("history", None)
    print(json.dumps(summary))
    return 0


def run_from_model(args: argparse.Namespace) -> int:
    from cli.common import load_triple_model
    from core.encoder.checkpoint import write_google_checkpoint

    protect = [(args.model, "the model folder")]
    if args.mlm_head:
        protect.append((args.mlm_head, "the MLM head's checkpoint"))
    check_run_output(args.out, protect, None)
    model = load_triple_model(args.model)
    head = None
    if args.mlm_head:
        from core.encoder.bert import find_checkpoint
        from core.encoder.checkpoint import mlm_head_from
        from core.encoder.tokenizer import load_vocab

        found = find_checkpoint(args.mlm_head)
        head = mlm_head_from(
            found.checkpoint,
            model.tokenizer.vocab,
            load_vocab(found.vocab_path),
            int(model.bert_config["hidden_size"]),
        )
    out = write_google_checkpoint(
        model.network.bert, args.out, model.bert_config, model.tokenizer.vocab, extra=head
    )
    print(json.dumps({"out": str(out), "vocab_size": len(model.tokenizer)}))
    return 0
