"""Loading and indexing a CCKS-sized knowledge base, and candidate matching
speed against a plain Python trie.

    python bench/kb_index.py [--entities 400000] [--texts 20000]

A KB of the CCKS 2019 shape (names of 2-8 characters drawn with the character
frequencies of real text, 0-3 aliases, types, an abstract and a few facts) is
generated with a fixed seed, unless --kb names a real kb_data file; the texts
are real DuIE sentences. Each phase runs in a fresh child process so that its peak
memory (ru_maxrss) is its own. Prints the figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TYPES = ["Thing", "Human", "CreativeWork", "Place", "Organization", "Movie", "Vocabulary"]
DUIE = ROOT / "resources" / "data" / "triples"


def real_sentences() -> list[str]:
    out = []
    for name in ("train.jsonl", "dev.jsonl"):
        with open(DUIE / name, encoding="utf-8") as f:
            out += [json.loads(line)["text"] for line in f]
    return out


def make_kb(path: Path, n: int, seed: int = 7) -> None:
    """Write ``n`` entities whose names are drawn with the character
    frequencies of real Chinese sentences, so that they match real text as
    often as real names do (uniform random characters would make every
    two-character string a name)."""
    from collections import Counter

    counts = Counter(ch for s in real_sentences() for ch in s if "\u4e00" <= ch <= "\u9fff")
    chars, weights = zip(*counts.items(), strict=True)
    cumulative = list(itertools.accumulate(weights))
    rng = random.Random(seed)

    def word(lo: int, hi: int) -> str:
        return "".join(rng.choices(chars, cum_weights=cumulative, k=rng.randint(lo, hi)))

    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            name = word(2, 8)
            data = [{"predicate": "摘要", "object": name + "是" + word(80, 120) + "。"}] + [
                {"predicate": f"属性{k}", "object": word(4, 10)} for k in range(3)
            ]
            obj = {
                "alias": [word(2, 6) for _ in range(rng.randint(0, 3))],
                "subject_id": str(10001 + i),
                "subject": name,
                "type": [rng.choice(TYPES)],
                "data": data,
            }
            f.write(json.dumps(obj, ensure_ascii=False) + "\n")


class NaiveTrie:
    """Dictionary matching as it is often written in plain Python: a dict of
    dicts, longest match from each position, then jump past it."""

    END = ""

    def __init__(self) -> None:
        self.root: dict = {}

    def add(self, word: str, value: object) -> None:
        node = self.root
        for ch in word:
            node = node.setdefault(ch, {})
        node[self.END] = value

    def longest_matches(self, text: str) -> list[tuple[int, int, object]]:
        out, i = [], 0
        while i < len(text):
            node, best = self.root, None
            for j in range(i, len(text)):
                node = node.get(text[j])
                if node is None:
                    break
                if self.END in node:
                    best = (i, j + 1, node[self.END])
            if best:
                out.append(best)
                i = best[1]
            else:
                i += 1
        return out


def _best_rate(fn, texts: list[str], repeats: int = 3) -> tuple[float, int]:
    """Texts per second, the best of ``repeats`` passes (the machine may be busy)."""
    best, n = float("inf"), 0
    for _ in range(repeats):
        t = time.perf_counter()
        n = sum(len(fn(x)) for x in texts)
        best = min(best, time.perf_counter() - t)
    return len(texts) / best, n


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase(name: str, kb_path: str, texts_path: str) -> dict:
    """Run in a child: one measurement, printed as JSON."""
    from core.linking.candidates import AliasIndex
    from core.linking.kb import KnowledgeBase

    texts = json.loads(Path(texts_path).read_text(encoding="utf-8"))
    base = _peak_mb()
    result: dict = {"phase": name}
    if name == "ours":
        t = time.perf_counter()
        kb = KnowledgeBase.load(kb_path)
        result["load_s"] = time.perf_counter() - t
        t = time.perf_counter()
        index = AliasIndex.build(kb)
        result["index_s"] = time.perf_counter() - t
        saved = Path(kb_path).with_suffix(".aliases")
        t = time.perf_counter()
        index.save(saved)
        result["save_s"] = time.perf_counter() - t
        t = time.perf_counter()
        AliasIndex.load(saved, kb)
        result["reload_s"] = time.perf_counter() - t
        result["aliases"] = len(index)
        result["entities"] = len(kb)
        result["find_all_texts_per_s"], n_all = _best_rate(index.find, texts)
        result["longest_texts_per_s"], n_long = _best_rate(index.longest_matches, texts)
        result["matches_all"], result["matches_longest"] = n_all, n_long
    else:
        t = time.perf_counter()
        trie = NaiveTrie()
        with open(kb_path, encoding="utf-8") as f:
            for line in f:
                obj = json.loads(line)
                for alias in {obj["subject"], *obj["alias"]}:
                    trie.add(alias, obj["subject_id"])
        result["load_and_index_s"] = time.perf_counter() - t
        result["longest_texts_per_s"], n_long = _best_rate(trie.longest_matches, texts)
        result["matches_longest"] = n_long
    result["peak_mb"] = _peak_mb()
    result["peak_mb_at_start"] = base
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--entities", type=int, default=400_000)
    p.add_argument("--texts", type=int, default=20_000)
    p.add_argument("--kb", help="a real kb_data file instead of a generated one")
    p.add_argument("--phase", help=argparse.SUPPRESS)
    p.add_argument("--files", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, *args.files)))
        return

    tmp = Path(tempfile.mkdtemp())
    kb_path = tmp / "kb_data"
    if args.kb:
        kb_path = Path(args.kb)
    else:
        t = time.perf_counter()
        make_kb(kb_path, args.entities)
        print(
            f"generated {args.entities:,} entities in {time.perf_counter() - t:.1f} s "
            f"({kb_path.stat().st_size / 2**20:.0f} MB)"
        )
    texts_path = tmp / "texts.json"
    texts = (real_sentences() * (args.texts // 10000 + 1))[: args.texts]
    texts_path.write_text(json.dumps(texts, ensure_ascii=False))

    results = {}
    for name in ("ours", "naive"):
        out = subprocess.run(
            [sys.executable, __file__, "--phase", name, "--files", str(kb_path), str(texts_path)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ},
        )
        results[name] = json.loads(out.stdout.strip().splitlines()[-1])
    ours, naive = results["ours"], results["naive"]
    mean = sum(map(len, texts)) / len(texts)
    print(
        f"\nKB: {ours['entities']:,} entities, {ours['aliases']:,} distinct names and aliases; "
        f"{len(texts):,} real sentences (DuIE, {mean:.0f} characters on average); "
        "matching: best of 3 passes"
    )
    print(f"{'':32} {'ours (Aho-Corasick)':>20} {'plain Python trie':>18} {'ratio':>7}")
    ours_build = ours["load_s"] + ours["index_s"]
    print(
        f"{'load + index (s)':32} {ours_build:>20.2f} {naive['load_and_index_s']:>18.2f} "
        f"{naive['load_and_index_s'] / ours_build:>6.2f}x"
    )
    print(f"{'  of which reading the KB (s)':32} {ours['load_s']:>20.2f}")
    print(f"{'  of which the automaton (s)':32} {ours['index_s']:>20.2f}")
    print(f"{'index save / reload (s)':32} {ours['save_s']:>9.2f} / {ours['reload_s']:<8.2f}")
    print(
        f"{'peak memory (MB)':32} {ours['peak_mb']:>20.0f} {naive['peak_mb']:>18.0f} "
        f"{naive['peak_mb'] / ours['peak_mb']:>6.2f}x"
    )
    print(
        f"{'longest match, texts/s':32} {ours['longest_texts_per_s']:>20,.0f} "
        f"{naive['longest_texts_per_s']:>18,.0f} "
        f"{ours['longest_texts_per_s'] / naive['longest_texts_per_s']:>6.2f}x"
    )
    print(f"{'all overlapping matches, texts/s':32} {ours['find_all_texts_per_s']:>20,.0f}")
    same = ours["matches_longest"] == naive["matches_longest"]
    print(
        f"longest matches found: ours {ours['matches_longest']:,}, trie "
        f"{naive['matches_longest']:,} ({'identical count' if same else 'DIFFERENT'})"
    )
    print(
        "(ours keeps the whole KB: entities with descriptions for the ranker; the trie "
        "keeps names only)"
    )


if __name__ == "__main__":
    main()
