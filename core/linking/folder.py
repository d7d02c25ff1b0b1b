"""What makes a folder a linker, checked without TensorFlow: the window
checks a folder someone picks before the linking process loads it."""

from __future__ import annotations

from pathlib import Path

from core.runtime.model_folder import read_header

TASK = "link"
FORMAT_VERSION = 1


def check_linker_folder(folder: str | Path) -> None:
    """BadInput saying why, unless ``folder``'s ``model.json`` is a linker's
    in a format this version reads."""
    read_header(folder, TASK, FORMAT_VERSION, "KG Studio linker folder")
