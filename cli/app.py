"""Command-line entry point: `kgstudio SUBCOMMAND ...` or `python main.py SUBCOMMAND ...`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from cli import cluster, demo, evaluate, extract, gui, link, mrc, pretrain, project, train, tune
from cli.errors import UsageError
from core.errors import BadInput

BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """Usage mistakes as one line, like every other error; ``--help`` still
    shows the usage. Sub-command parsers inherit the class."""

    def error(self, message: str) -> NoReturn:
        self.exit(BAD_INPUT, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kgstudio",
        description="KG Studio: Chinese triple extraction, entity linking, reading comprehension "
        "and graph clustering.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (
        gui,
        extract,
        link,
        mrc,
        evaluate,
        train,
        tune,
        pretrain,
        project,
        cluster,
        demo,
    ):
        module.register(sub)
    return parser


def _one_line(e: Exception) -> str:
    """The message of a user's error on one line; an OSError names its file
    (a disk that is full, a file that vanished) without Python's decoration."""
    if isinstance(e, OSError) and not isinstance(e, BadInput) and e.filename:
        text = f"{e.filename}: {e.strerror or type(e).__name__}"
    elif isinstance(e, UnicodeDecodeError):
        text = f"expected UTF-8 text, got the byte 0x{e.object[e.start]:02x}"
    else:
        text = str(e) or type(e).__name__
    return " ".join(text.split("\n"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = gui.run if args.command is None else args.handler
    try:
        return handler(args) or 0
    except (UsageError, BadInput, OSError, UnicodeDecodeError) as e:
        # core's BadInput (FormatError, ModelFolderError, ...) says file:line: what was expected.
        if os.environ.get("KGSTUDIO_DEBUG"):
            raise
        print(f"kgstudio: error: {_one_line(e)}", file=sys.stderr)
        return BAD_INPUT
    except KeyboardInterrupt:
        print("kgstudio: interrupted", file=sys.stderr)
        return 130
