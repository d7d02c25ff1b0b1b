"""The CMRC 2018 metric, as its official evaluation script computes it.

Both strings are lower-cased and stripped; every Chinese character (U+4E00 to
U+9FA5) and every character of the script's punctuation list is a segment of
its own, other runs are split into words and punctuation marks (the script
uses NLTK's ``word_tokenize``; plain word / mark splitting gives the same
segments on such runs). F1 drops the listed punctuation, then takes the
longest common run of segments: precision = run / predicted segments, recall
= run / reference segments. Exact match compares the strings with the listed
punctuation removed. Both take the best over the references; a question with
no prediction scores 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# The official list (the two-character "……" never matches a single character,
# as in the script).
PUNCTUATION = frozenset(
    "- : _ * ^ / \\ ~ ` + = ， 。 ： ？ ！ “ ” ； ’ 《 》 …… · 、 「 」 （ ） － ～ 『 』".split()
)
_CHINESE = re.compile(r"[\u4e00-\u9fa5]")
_WORDS = re.compile(r"\w+|[^\w\s]")


def segments(text: str, drop_punctuation: bool = False) -> list[str]:
    out: list[str] = []
    run = ""
    for ch in str(text).lower().strip():
        if drop_punctuation and ch in PUNCTUATION:
            continue
        if _CHINESE.match(ch) or ch in PUNCTUATION:
            if run:
                out.extend(_WORDS.findall(run))
                run = ""
            out.append(ch)
        else:
            run += ch
    if run:
        out.extend(_WORDS.findall(run))
    return out


def _without_punctuation(text: str) -> str:
    return "".join(ch for ch in str(text).lower().strip() if ch not in PUNCTUATION)


def longest_common_run(a: Sequence[str], b: Sequence[str]) -> int:
    best = 0
    row = [0] * (len(b) + 1)
    for x in a:
        prev = 0
        for j, y in enumerate(b, 1):
            keep = row[j]
            row[j] = prev + 1 if x == y else 0
            best = max(best, row[j])
            prev = keep
    return best


def f1_score(references: Iterable[str], prediction: str) -> float:
    scores = [0.0]
    pred = segments(prediction, drop_punctuation=True)
    for ref in references:
        gold = segments(ref, drop_punctuation=True)
        common = longest_common_run(gold, pred)
        if common:
            p, r = common / len(pred), common / len(gold)
            scores.append(2 * p * r / (p + r))
    return max(scores)


def exact_match(references: Iterable[str], prediction: str) -> float:
    pred = _without_punctuation(prediction)
    return float(any(_without_punctuation(ref) == pred for ref in references))


@dataclass(frozen=True)
class MrcScores:
    em: float
    f1: float
    n: int
    answered: int  # questions with a prediction

    def summary(self) -> dict[str, float | int]:
        return {"em": round(self.em, 4), "f1": round(self.f1, 4), "n": self.n}


def score_predictions(gold: Mapping[str, Sequence[str]], predicted: Mapping[str, str]) -> MrcScores:
    """Mean EM and F1 over the gold questions (id -> reference answers)."""
    em = f1 = 0.0
    answered = 0
    for qid, refs in gold.items():
        if qid not in predicted:
            continue
        answered += 1
        em += exact_match(refs, predicted[qid])
        f1 += f1_score(refs, predicted[qid])
    n = len(gold)
    return MrcScores(em / max(1, n), f1 / max(1, n), n, answered)
