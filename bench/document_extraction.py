"""Whole documents against their sentences one by one, and cancelling a huge one.

    python bench/document_extraction.py [--model DIR] [--data FILE] [--docs 40] [--size 20]

Held-out sentences are joined into documents of ``--size`` sentences (a
sentence without a final terminator gets "。"; a second run ends each with a
line break). For each document, the triples found by extracting its sentences
one at a time (as they appear in the document) are compared with those found
by extracting the whole document at once: the share of the first found by the
second should be at least 0.9. The share of the triples of the sentences as
given (without the added "。") is printed beside it.
The same is printed for reading the document in plain windows, without cutting
it into sentences, as the extractor did before. Then a 5 MB document is
extracted in a thread and cancelled after 3 s: the time until the work stops
is printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TERMINATORS = "。！？；!?"


def keys_per_text(model, texts: list[str]) -> list[set[tuple[str, str, str]]]:
    return [{t.key() for t in ts} for ts in model.extract(texts, batch_size=32)]


def union_per_doc(model, docs: list[list[str]]) -> list[set[tuple[str, str, str]]]:
    alone = keys_per_text(model, [s for doc in docs for s in doc])
    wanted, k = [], 0
    for doc in docs:
        wanted.append(set().union(*alone[k : k + len(doc)]))
        k += len(doc)
    return wanted


def share(wanted: list[set], found: list[set]) -> float:
    return sum(len(w & h) for w, h in zip(wanted, found, strict=True)) / max(
        1, sum(len(w) for w in wanted)
    )


def coverage(model, docs: list[list[str]], ending) -> dict[str, float]:
    """``ending`` turns a sentence into the form it takes inside the document."""
    as_given = union_per_doc(model, docs)
    as_in_doc = union_per_doc(model, [[ending(s) for s in doc] for doc in docs])
    joined = ["".join(ending(s) for s in doc) for doc in docs]
    whole = keys_per_text(model, joined)
    with mock.patch("core.triples.model.split_sentences", lambda text: [(0, len(text))]):
        windows = keys_per_text(model, joined)
    return {
        "sentence_triples": sum(len(w) for w in as_in_doc),
        "whole_document": share(as_in_doc, whole),
        "whole_document_extra": sum(len(h - w) for w, h in zip(as_in_doc, whole, strict=True)),
        "vs_sentences_as_given": share(as_given, whole),
        "plain_windows": share(as_in_doc, windows),
    }


def with_full_stop(sentence: str) -> str:
    return sentence if sentence[-1] in TERMINATORS else sentence + "。"


def with_line_break(sentence: str) -> str:
    return sentence + "\n"


def with_full_stops(doc: list[str]) -> str:
    return "".join(with_full_stop(s) for s in doc)


def cancel_latency(model, sentences: list[str], megabytes: float = 5.0) -> dict[str, float]:
    from core.runtime.jobs import Cancelled, JobContext

    block = with_full_stops(sentences)
    text = block * (int(megabytes * 1e6 / len(block.encode("utf-8"))) + 1)
    ctx = JobContext.null()
    finished: dict[str, float] = {}

    def work() -> None:
        try:
            model.extract([text], batch_size=32, ctx=ctx)
        except Cancelled:
            finished["at"] = time.perf_counter()

    thread = threading.Thread(target=work)
    thread.start()
    time.sleep(3.0)
    asked = time.perf_counter()
    ctx.cancel()
    thread.join()
    return {
        "document_mb": round(len(text.encode("utf-8")) / 1e6, 2),
        "cancel_seconds": round(finished.get("at", time.perf_counter()) - asked, 3),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=str(ROOT / "resources" / "models" / "triples-demo"))
    p.add_argument("--data", default=str(ROOT / "resources" / "data" / "triples" / "dev.jsonl"))
    p.add_argument("--docs", type=int, default=40)
    p.add_argument("--size", type=int, default=20)
    args = p.parse_args()

    from core.triples.model import TripleModel

    model = TripleModel.load(args.model)
    with open(args.data, encoding="utf-8") as f:
        sentences = [json.loads(line)["text"].strip() for line in f if line.strip()]
    sentences = [s for s in sentences if s][: args.docs * args.size]
    docs = [sentences[k : k + args.size] for k in range(0, len(sentences), args.size)]
    result = {"documents": len(docs), "sentences_per_document": args.size}
    for name, ending in (("full_stops", with_full_stop), ("line_breaks", with_line_break)):
        c = coverage(model, docs, ending)
        result[name] = {k: round(v, 4) if isinstance(v, float) else v for k, v in c.items()}
        print(
            f"joined with {name:<12} whole document finds {c['whole_document']:.3f} of the "
            f"{c['sentence_triples']} sentence-by-sentence triples "
            f"({c['vs_sentences_as_given']:.3f} of those of the sentences as given, "
            f"without the added ending); plain windows: {c['plain_windows']:.3f}"
        )
    result["cancel"] = cancel_latency(model, sentences[:200])
    print(
        f"cancelling a {result['cancel']['document_mb']} MB document: stopped after "
        f"{result['cancel']['cancel_seconds']:.3f} s"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
