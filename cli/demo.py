"""`demo`: extract triples from the shipped demo sentences and print them."""

from __future__ import annotations

import argparse
from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[1] / "resources"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="print the triples the demo model finds in a few sentences")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from cli.extract import demo_model_dir
    from core.triples.model import TripleModel

    texts = [
        line.strip()
        for line in (RESOURCES / "demo" / "sentences.txt").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    print(f"Loading the demo model from {demo_model_dir()} ...", flush=True)
    model = TripleModel.load(demo_model_dir())
    for text, triples in zip(texts, model.extract(texts), strict=True):
        print(f"\n{text}")
        if not triples:
            print("  (no triple found)")
        for t in triples:
            print(f"  ({t.subject}, {t.predicate}, {t.object})  score {t.score:.2f}")
    return 0
