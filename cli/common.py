"""Small helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path

from cli.errors import UsageError
from core.runtime.jobs import ConsoleProgress, JobContext


def existing_file(path: str | Path, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{p}: no such file ({what})")
    if p.is_dir():
        raise UsageError(f"{p}: is a folder, expected a file ({what})")
    return p


def read_corpus(path: Path) -> Iterator[str]:
    """Plain text (one text per line) or JSON lines with a "text" field."""
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8").strip()
            except UnicodeDecodeError as e:
                raise UsageError(
                    f"{path}:{n}: expected UTF-8 text, got the byte 0x{raw[e.start]:02x}"
                ) from None
            if not line:
                continue
            if path.suffix in (".jsonl", ".json"):
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise UsageError(f"{path}:{n}: expected a JSON object ({e.msg})") from None
                if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                    raise UsageError(f'{path}:{n}: expected an object with a "text" string')
                yield obj["text"]
            else:
                yield line


def _whole(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"{text}: expected {least} or more")
    return value


def positive_int(text: str) -> int:
    """argparse type: a whole number of 1 or more (a batch size, a step count)."""
    return _whole(text, 1)


def non_negative_int(text: str) -> int:
    return _whole(text, 0)


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text}: expected a finite number")
    return value


def positive_float(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text}: expected a number above 0")
    return value


def fraction(text: str) -> float:
    """argparse type: a number from 0 to 1 (a threshold, a momentum)."""
    value = _number(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text}: expected a number from 0 to 1")
    return value


def add_schedule_options(
    parser: argparse.ArgumentParser,
    epochs: int,
    lr: float | None,
    warmup: int,
    lr_help: str = "peak learning rate",
    batch_size: bool = True,
) -> None:
    """The options every ``train`` command shares (core/runtime/trainer.py),
    with the family's defaults: --epochs --batch-size --lr --warmup --seed --name
    --model-version."""
    parser.add_argument("--epochs", type=positive_int, default=epochs)
    if batch_size:
        parser.add_argument("--batch-size", type=positive_int, default=32)
    parser.add_argument("--lr", type=positive_float, default=lr, help=lr_help)
    parser.add_argument("--warmup", type=non_negative_int, default=warmup, help="warm-up steps")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--name", default=None, help="model name recorded in model.json")
    parser.add_argument(
        "--model-version",
        default="1",
        help="version recorded in model.json; what the model predicts carries NAME@VERSION "
        "as its origin, so a retrained model should get a new one",
    )


def load_triple_model(folder: str | Path):
    """A triple model, its folder checked first so that a damaged one is one
    line naming the file, before TensorFlow is even imported."""
    from core.modelcheck import load_checked

    def load(path: Path):
        from core.triples.model import TripleModel

        return TripleModel.load(path)

    return load_checked(folder, load)


def load_linker(folder: str | Path):
    from core.modelcheck import load_checked

    def load(path: Path):
        from core.linking.model import LinkerModel

        return LinkerModel.load(path)

    return load_checked(folder, load, what="KG Studio linker folder")


def read_vocab(path: str | Path, what: str = "vocabulary"):
    """A tokenizer from a vocab.txt, with every fault named by file (and line)."""
    from core.encoder.tokenizer import Tokenizer
    from core.errors import BadInput
    from core.modelcheck import check_text_file

    p = existing_file(path, what)
    check_text_file(p, BadInput)
    try:
        return Tokenizer.from_file(p)
    except BadInput as e:
        raise UsageError(f"{p}: {e} (expected a BERT vocab.txt, one token a line)") from None


def console_context() -> tuple[JobContext, ConsoleProgress]:
    bar = ConsoleProgress()
    return JobContext(bar), bar


EpochCallback = Callable[[dict], None]


def print_training(train: Callable[[JobContext, EpochCallback], dict], out: Path) -> int:
    """Run ``train(ctx, on_epoch)`` as every ``train`` command does: the
    progress bar on stderr, each epoch's record on stdout as it ends, then
    the best F1, the model folder and the time taken."""
    ctx, bar = console_context()

    def on_epoch(record: dict) -> None:
        bar.close()
        print(json.dumps(record, ensure_ascii=False), flush=True)

    try:
        result = train(ctx, on_epoch)
    finally:
        bar.close()
    best = result["best_f1"]
    summary = {
        "best_f1": None if best is None else round(best, 4),
        "out": str(out),
        "seconds": result["seconds_this_run"],
    }
    print(json.dumps(summary))
    return 0


SOURCE_SCHEMA_HELP = (
    'NAME=SCHEMA: sentences whose "source" is NAME annotate only the predicates '
    "of SCHEMA (repeatable); their other predicates are neither learnt as absent "
    "nor scored"
)


def source_schemas(values: list[str] | None) -> dict[str, frozenset[str]] | None:
    """``--source-schema NAME=FILE`` options as source -> annotated predicates."""
    from core.formats.duie import read_schema

    if not values:
        return None
    sources: dict[str, frozenset[str]] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise UsageError(f"--source-schema {value}: expected NAME=SCHEMA_FILE")
        sources[name] = frozenset(read_schema(existing_file(path, "source schema")).predicates)
    return sources
