"""Throughput of triple extraction: the seed article's loop against ours.

    python bench/extract_throughput.py [--model DIR] [--data FILE] [--n 1000]

(a) reference: the loop of the article's example: for each sentence one
    ``predict`` call for its subjects, then one for all its subjects' objects;
(b) one at a time: ``TripleModel.extract`` called for one sentence at a time,
    so the same compiled functions run without batching: the gain of (c)
    over (b) is batching, that of (b) over (a) Keras' per-call overhead;
(c) ours: ``TripleModel.extract`` (all sentences through the subject head in
    batches, all (sentence, subject) pairs through the object head in batches).
All run on the same weights and the same sentences (single sentences that fit
in one window, which is all the reference handles), each in its own process
so that peak memory is measured separately. Prints sentences per second, the
ratios, peak RSS, and whether the triples are identical; exits with status 1
if any triple differs.
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


def load_texts(path: Path, n: int, model) -> list[str]:
    from core.sentences import split_sentences

    texts = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            text = json.loads(line)["text"]
            one_sentence = split_sentences(text) == [(0, len(text))]
            if one_sentence and len(model.tokenizer.tokenize(text)) <= model.info.maxlen - 2:
                texts.append(text)
            if len(texts) == n:
                break
    return texts


def reference(model, texts: list[str]) -> list[list[tuple]]:
    """The article's extract_spoes(), sentence by sentence."""
    import numpy as np

    net, th = model.network, model.info.thresholds
    results = []
    for text in texts:
        enc = model.tokenizer.encode(text, maxlen=model.info.maxlen)
        mapping = enc.offsets
        token_ids = np.array([enc.token_ids])
        segment_ids = np.zeros_like(token_ids)
        subject_preds = net.subject_model.predict([token_ids, segment_ids], verbose=0)
        subject_preds[:, [0, -1]] *= 0  # [CLS] / [SEP]
        start = np.where(subject_preds[0, :, 0] > th.subject_start)[0]
        end = np.where(subject_preds[0, :, 1] > th.subject_end)[0]
        subjects = []
        for i in start:
            j = end[end >= i]
            if len(j) > 0:
                subjects.append((i, j[0]))
        spoes = set()
        if subjects:
            ids = np.repeat(token_ids, len(subjects), 0)
            segs = np.repeat(segment_ids, len(subjects), 0)
            subjects = np.array(subjects)
            object_preds = net.object_model.predict([ids, segs, subjects], verbose=0)
            object_preds[:, [0, -1]] *= 0
            for subject, object_pred in zip(subjects, object_preds, strict=True):
                start = np.where(object_pred[:, :, 0] > th.object_start)
                end = np.where(object_pred[:, :, 1] > th.object_end)
                for _start, predicate1 in zip(*start, strict=True):
                    for _end, predicate2 in zip(*end, strict=True):
                        if _start <= _end and predicate1 == predicate2:
                            spoes.add(
                                (
                                    (mapping[subject[0]][0], mapping[subject[1]][1]),
                                    model.info.predicates[predicate1],
                                    (mapping[_start][0], mapping[_end][1]),
                                )
                            )
                            break
        results.append(sorted(spoes))
    return results


def _places(triples) -> list[tuple]:
    """Every (subject span, predicate, object span) found, occurrences included."""
    found = []
    for t in triples:
        for s, o in [(t.subject_span, t.object_span)] + [
            (x.subject_span, x.object_span) for x in t.occurrences
        ]:
            found.append(((s.start, s.end), t.predicate, (o.start, o.end)))
    return sorted(found)


def ours(model, texts: list[str]) -> list[list[tuple]]:
    return [_places(ts) for ts in model.extract(texts, batch_size=32)]


def one_at_a_time(model, texts: list[str]) -> list[list[tuple]]:
    return [_places(model.extract([text], batch_size=1)[0]) for text in texts]


VARIANTS = {"reference": reference, "one_at_a_time": one_at_a_time, "ours": ours}


def run_variant(args: argparse.Namespace) -> None:
    from core.triples.model import TripleModel

    model = TripleModel.load(args.model)
    texts = load_texts(Path(args.data), args.n, model)
    fn = VARIANTS[args.variant]
    fn(model, texts[:8])  # warm-up: graph tracing is not throughput
    started = time.perf_counter()
    triples = fn(model, texts)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump(
        {
            "n": len(texts),
            "seconds": seconds,
            "peak_rss_mb": peak_mb,
            "triples": [[list(map(list_or_str, t)) for t in ts] for ts in triples],
        },
        sys.stdout,
    )


def list_or_str(x):
    return list(x) if isinstance(x, tuple) else x


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=str(ROOT / "resources" / "models" / "triples-demo"))
    p.add_argument("--data", default=str(ROOT / "resources" / "data" / "triples" / "dev.jsonl"))
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--variant", choices=list(VARIANTS), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.variant:
        run_variant(args)
        return
    results = {}
    for variant in VARIANTS:
        print(f"running {variant} ...", file=sys.stderr, flush=True)
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--variant",
                variant,
                "--model",
                args.model,
                "--data",
                args.data,
                "--n",
                str(args.n),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        results[variant] = json.loads(proc.stdout)
    ref, one, new = results["reference"], results["one_at_a_time"], results["ours"]
    same = sum(a == b for a, b in zip(ref["triples"], new["triples"], strict=True))
    same_one = sum(a == b for a, b in zip(ref["triples"], one["triples"], strict=True))
    n = ref["n"]
    ref_rate, one_rate, new_rate = (n / r["seconds"] for r in (ref, one, new))
    print(f"sentences                 {n}")
    for label, rate, r in (
        ("reference loop", ref_rate, ref),
        ("compiled, one at a time", one_rate, one),
        ("batched (ours)", new_rate, new),
    ):
        print(f"{label:<25} {rate:8.1f} sentences/s   peak RSS {r['peak_rss_mb']:.0f} MB")
    print(f"speed-up, batched         {new_rate / ref_rate:8.2f}x the reference loop")
    print(f"speed-up, one at a time   {one_rate / ref_rate:8.2f}x the reference loop")
    print(f"gain of batching          {new_rate / one_rate:8.2f}x")
    n_triples = sum(len(t) for t in new["triples"])
    print(f"identical triples         {same}/{n} batched, {same_one}/{n} one at a time")
    print(f"triples found             {n_triples}")
    print(
        json.dumps(
            {
                "n": n,
                "reference_per_s": round(ref_rate, 2),
                "one_at_a_time_per_s": round(one_rate, 2),
                "ours_per_s": round(new_rate, 2),
                "ratio": round(new_rate / ref_rate, 2),
                "batching_gain": round(new_rate / one_rate, 2),
                "identical": same,
                "identical_one_at_a_time": same_one,
                "triples": n_triples,
                "reference_peak_rss_mb": round(ref["peak_rss_mb"]),
                "ours_peak_rss_mb": round(new["peak_rss_mb"]),
            }
        )
    )
    if same != n or same_one != n:
        print("FAILED: some triples differ from the reference loop", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
