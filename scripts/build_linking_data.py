"""Make the demo linker's data from the CCKS 2019 KB subset (see
core/linking/dataset.py for how): resources/data/linking/kb.jsonl (the KB to
link against), train/dev/test.jsonl (annotated queries) and stats.json.

    python scripts/build_linking_data.py [--kb ../shared/data/ccks_kb/kb_data]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from core.linking.dataset import make_linking_data
    from core.linking.kb import read_kb, write_kb
    from core.linking.queries import write_queries

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kb", default=str(ROOT.parent / "shared" / "data" / "ccks_kb" / "kb_data"))
    p.add_argument("--out", default=str(ROOT / "resources" / "data" / "linking"))
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = make_linking_data(list(read_kb(args.kb)), seed=args.seed)
    write_kb(out / "kb.jsonl", data.kb)
    for name in ("train", "dev", "test"):
        write_queries(out / f"{name}.jsonl", getattr(data, name))
    stats = {**data.summary(), "seed": args.seed, "nil_entity_ids": data.nil_entities}
    (out / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1) + "\n")
    print(json.dumps(data.summary()))


if __name__ == "__main__":
    main()
