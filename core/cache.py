"""Files derived from the user's data (indexes), kept in the user's cache
folder and named by a hash of the data's content.

Never beside the data: its folder may be read-only or shared, and a name
beside it says nothing about which version of the data it was built from.
A changed file gets a new hash, so a stale entry is never used and a copy
of the same file anywhere reuses the entry.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

ENV = "KGSTUDIO_CACHE_DIR"  # tests and sandboxes point it elsewhere


def cache_dir(kind: str) -> Path:
    """The folder for one kind of entry (not created here)."""
    root = os.environ.get(ENV)
    if not root:
        import platformdirs

        root = platformdirs.user_cache_dir("kg-studio", appauthor=False)
    return Path(root) / kind


def file_digest(path: str | Path) -> str:
    """A hex digest of the file's bytes, read in blocks."""
    h = hashlib.blake2b(digest_size=20)
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()
