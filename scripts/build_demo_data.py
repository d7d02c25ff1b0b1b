"""Build the demo training data in resources/data/ from the DuIE and CCKS files.

    python scripts/build_demo_data.py --shared ../shared/data

Writes (all UTF-8 JSON lines, DuIE 1.0 style, schema of DuIE 1.0):
  resources/data/triples/train.jsonl   DuIE 1.0 training subset (90%) + the DuIE 2.0
                                       training sentences whose predicates all
                                       exist in the DuIE 1.0 schema
  resources/data/triples/dev.jsonl     held out: the other 10% of DuIE 1.0 + the
                                       DuIE 2.0 dev sentences with 1.0 predicates
  resources/data/triples/schema.jsonl  the DuIE 1.0 schema (all_50_schemas)
  resources/data/triples/schema_duie2.json  the DuIE 2.0 schema: the predicates a
                                       sentence with "source": "duie2" annotates
  resources/data/pretrain.txt          unlabelled text for MLM pre-training: every
                                       training text, the DuIE 2.0 test texts, and
                                       knowledge-base descriptions, the CMRC 2018 / DRCD
                                       Wikipedia paragraphs; no dev text.
Every sentence records its "source" (duie1 / duie2): DuIE 2.0 never annotates
the eight predicates that only DuIE 1.0 has, so training masks them there.
The split is fixed by a seed, so running this again gives the same files.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def read_lines(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def value(x):
    return x["@value"] if isinstance(x, dict) else x


def to_v1(record: dict, schema_types: dict[str, list[tuple[str, str]]]) -> dict | None:
    """A DuIE 2.0 record in DuIE 1.0 form, or None if a predicate is not in 1.0."""
    spo_list = []
    for spo in record["spo_list"]:
        options = schema_types.get(spo["predicate"])
        if not options:
            return None
        subject_type = value(spo["subject_type"])
        types = next((t for t in options if t[0] == subject_type), options[0])
        spo_list.append(
            {
                "subject": spo["subject"],
                "subject_type": types[0],
                "predicate": spo["predicate"],
                "object": value(spo["object"]),
                "object_type": types[1],
            }
        )
    if not spo_list:
        return None
    return {"text": record["text"], "spo_list": spo_list, "source": "duie2"}


def strip_v1(record: dict) -> dict:
    return {"text": record["text"], "spo_list": record["spo_list"], "source": "duie1"}


def mrc_contexts(folder: Path) -> list[str]:
    """The Wikipedia paragraphs of the reading-comprehension sets (no questions)."""
    texts = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        texts += [p["context"] for a in data["data"] for p in a["paragraphs"]]
    return texts


def kb_texts(path: Path) -> list[str]:
    texts = []
    for entity in read_lines(path):
        for item in entity.get("data", []):
            obj = item.get("object", "")
            if len(obj) >= 20:
                texts.extend(s for s in re.split(r"(?<=[。！？])", obj) if s.strip())
    return texts


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "data")
    parser.add_argument("--seed", type=int, default=2019)
    args = parser.parse_args()
    d = args.shared

    schema = read_lines(d / "duie1" / "all_50_schemas")
    schema_types: dict[str, list[tuple[str, str]]] = {}
    for s in schema:
        schema_types.setdefault(s["predicate"], []).append((s["subject_type"], s["object_type"]))

    v1 = [strip_v1(r) for r in read_lines(d / "duie1" / "train_data.json") if r["spo_list"]]
    random.Random(args.seed).shuffle(v1)
    n_dev_v1 = len(v1) // 10
    dev = v1[:n_dev_v1]
    train = v1[n_dev_v1:]
    v2_train_all = read_lines(d / "duie2" / "train_data_5000.json") + read_lines(
        d / "duie2" / "duie_train_4000.json"
    )
    v2_dev_all = read_lines(d / "duie2" / "duie_dev.json")
    dev += [r for r in (to_v1(x, schema_types) for x in v2_dev_all) if r]
    dev_texts = {r["text"] for r in dev}
    train += [
        r
        for r in (to_v1(x, schema_types) for x in v2_train_all)
        if r and r["text"] not in dev_texts
    ]
    # Exact duplicates inside train would only over-weight a sentence.
    seen: set[str] = set()
    train = [r for r in train if not (r["text"] in seen or seen.add(r["text"]))]

    out = args.out
    write_jsonl(out / "triples" / "train.jsonl", train)
    write_jsonl(out / "triples" / "dev.jsonl", dev)
    shutil.copyfile(d / "duie1" / "all_50_schemas", out / "triples" / "schema.jsonl")
    shutil.copyfile(d / "duie2" / "duie_schema.json", out / "triples" / "schema_duie2.json")

    corpus = [r["text"] for r in v1[n_dev_v1:]]
    corpus += [r["text"] for r in v2_train_all if r["text"] not in dev_texts]
    corpus += [r["text"] for r in read_lines(d / "duie2" / "duie_test1.json")]
    corpus += kb_texts(d / "ccks_kb" / "kb_data")
    corpus += mrc_contexts(d / "mrc")
    corpus = [t.replace("\n", " ").strip() for t in corpus if t.strip() and t not in dev_texts]
    (out / "pretrain.txt").write_text("\n".join(corpus) + "\n", encoding="utf-8")
    print(
        json.dumps(
            {
                "train": len(train),
                "train_triples": sum(len(r["spo_list"]) for r in train),
                "dev": len(dev),
                "dev_triples": sum(len(r["spo_list"]) for r in dev),
                "pretrain_texts": len(corpus),
                "pretrain_chars": sum(len(t) for t in corpus),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
