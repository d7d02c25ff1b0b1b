"""Streaming JSON-lines reading with line-numbered errors; atomic writing."""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from core.errors import OutputError
from core.formats.errors import FormatError, describe

_BOM = b"\xef\xbb\xbf"
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _undecodable(path: str | Path, line: int, raw: bytes, start: int) -> FormatError:
    """The error for a line whose byte ``start`` is not UTF-8."""
    # The column counts characters, as an editor shows it, not bytes.
    column = len(raw[:start].decode("utf-8", "replace")) + 1
    return FormatError(
        path, line, f"expected UTF-8 text, got the byte 0x{raw[start]:02x} at column {column}"
    )


def iter_jsonl(path: str | Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line; never reads the whole file."""
    # Binary mode splits at \n only (text mode also splits at a lone \r) and lets a
    # byte that is not UTF-8 be reported with its line.
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            if number == 1:
                raw = raw.removeprefix(_BOM)
            try:
                # Without its newline, an error at the end of the line reports a
                # column on this line rather than column 1 of the next.
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as e:
                raise _undecodable(path, number, raw, e.start) from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise FormatError(
                    path,
                    number,
                    f"expected a JSON object, got invalid JSON at column {e.colno}: {e.msg}",
                ) from None
            if not isinstance(obj, dict):
                raise FormatError(path, number, f"expected a JSON object, got {describe(obj)}")
            yield number, obj


def _first_byte(path: str | Path) -> bytes:
    """The first byte that is not a BOM or whitespace (b"" for an empty file)."""
    with open(path, "rb") as f:
        if f.read(len(_BOM)) != _BOM:
            f.seek(0)
        while chunk := f.read(65536):
            stripped = chunk.lstrip(b" \t\r\n")
            if stripped:
                return stripped[:1]
    return b""


class _Cursor:
    """A position in a decoded file that knows its line, counted incrementally
    because recounting from the start for every item would be quadratic."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self._line_start = 0

    def move(self, pos: int) -> None:
        self.line += self.text.count("\n", self.pos, pos)
        newline = self.text.rfind("\n", self.pos, pos)
        if newline >= 0:
            self._line_start = newline + 1
        self.pos = pos

    def skip_space(self, after: int = 0) -> None:
        self.move(_JSON_SPACE.match(self.text, self.pos + after).end())

    def at(self, char: str) -> bool:
        return self.text.startswith(char, self.pos)

    def found(self) -> str:
        if self.pos >= len(self.text):
            return "the end of the file"
        return f"{self.text[self.pos]!r} at column {self.pos - self._line_start + 1}"


def _iter_json_array(path: str | Path) -> Iterator[tuple[int, dict]]:
    raw = Path(path).read_bytes().removeprefix(_BOM)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        start = raw.rfind(b"\n", 0, e.start) + 1
        end = raw.find(b"\n", e.start)
        line = raw[start : end if end >= 0 else len(raw)]
        raise _undecodable(path, raw.count(b"\n", 0, start) + 1, line, e.start - start) from None

    decoder = json.JSONDecoder()
    cursor = _Cursor(text)
    cursor.skip_space()
    if not cursor.at("["):
        raise FormatError(path, cursor.line, f'expected a JSON array "[", got {cursor.found()}')
    cursor.skip_space(1)
    if cursor.at("]"):
        cursor.skip_space(1)
    else:
        while True:
            # Items are decoded one at a time so that each carries the line it
            # starts on; errors found later then point into the file.
            try:
                obj, end = decoder.raw_decode(text, cursor.pos)
            except json.JSONDecodeError as e:
                raise FormatError(
                    path,
                    e.lineno,
                    f"expected a JSON object, got invalid JSON at column {e.colno}: {e.msg}",
                ) from None
            if not isinstance(obj, dict):
                raise FormatError(path, cursor.line, f"expected a JSON object, got {describe(obj)}")
            yield cursor.line, obj
            cursor.move(end)
            cursor.skip_space()
            if cursor.at(","):
                cursor.skip_space(1)
            elif cursor.at("]"):
                cursor.skip_space(1)
                break
            else:
                raise FormatError(
                    path, cursor.line, f'expected "," or "]" after an item, got {cursor.found()}'
                )
    if cursor.pos < len(text):
        raise FormatError(
            path, cursor.line, f"expected nothing after the closing ], got {cursor.found()}"
        )


def read_json_any(path: str | Path) -> Iterator[tuple[int, dict]]:
    """The objects of a JSON array file or of a JSON-lines file, each with the
    line it starts on, so errors found later can point into the file."""
    if _first_byte(path) == b"[":
        yield from _iter_json_array(path)
    else:
        yield from iter_jsonl(path)


def _create_beside(path: Path) -> tuple[int, str]:
    # os.open with 0o666 lets the umask decide the permissions, as for any new
    # file; tempfile.mkstemp would leave the result readable by its owner only.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), str(tmp)
        except FileExistsError:
            continue


def _sync_folder(folder: Path) -> None:
    # Makes the rename itself durable; not possible on every platform.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _cannot_write(path: Path, e: OSError) -> OutputError:
    # The temporary file's name means nothing to the user: name their path.
    reason = e.strerror or type(e).__name__
    if isinstance(e, FileNotFoundError):
        reason = f"the folder {path.parent} does not exist"
    return OutputError(f"{path}: cannot write ({reason})")


@contextmanager
def atomic_write_text(path: str | Path) -> Iterator[IO[str]]:
    """Write to a temporary file beside ``path`` and rename it over ``path`` only
    when the block finishes: a failure leaves the old file untouched."""
    path = Path(path)
    try:
        fd, tmp = _create_beside(path)
    except OSError as e:
        raise _cannot_write(path, e) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            yield f
            try:
                f.flush()
                os.fsync(f.fileno())
            except OSError as e:
                raise _cannot_write(path, e) from None
        try:
            os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
        except FileNotFoundError:
            pass
        try:
            os.replace(tmp, path)
        except OSError as e:
            raise _cannot_write(path, e) from None
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    _sync_folder(path.parent)


def write_jsonl_atomic(path: str | Path, records: Iterable[dict]) -> int:
    """Write one JSON object per line (UTF-8, Chinese kept readable), atomically;
    returns the number of records."""
    n = 0
    with atomic_write_text(path) as f:
        for record in records:
            f.write(json.dumps(record, ensure_ascii=False))
            f.write("\n")
            n += 1
    return n
