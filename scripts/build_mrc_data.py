"""Build the reading-comprehension data in resources/data/mrc/ from the CMRC
2018 and DRCD files (SQuAD v1.1 layout).

    python scripts/build_mrc_data.py --shared ../shared/data

Held out by article (the questions on one article share its passages):
  test_cmrc.json   CMRC 2018 dev articles, at least 500 questions (Simplified)
  test_drcd.json   DRCD test articles, at least 500 questions (Traditional)
  dev.json         other articles of the same two files, about 80 questions of
                   each: the epoch kept by training is chosen on these
  train.json       everything else: the rest of both files, the CMRC 2018
                   trial set and the DRCD dev set
The split is fixed by a seed, so running this again gives the same files.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = 2018


def articles(path: Path, source: str) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    for a in data:
        a["source"] = source
    return data


def n_questions(article: dict) -> int:
    return sum(len(p["qas"]) for p in article["paragraphs"])


def take(pool: list[dict], least: int) -> list[dict]:
    """Articles from the front of ``pool`` until they hold ``least`` questions."""
    chosen: list[dict] = []
    while pool and sum(map(n_questions, chosen)) < least:
        chosen.append(pool.pop(0))
    return chosen


def write(path: Path, data: list[dict]) -> None:
    path.write_text(
        json.dumps({"version": "v1.0", "data": data}, ensure_ascii=False, indent=0) + "\n",
        encoding="utf-8",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args()
    mrc = Path(args.shared) / "mrc"
    rng = random.Random(SEED)
    cmrc = articles(mrc / "cmrc2018_dev_part.json", "cmrc2018_dev")
    drcd = articles(mrc / "drcd_test.json", "drcd_test")
    rng.shuffle(cmrc)
    rng.shuffle(drcd)
    test_cmrc, test_drcd = take(cmrc, 500), take(drcd, 500)
    dev = take(cmrc, 80) + take(drcd, 80)
    train = (
        cmrc
        + drcd
        + articles(mrc / "cmrc2018_trial.json", "cmrc2018_trial")
        + articles(mrc / "drcd_dev.json", "drcd_dev")
    )
    out = ROOT / "resources" / "data" / "mrc"
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, data in [
        ("train", train),
        ("dev", dev),
        ("test_cmrc", test_cmrc),
        ("test_drcd", test_drcd),
    ]:
        write(out / f"{name}.json", data)
        counts[name] = {"articles": len(data), "questions": sum(map(n_questions, data))}
    (out / "stats.json").write_text(json.dumps(counts, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
