"""Small helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterator
from pathlib import Path

from cli.errors import UsageError
from core.jobs import ConsoleProgress, JobContext


def existing_file(path: str | Path, what: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise UsageError(f"{p}: no such file ({what})")
    if p.is_dir():
        raise UsageError(f"{p}: is a folder, expected a file ({what})")
    return p


def read_corpus(path: Path) -> Iterator[str]:
    """Plain text (one text per line) or JSON lines with a "text" field."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
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


def positive_int(text: str) -> int:
    """argparse type: a whole number of 1 or more (a batch size, a step count)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: expected 1 or more")
    return value


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text}: expected 0 or more")
    return value


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


def console_context() -> tuple[JobContext, ConsoleProgress]:
    bar = ConsoleProgress()
    return JobContext(bar), bar


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
