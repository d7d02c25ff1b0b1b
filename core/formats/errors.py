"""The error every reader raises on bad input: file, line, what was expected."""

from __future__ import annotations

from pathlib import Path

from core.errors import BadInput


class FormatError(BadInput):
    """``path:line: message``; the message says what was expected and what was found."""

    def __init__(self, path: str | Path, line: int | None, expected: str) -> None:
        self.path = str(path)
        self.line = line
        self.expected = expected
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {expected}")


def describe(value: object) -> str:
    """A short name for what was found instead of what was expected."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return names.get(type(value), type(value).__name__)
