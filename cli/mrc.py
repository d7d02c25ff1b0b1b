"""Reading comprehension from the command line:

ask           --model DIR (--question Q --context TEXT | --input SQUAD.json --output PRED.json
                | --project P.kgs --template "{subject}..." --type T --predicate P)
train mrc     --method mlm|seq2seq|pointer --train F --dev F --base CKPT --out DIR
evaluate mrc  --gold SQUAD.json (--pred PRED.json | --model DIR)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cli.common import (
    add_schedule_options,
    console_context,
    existing_file,
    fraction,
    positive_int,
    print_training,
)
from cli.errors import UsageError
from core.outputs import check_output, check_run_output
from core.runtime.training_state import state_folder

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = ROOT / "resources" / "models" / "mrc-demo"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask", help="answer questions from passages (reading comprehension)")
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="answerer folder (default: demo)")
    p.add_argument("--question", help="one question (with --context)")
    p.add_argument("--context", help="the passage to answer it from")
    p.add_argument("--input", help="SQuAD v1.1-layout file of questions (answers may be [])")
    p.add_argument("--output", help="JSON file: question id -> answer (the CMRC layout)")
    p.add_argument("--project", help="ask every document of this project (with --template)")
    p.add_argument(
        "--template", help='the question, with {subject} for the name: "{subject}的出生日期是？"'
    )
    p.add_argument("--type", help="the entity type of the names asked about (with --project)")
    p.add_argument("--predicate", help="predicate of the triples the answers become")
    p.add_argument("--object-type", default="", help="type recorded for the answers")
    p.add_argument(
        "--min-score", type=fraction, default=0.0, help="drop answers scored lower (default 0)"
    )
    p.add_argument("--batch-size", type=positive_int, default=32)
    p.set_defaults(handler=run_ask)


def register_train(kinds: argparse._SubParsersAction) -> None:
    t = kinds.add_parser("mrc", help="reading comprehension (SQuAD v1.1-layout files)")
    t.add_argument("--method", required=True, choices=["mlm", "seq2seq", "pointer"])
    t.add_argument("--train", required=True, help="SQuAD v1.1-layout training file")
    t.add_argument("--dev", required=True, help="held-out SQuAD file: F1 after each epoch")
    t.add_argument("--base", required=True, help="Google-BERT-format checkpoint folder")
    t.add_argument("--out", required=True, help="model folder to write (the best epoch)")
    add_schedule_options(t, 8, 1e-3, 150)
    t.add_argument(
        "--negatives",
        type=fraction,
        default=0.25,
        help="share of samples shown in a window without the answer (default 0.25)",
    )
    t.add_argument("--passage-len", type=positive_int, default=100, help="tokens per window")
    t.add_argument("--question-len", type=positive_int, default=32)
    t.add_argument("--answer-len", type=positive_int, default=24, help="longest answer, tokens")
    t.add_argument("--stride", type=positive_int, default=None, help="default: 3/4 of a window")
    t.add_argument("--beam", type=positive_int, default=4, help="seq2seq beam size")
    t.add_argument(
        "--question-marks",
        action="store_true",
        help="pointer: mark the window tokens the question shares (in their segment ids)",
    )
    t.add_argument(
        "--fold-traditional",
        action="store_true",
        help="read Traditional characters as their Simplified forms (DRCD and CMRC as one script)",
    )
    t.set_defaults(handler=run_train)


def register_evaluate(kinds: argparse._SubParsersAction) -> None:
    e = kinds.add_parser("mrc", help="answers: CMRC 2018 exact match and character F1")
    e.add_argument("--gold", required=True, help="SQuAD v1.1-layout file with reference answers")
    src = e.add_mutually_exclusive_group(required=True)
    src.add_argument("--pred", help="JSON file: question id -> answer")
    src.add_argument("--model", help="answerer folder: answer the gold questions now")
    e.add_argument("--batch-size", type=positive_int, default=32)
    e.set_defaults(handler=run_evaluate)


def load_mrc_model(folder: str | Path):
    """An answerer, its folder checked before TensorFlow is imported."""
    from core.modelcheck import load_checked
    from core.mrc.model import MrcFolderError

    def load(path: Path):
        from core.mrc.model import MrcModel

        return MrcModel.load(path)

    return load_checked(
        folder, load, MrcFolderError, what="KG Studio reading-comprehension model folder"
    )


def _answer_all(model, questions, batch_size: int):
    ctx, bar = console_context()
    try:
        return model.answer_many([(q.question, q.context) for q in questions], batch_size, ctx)
    finally:
        bar.close()


def run_ask_project(args: argparse.Namespace) -> int:
    from core.mrc.ask_documents import Slot, answer_planned, ask_every_document, check_template
    from core.store.project import Project, project_exists

    for name in ("template", "type", "predicate"):
        if not getattr(args, name):
            raise UsageError(f"--project needs --{name}")
    check_template(args.template)
    if not project_exists(args.project):
        raise UsageError(f"{args.project}: no such project")
    slot = Slot(args.template, args.type, args.predicate, args.object_type, args.min_score)
    model = load_mrc_model(args.model)

    def run(planned, texts, slot, ctx):
        return answer_planned(model, planned, texts, slot, ctx, args.batch_size)

    ctx, bar = console_context()
    try:
        with Project.open(args.project, create=False) as project:
            result = ask_every_document(project, run, slot, ctx)
    finally:
        bar.close()
    print(json.dumps(result, ensure_ascii=False))
    return 0


def run_ask(args: argparse.Namespace) -> int:
    from core.mrc.squad import read_squad, write_predictions

    one = args.question is not None or args.context is not None
    many = args.input is not None or args.output is not None
    if args.project is not None:
        if one or many:
            raise UsageError("--project asks the project's documents: drop --question / --input")
        return run_ask_project(args)
    if one == many:
        raise UsageError("give --question and --context, --input and --output, or --project")
    if one and (args.question is None or args.context is None):
        raise UsageError("--question needs --context (and --context needs --question)")
    if many and (args.input is None or args.output is None):
        raise UsageError("--input needs --output (and --output needs --input)")
    if many:
        check_output(args.output, [(args.input, "the input"), (args.model, "the model folder")])
        questions = read_squad(existing_file(args.input, "questions"))
        model = load_mrc_model(args.model)
        answers = _answer_all(model, questions, args.batch_size)
        write_predictions(
            args.output, {q.id: a.text for q, a in zip(questions, answers, strict=True)}
        )
        print(json.dumps({"questions": len(questions), "output": args.output}))
        return 0
    model = load_mrc_model(args.model)
    answer = model.answer(args.question, args.context)
    print(json.dumps({**answer.to_json(), "model": model.identity}, ensure_ascii=False))
    return 0


def run_evaluate(args: argparse.Namespace) -> int:
    from core.mrc.metric import score_predictions
    from core.mrc.squad import read_predictions, read_squad

    gold_path = existing_file(args.gold, "gold questions")
    gold = read_squad(gold_path, require_answers=True)
    if not gold:
        raise UsageError(f"{gold_path}: no questions")
    if args.pred:
        predicted = read_predictions(existing_file(args.pred, "predictions"))
    else:
        model = load_mrc_model(args.model)
        answers = _answer_all(model, gold, args.batch_size)
        predicted = {q.id: a.text for q, a in zip(gold, answers, strict=True)}
    scores = score_predictions({q.id: q.answer_texts() for q in gold}, predicted)
    print(json.dumps({**scores.summary(), "answered": scores.answered}))
    print(json.dumps(scores.summary()))
    return 0


def run_train(args: argparse.Namespace) -> int:
    from core.encoder.bert import prepare_encoder
    from core.mrc.model import MrcModel, MrcModelInfo
    from core.mrc.squad import read_squad
    from core.mrc.training import MrcTrainSettings, train_mrc
    from core.mrc.windows import Layout

    check_run_output(
        args.out,
        [(args.train, "the training data"), (args.dev, "the dev data"), (args.base, "the base")],
        state_folder(args.out),
    )
    train = read_squad(existing_file(args.train, "training data"), require_answers=True)
    dev = read_squad(existing_file(args.dev, "dev data"), require_answers=True)
    if not train:
        raise UsageError(f"{args.train}: no questions")
    if args.question_marks and args.method != "pointer":
        raise UsageError("--question-marks is for --method pointer")
    stride = args.stride or max(1, args.passage_len * 3 // 4)
    layout = Layout(args.question_len, args.passage_len, args.answer_len, stride)
    setup = prepare_encoder(args.base)
    out = Path(args.out)
    info = MrcModelInfo(
        method=args.method,
        layout=layout,
        beam_size=args.beam,
        question_marks=args.question_marks,
        fold_traditional=args.fold_traditional,
        name=args.name or out.name,
        version=args.model_version,
        training={"train_file": str(args.train), "dev_file": str(args.dev), "base": str(args.base)},
    )
    model = MrcModel.create(info, setup.config, setup.tokenizer, checkpoint=setup.checkpoint)
    settings = MrcTrainSettings(
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        warmup_steps=args.warmup,
        negative_rate=args.negatives,
        seed=args.seed,
    )
    return print_training(
        lambda ctx, on_epoch: train_mrc(model, train, dev, out, settings, ctx, on_epoch=on_epoch),
        out,
    )
