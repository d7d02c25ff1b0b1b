"""A model folder checked field by field before TensorFlow sees it.

Loading a damaged folder otherwise fails deep inside h5py or Keras with a
traceback; here every file is read as the user would look at it (valid UTF-8,
JSON, the right types, weights that are all on disk) so the message can say
which file is wrong and how.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from core.errors import BadInput
from core.formats.errors import describe

T = TypeVar("T")

_FILES = ("model.json", "bert_config.json", "vocab.txt", "weights.h5")
_CONFIG_INTS = (
    "hidden_size",
    "num_hidden_layers",
    "num_attention_heads",
    "intermediate_size",
    "vocab_size",
    "max_position_embeddings",
    "type_vocab_size",
)
# model.json fields of either task and the type each must have when present.
_POSITIVE_INTS = (
    "maxlen",
    "pair_maxlen",
    "description_chars",
    "max_candidates",
    "max_free_tokens",
    "format_version",
)
_FRACTIONS = ("mention_start", "mention_end", "alias_threshold", "nil_threshold")
_STRINGS = ("task", "name", "version")


def _read_json(path: Path, error: type[BadInput]) -> Any:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(
            f"{path}: expected UTF-8 text, got the byte 0x{e.object[e.start]:02x}"
        ) from None
    except OSError as e:
        raise error(f"{path}: cannot read ({e.strerror})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise error(f"{path}:{e.lineno}: invalid JSON ({e.msg})") from None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_fraction(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 <= value <= 1


def check_meta(meta: object, where: str, error: type[BadInput]) -> None:
    """``model.json``: an object whose known fields have their types."""
    if not isinstance(meta, dict):
        raise error(f"{where}: expected a JSON object, got {describe(meta)}")
    for key in _POSITIVE_INTS:
        least = 0 if key == "format_version" else 1
        if key in meta and not (_is_int(meta[key]) and meta[key] >= least):
            raise error(
                f'{where}: "{key}": expected a whole number of {least} or more, got {meta[key]!r}'
            )
    for key in _FRACTIONS:
        if key in meta and not _is_fraction(meta[key]):
            raise error(f'{where}: "{key}": expected a number from 0 to 1, got {meta[key]!r}')
    for key in _STRINGS:
        if key in meta and not isinstance(meta[key], str):
            raise error(f'{where}: "{key}": expected a string, got {describe(meta[key])}')
    if "predicates" in meta:
        p = meta["predicates"]
        if not isinstance(p, list) or not p or not all(isinstance(x, str) for x in p):
            raise error(f'{where}: "predicates": expected a non-empty list of strings')
    if "schema" in meta:
        s = meta["schema"]
        if not isinstance(s, list) or not all(isinstance(x, dict) for x in s):
            raise error(f'{where}: "schema": expected a list of objects')
    thresholds = meta.get("thresholds")
    if thresholds is not None:
        if not isinstance(thresholds, dict):
            raise error(f'{where}: "thresholds": expected an object, got {describe(thresholds)}')
        for key, value in thresholds.items():
            if not _is_fraction(value):
                raise error(f'{where}: "thresholds.{key}": expected a number from 0 to 1')
    if "training" in meta and not isinstance(meta["training"], dict):
        raise error(f'{where}: "training": expected an object, got {describe(meta["training"])}')


def check_bert_config(config: object, where: str, error: type[BadInput]) -> None:
    if not isinstance(config, dict):
        raise error(f"{where}: expected a JSON object, got {describe(config)}")
    for key in _CONFIG_INTS:
        if key in config and not (_is_int(config[key]) and config[key] > 0):
            raise error(f'{where}: "{key}": expected a whole number above 0, got {config[key]!r}')


def check_text_file(path: Path, error: type[BadInput]) -> None:
    """A vocabulary or a corpus: UTF-8 throughout, not empty."""
    try:
        with open(path, "rb") as f:
            for n, raw in enumerate(f, 1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    raise error(
                        f"{path}:{n}: expected UTF-8 text, got the byte 0x{raw[e.start]:02x}"
                    ) from None
    except OSError as e:
        raise error(f"{path}: cannot read ({e.strerror})") from None


def check_weights(path: Path, error: type[BadInput]) -> None:
    """An HDF5 file whose every array lies within the file: a copy cut short
    is found here, not in the middle of building the network."""
    import h5py

    size = path.stat().st_size
    try:
        with h5py.File(path, "r") as f:
            arrays: list[Any] = []
            f.visititems(
                lambda _, obj: arrays.append(obj) if isinstance(obj, h5py.Dataset) else None
            )
            if not arrays:
                raise error(f"{path}: holds no weights")
            for ds in arrays:
                offset = ds.id.get_offset()
                if offset is None:  # chunked or compact: only reading tells
                    ds[()]
                elif offset + ds.id.get_storage_size() > size:
                    raise error(f"{path}: cut short (copy the model folder again)")
    except (OSError, RuntimeError, KeyError, ValueError) as e:
        if isinstance(e, BadInput):
            raise
        raise error(
            f"{path}: not a readable weights file (truncated or damaged: {_first_line(e)})"
        ) from None


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def check_model_folder(
    folder: str | Path, error: type[BadInput] = BadInput, what: str = "KG Studio model folder"
) -> None:
    """Raise ``error`` naming the file and the fault for anything loading would trip on."""
    folder = Path(folder)
    if not folder.is_dir():
        raise error(f"{folder}: not a folder (expected a {what})")
    for name in _FILES:
        if not (folder / name).is_file():
            raise error(f"{folder}: missing {name} (expected a {what})")
    check_meta(_read_json(folder / "model.json", error), str(folder / "model.json"), error)
    config_path = folder / "bert_config.json"
    check_bert_config(_read_json(config_path, error), str(config_path), error)
    check_text_file(folder / "vocab.txt", error)
    check_weights(folder / "weights.h5", error)


def load_checked(
    folder: str | Path,
    load: Callable[[Path], T],
    error: type[BadInput] = BadInput,
    what: str = "KG Studio model folder",
) -> T:
    """``load(folder)`` after :func:`check_model_folder`; what still fails in
    the loader (weights of another shape) becomes ``error`` naming the folder."""
    folder = Path(folder)
    check_model_folder(folder, error, what)
    try:
        return load(folder)
    except BadInput:
        raise
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise error(f"{folder}: cannot load this {what} ({_first_line(e)})") from None
