"""The three answerers on the same held-out questions: accuracy, speed,
memory, and whether the MLM answerer is several times faster than seq2seq.

    python bench/mrc_speed.py [--models DIR ...] [--gold F] [--questions 500]
                              [--batch-size 32]

Default: the three demo answerers (resources/models/mrc-*demo, all trained
from the same pre-trained encoder) on the first 500 questions of the
held-out CMRC 2018 split (resources/data/mrc/test_cmrc.json). Each answerer
runs in a fresh process, so its peak memory is its own: it loads, answers
one warm-up batch (TensorFlow traces its functions then), and answers every
question in batches of ``--batch-size``, timed. Printed per answerer:
CMRC 2018 exact match and F1, questions per second of wall-clock time and
per CPU-second of the process (all its threads: on a machine shared with
other work the fairer of the two), the peak resident size of its process,
and the mean length of its answers against the references' (a seq2seq
answerer that stops early looks faster than it is).
The seq2seq answerer runs twice: with its own decoder (one pruned beam per
question across its windows) and with the article's (a greedy vote of every
window at every step, core/mrc/decode.py: pooled_greedy_search). Then the
speed of MLM ÷ seq2seq for each (the article says "several times"; the
target here is 3 at batch 32) and the F1 of each. The last line is
everything as JSON. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def measure(folder: str, gold: str, n: int, batch_size: int, decoder: str | None) -> dict:
    """In this process: one answerer over the first ``n`` questions."""
    from core.mrc.metric import score_predictions
    from core.mrc.model import MrcModel
    from core.mrc.squad import read_squad

    questions = read_squad(gold)[:n]
    model = MrcModel.load(folder)
    if decoder:
        model.info.decoder = decoder
    pairs = [(q.question, q.context) for q in questions]
    model.answer_many(pairs[:batch_size], batch_size)  # warm-up: traced functions
    started, cpu_started = time.perf_counter(), time.process_time()
    answers = model.answer_many(pairs, batch_size)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    scores = score_predictions(
        {q.id: q.answer_texts() for q in questions},
        {q.id: a.text for q, a in zip(questions, answers, strict=True)},
    )
    return {
        "model": str(folder),
        "method": model.info.method,
        "label": model.info.method
        + ("" if model.info.method != "seq2seq" else f" ({model.info.decoder})"),
        "em": round(scores.em, 4),
        "f1": round(scores.f1, 4),
        "n": scores.n,
        # The seq2seq answerer's cost grows with the answers it writes: the
        # ratio is only fair when its answers are about as long as the
        # references.
        "answer_chars": round(sum(len(a.text) for a in answers) / max(1, len(answers)), 2),
        "reference_chars": round(
            sum(len(q.answer_texts()[0]) for q in questions if q.answer_texts())
            / max(1, sum(1 for q in questions if q.answer_texts())),
            2,
        ),
        "seconds": round(seconds, 2),
        "questions_per_second": round(len(pairs) / seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "questions_per_cpu_second": round(len(pairs) / cpu_seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def default_models() -> list[str]:
    found = sorted((ROOT / "resources" / "models").glob("mrc-*demo"))
    return [str(p) for p in found if (p / "model.json").is_file()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=None)
    parser.add_argument("--gold", default=str(ROOT / "resources/data/mrc/test_cmrc.json"))
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # run one answerer here
    parser.add_argument("--decoder", help=argparse.SUPPRESS)  # with this seq2seq decoder
    args = parser.parse_args()
    if args.one:
        print(
            json.dumps(measure(args.one, args.gold, args.questions, args.batch_size, args.decoder))
        )
        return
    rows = []
    runs = []
    for folder in args.models or default_models():
        method = json.loads((Path(folder) / "model.json").read_text(encoding="utf-8"))["method"]
        # seq2seq twice: its own beam, and the article's pooled greedy decoder
        runs += [(folder, d) for d in ("beam", "pooled")] if method == "seq2seq" else [(folder, "")]
    for folder, decoder in runs:
        out = subprocess.run(
            [sys.executable, __file__, "--one", folder, "--gold", args.gold]
            + ["--questions", str(args.questions), "--batch-size", str(args.batch_size)]
            + (["--decoder", decoder] if decoder else []),
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = rows[-1]
        print(
            f"{r['label']:<17} {Path(r['model']).name:<18} EM {r['em']:.3f}  F1 {r['f1']:.3f}  "
            f"{r['questions_per_second']:7.2f} q/s  {r['questions_per_cpu_second']:6.2f} q/CPU-s  "
            f"peak {r['peak_rss_mb']:7.1f} MB  answers {r['answer_chars']:.1f} chars "
            f"(references {r['reference_chars']:.1f})  "
            f"({r['n']} questions, {r['seconds']} s)",
            flush=True,
        )
    by_label = {r["label"]: r for r in rows}
    summary: dict = {"batch_size": args.batch_size, "answerers": rows}
    mlm = by_label.get("mlm")
    for decoder in ("beam", "pooled"):
        s2s = by_label.get(f"seq2seq ({decoder})")
        if mlm is None or s2s is None:
            continue
        ratio = mlm["questions_per_second"] / s2s["questions_per_second"]
        cpu_ratio = mlm["questions_per_cpu_second"] / s2s["questions_per_cpu_second"]
        key = "mlm_over_seq2seq" if decoder == "beam" else "mlm_over_seq2seq_pooled"
        summary[f"{key}_speed"] = round(ratio, 2)
        summary[f"{key}_cpu"] = round(cpu_ratio, 2)
        summary[f"{key}_f1_difference"] = round(mlm["f1"] - s2s["f1"], 4)
        print(
            f"MLM / seq2seq ({decoder}) speed: {ratio:.2f}x wall-clock, {cpu_ratio:.2f}x per "
            f"CPU-second at batch {args.batch_size} (F1 {mlm['f1']:.3f} vs {s2s['f1']:.3f})"
        )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
