"""Streaming JSON-lines reading with line-numbered errors; atomic writing."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from core.formats.errors import FormatError, describe


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line; never reads the whole file."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise FormatError(
                    path, number, f"expected UTF-8 text (bad byte at column {e.start + 1})"
                ) from None
            if number == 1:
                line = line.lstrip("\ufeff")
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise FormatError(
                    path, number, f"expected a JSON object, column {e.colno}: {e.msg}"
                ) from None
            if not isinstance(obj, dict):
                raise FormatError(path, number, f"expected a JSON object, got {describe(obj)}")
            yield number, obj


def read_json_any(path: str | Path) -> Iterator[tuple[int, dict]]:
    """A JSON array of objects (yielding their 1-based positions) or JSON lines."""
    with open(path, encoding="utf-8-sig") as f:
        head = f.read(4096).lstrip()
    if not head.startswith("["):
        yield from iter_jsonl(path)
        return
    try:
        with open(path, encoding="utf-8-sig") as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        raise FormatError(
            path, e.lineno, f"expected a JSON array, column {e.colno}: {e.msg}"
        ) from None
    for i, obj in enumerate(data, 1):
        if not isinstance(obj, dict):
            raise FormatError(path, None, f"item {i}: expected a JSON object, got {describe(obj)}")
        yield i, obj


@contextmanager
def atomic_write_text(path: str | Path) -> Iterator[IO[str]]:
    """Write to a temporary file beside ``path`` and rename it over ``path`` only
    when the block finishes: a failure leaves the old file untouched."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_jsonl_atomic(path: str | Path, records: Iterable[dict]) -> int:
    n = 0
    with atomic_write_text(path) as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False))
            f.write("\n")
            n += 1
    return n
