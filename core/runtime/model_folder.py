"""Model folders on disk, whatever the task: ``model.json`` (ours),
``bert_config.json``, ``vocab.txt`` and ``weights.h5`` (docs/decisions/0002),
and :class:`FolderModel`, the base of every model kept in one.

Reading checks the folder before anything is built; writing fills a sibling
folder and swaps it in, so a crash never leaves half a model in place.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Self

from core.encoder.bert import read_bert_config
from core.encoder.checkpoint import save_weights_float16
from core.encoder.tokenizer import Tokenizer, load_vocab, save_vocab
from core.errors import BadInput
from core.outputs import replacing_folder

WEIGHTS_FILE = "weights.h5"
FILES = ("model.json", "bert_config.json", "vocab.txt", WEIGHTS_FILE)


@dataclass
class FolderContents:
    meta: dict[str, Any]  # model.json
    config: dict[str, Any]  # bert_config.json
    tokenizer: Tokenizer
    weights: Path


def read_model_folder(
    folder: str | Path, error: type[BadInput], what: str = "KG Studio model folder"
) -> FolderContents:
    """Everything but the network; ``error`` is raised with a message naming
    the folder and what is wrong."""
    folder = Path(folder)
    if not folder.is_dir():
        raise error(f"{folder}: not a folder (expected a {what})")
    for name in FILES:
        if not (folder / name).is_file():
            raise error(f"{folder}: missing {name} (expected a {what})")
    try:
        meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise error(f"{folder / 'model.json'}:{e.lineno}: invalid JSON ({e.msg})") from None
    config = read_bert_config(folder / "bert_config.json")
    tokenizer = Tokenizer(load_vocab(folder / "vocab.txt"))
    if len(tokenizer) != config["vocab_size"]:
        raise error(
            f"{folder}: vocab.txt has {len(tokenizer)} tokens, bert_config.json says "
            f"{config['vocab_size']}"
        )
    return FolderContents(meta, config, tokenizer, folder / WEIGHTS_FILE)


def write_model_json(folder: Path, meta: dict[str, Any]) -> None:
    from core.formats.jsonl import atomic_write_text

    with atomic_write_text(folder / "model.json") as f:
        f.write(json.dumps(meta, ensure_ascii=False, indent=2))


def write_model_folder(
    folder: str | Path,
    meta: dict[str, Any],
    bert_config: dict[str, Any],
    tokenizer: Tokenizer,
    keras_model: Any,
    extra_files: dict[str, str] | None = None,
) -> Path:
    """Write the whole folder; a complete folder replaces the old one at once.
    ``extra_files``: a family's own files (name -> text), written with it."""
    folder = Path(folder)
    with replacing_folder(folder) as tmp:
        write_model_json(tmp, meta)
        (tmp / "bert_config.json").write_text(json.dumps(bert_config, indent=2), encoding="utf-8")
        save_vocab(tmp / "vocab.txt", tokenizer.vocab)
        save_weights_float16(keras_model, tmp / WEIGHTS_FILE)
        for name, text in (extra_files or {}).items():
            (tmp / name).write_text(text, encoding="utf-8")
    return folder


def encoder_config(
    bert_config: dict[str, Any], tokenizer: Tokenizer, longest: int, advice: str
) -> dict[str, Any]:
    """The encoder's hyper-parameters for this vocabulary; BadInput (with
    ``advice``) when inputs of ``longest`` ids would not fit its position
    embeddings."""
    config = {**bert_config, "vocab_size": len(tokenizer)}
    positions = int(config.get("max_position_embeddings", 512))
    if longest > positions:
        raise BadInput(
            f"inputs of {longest} tokens exceed the encoder's max_position_embeddings "
            f"({positions}); {advice.format(positions=positions)}"
        )
    return config


def read_header(folder: str | Path, task: str, format_version: int, what: str) -> dict[str, Any]:
    """``folder``'s ``model.json``, checked (without TensorFlow) to be a
    ``task`` model in a format this version reads: BadInput saying why not."""
    from core.modelcheck import check_meta

    where = Path(folder) / "model.json"
    try:
        meta = json.loads(where.read_text(encoding="utf-8"))
    except OSError as e:
        raise BadInput(f"{where}: cannot read ({e.strerror or e}); expected a {what}") from None
    except ValueError as e:
        raise BadInput(f"{where}: invalid JSON ({e})") from None
    check_meta(meta, str(where), BadInput)
    check_header(meta, task, format_version, str(where), BadInput)
    return meta


def check_header(
    meta: dict[str, Any], task: str, format_version: int, where: str, error: type[BadInput]
) -> None:
    """Refuse a ``model.json`` written for another task or in a newer format."""
    if meta.get("task") != task:
        raise error(f"{where}: task is {meta.get('task')!r}, expected {task!r}")
    if meta.get("format_version", 0) > format_version:
        raise error(
            f"{where}: format_version {meta.get('format_version')} is newer than this "
            f"KG Studio understands ({format_version})"
        )


class FolderModel:
    """A model kept as a folder: its settings (``info``, written as
    ``model.json`` by ``info.to_json()``), the network, the tokenizer and the
    encoder's config. Loading rebuilds the network in code and loads the
    weights; nothing in the folder is executed or unpickled."""

    folder_error: ClassVar[type[BadInput]] = BadInput
    folder_kind: ClassVar[str] = "KG Studio model folder"

    info: Any
    network: Any  # with the ``train_model`` whose weights the folder holds
    tokenizer: Tokenizer
    bert_config: dict[str, Any]

    def __init__(
        self, info: Any, network: Any, tokenizer: Tokenizer, bert_config: dict[str, Any]
    ) -> None:
        self.info = info
        self.network = network
        self.tokenizer = tokenizer
        self.bert_config = bert_config

    @classmethod
    def read_info(cls, meta: dict[str, Any], where: str) -> Any:
        """The settings in ``model.json``, checked."""
        raise NotImplementedError

    @classmethod
    def build_network(cls, config: dict[str, Any], info: Any) -> Any:
        """The network for these settings, with fresh weights."""
        raise NotImplementedError

    @classmethod
    def load(cls, folder: str | Path) -> Self:
        found = read_model_folder(folder, cls.folder_error, cls.folder_kind)
        info = cls.read_info(found.meta, str(Path(folder) / "model.json"))
        network = cls.build_network(found.config, info)
        network.train_model.load_weights(str(found.weights))
        return cls(info, network, found.tokenizer, found.config)

    def save(self, folder: str | Path) -> Path:
        """Write the model folder; a complete folder replaces the old one at once."""
        return write_model_folder(
            folder,
            self.info.to_json(),
            self.bert_config,
            self.tokenizer,
            self.network.train_model,
            self.extra_files(),
        )

    def extra_files(self) -> dict[str, str]:
        """Files of the family's own kept beside the weights (name -> text)."""
        return {}

    def save_info(self, folder: str | Path) -> None:
        """Rewrite only ``model.json`` (thresholds, name...), atomically."""
        write_model_json(Path(folder), self.info.to_json())
