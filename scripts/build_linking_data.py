"""Make the demo linker's data (see core/linking/dataset.py for how) from the
CCKS 2019 KB subset and the DuIE sentences of resources/data/triples/
(training sentences from its train.jsonl, held-out ones from its dev.jsonl),
into resources/data/linking/:

    kb_train.jsonl, kb_dev.jsonl, kb_test.jsonl   three KBs, disjoint by entity
    train.jsonl, dev.jsonl, test.jsonl            queries linked against them
    kb.jsonl                                      every entity under its own
                                                  name: the window's demo KB
    stats.json                                    counts, NIL and renamed ids

    python scripts/build_linking_data.py [--kb ../shared/data/ccks_kb/kb_data] [--seed 42]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _corpus(path: Path) -> list:
    from core.formats.jsonl import iter_jsonl
    from core.linking.dataset import corpus_sentence

    out = []
    for _, obj in iter_jsonl(path):
        args = []
        for spo in obj.get("spo_list", []):
            args.append(spo.get("subject", ""))
            o = spo.get("object", "")
            args += [v for v in o.values() if isinstance(v, str)] if isinstance(o, dict) else [o]
        out.append(corpus_sentence(obj["text"], [a for a in args if isinstance(a, str)]))
    return out


def main() -> None:
    from core.linking.dataset import SPLITS, LinkingSettings, make_linking_data
    from core.linking.kb import read_kb, write_kb
    from core.linking.queries import write_queries

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kb", default=str(ROOT.parent / "shared" / "data" / "ccks_kb" / "kb_data"))
    p.add_argument("--corpus-train", default=str(ROOT / "resources/data/triples/train.jsonl"))
    p.add_argument("--corpus-eval", default=str(ROOT / "resources/data/triples/dev.jsonl"))
    p.add_argument("--out", default=str(ROOT / "resources" / "data" / "linking"))
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    entities = list(read_kb(args.kb))
    corpus = {"train": _corpus(Path(args.corpus_train)), "eval": _corpus(Path(args.corpus_eval))}
    data = make_linking_data(entities, corpus, LinkingSettings(seed=args.seed))
    write_kb(out / "kb.jsonl", entities)
    for split in SPLITS:
        write_kb(out / f"kb_{split}.jsonl", data.kbs[split])
        write_queries(out / f"{split}.jsonl", data.queries[split])
    stats = {
        **data.summary(),
        "seed": args.seed,
        "nil_entity_ids": data.nil_entities,
        "renamed": data.renamed,
    }
    (out / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1) + "\n")
    print(json.dumps(data.summary()))


if __name__ == "__main__":
    main()
