"""What makes a folder a linker, checked without TensorFlow: the window
checks a folder someone picks before the linking process loads it."""

from __future__ import annotations

import json
from pathlib import Path

from core.errors import BadInput
from core.modelcheck import check_meta
from core.runtime.model_folder import check_header

TASK = "link"
FORMAT_VERSION = 1


def check_linker_folder(folder: str | Path) -> None:
    """BadInput saying why, unless ``folder``'s ``model.json`` is a linker's
    in a format this version reads."""
    where = Path(folder) / "model.json"
    try:
        meta = json.loads(where.read_text(encoding="utf-8"))
    except OSError as e:
        raise BadInput(f"{where}: cannot read ({e.strerror or e})") from None
    except ValueError as e:
        raise BadInput(f"{where}: invalid JSON ({e})") from None
    check_meta(meta, str(where), BadInput)
    check_header(meta, TASK, FORMAT_VERSION, str(where), BadInput)
