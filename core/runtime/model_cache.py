"""The one model (or knowledge base) a child process keeps loaded.

One slot, not a dictionary: a model takes hundreds of megabytes, and a window
works with one model of each family at a time. The slot is keyed on the
folder's content, so a model folder changed on disk (``tune --write`` writing
new thresholds into ``model.json``, a retrained model saved over the old one)
is loaded anew by a child that is already running.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Generic, TypeVar

from core.cache import file_digest

T = TypeVar("T")


def file_key(path: str | Path) -> tuple:
    """A data file as it is now: where, how long, when last written."""
    path = Path(path).resolve()
    st = path.stat()
    return (str(path), st.st_size, st.st_mtime_ns)


def folder_key(folder: str | Path) -> tuple:
    """A model folder as it is now: ``model.json`` by its content (small, and
    edited in place by tools within one mtime tick), the other files (the
    weights: too large to hash on every request) by size and mtime. A folder
    that is not there gets a key too; loading it gives the readable error."""
    folder = Path(folder).resolve()
    if not folder.is_dir():
        return (str(folder),)
    meta = folder / "model.json"
    others = sorted(
        (p.name, p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.iterdir()
        if p.is_file() and p.name != "model.json"
    )
    return (str(folder), file_digest(meta) if meta.is_file() else None, tuple(others))


class SingleSlot(Generic[T]):
    """One loaded value and the key it was loaded under."""

    def __init__(self) -> None:
        self.key: Hashable | None = None
        self.value: T | None = None

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        """The value for ``key``, loaded by ``load()`` unless it is the one kept."""
        if self.value is None or key != self.key:
            # The old value goes first: two models at once may not fit in memory.
            self.key = self.value = None
            self.value = load()
            self.key = key
        return self.value
