"""Queries per second of the full linker (alias matching, mention head,
ranker over every candidate), one query at a time against batched.

    python bench/link_throughput.py [--model resources/models/linker-demo] [--n 500]

The queries are the demo's held-out queries, repeated to ``--n``. The same
links must come out either way. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=str(ROOT / "resources" / "models" / "linker-demo"))
    p.add_argument("--kb", default=str(ROOT / "resources" / "data" / "linking" / "kb.jsonl"))
    p.add_argument("--n", type=int, default=500)
    p.add_argument("--batch-sizes", default="8,32,64")
    args = p.parse_args()

    from core.linking.baseline import link_by_prior
    from core.linking.candidates import load_or_build_index
    from core.linking.kb import KnowledgeBase
    from core.linking.model import LinkerModel
    from core.linking.queries import read_queries

    data = ROOT / "resources" / "data" / "linking"
    texts = [q.text for name in ("test", "dev") for q in read_queries(data / f"{name}.jsonl")]
    texts = (texts * (args.n // len(texts) + 1))[: args.n]
    kb = KnowledgeBase.load(args.kb)
    index = load_or_build_index(kb, args.kb)
    t = time.perf_counter()
    model = LinkerModel.load(args.model)
    model.link(texts[:8], kb, index)  # trace the functions once
    print(f"model load + first call: {time.perf_counter() - t:.1f} s")

    def run(batch_size: int | None) -> tuple[float, list]:
        started = time.perf_counter()
        if batch_size is None:
            out = [model.link([x], kb, index, batch_size=1)[0] for x in texts]
        else:
            out = model.link(texts, kb, index, batch_size=batch_size)
        return len(texts) / (time.perf_counter() - started), out

    def keys(results: list) -> list:
        return [[(m.start, m.end, m.kb_id) for m in ms] for ms in results]

    base_rate, base_out = run(None)
    n_mentions = sum(map(len, base_out))
    print(f"{len(texts)} queries, {n_mentions} mentions linked, {len(kb):,} KB entities")
    print(f"{'mode':<22} {'queries/s':>10} {'vs one at a time':>17} {'same links':>11}")
    print(f"{'one at a time':<22} {base_rate:>10.1f} {1.0:>16.2f}x {'-':>11}")
    for b in (int(x) for x in args.batch_sizes.split(",")):
        rate, out = run(b)
        same = sum(a == b_ for a, b_ in zip(keys(out), keys(base_out), strict=True))
        print(
            f"{f'batched ({b})':<22} {rate:>10.1f} {rate / base_rate:>16.2f}x "
            f"{same:>5}/{len(texts)}"
        )
    t = time.perf_counter()
    link_by_prior(texts, index)
    print(f"{'dictionary baseline':<22} {len(texts) / (time.perf_counter() - t):>10.0f}")
    print(f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
