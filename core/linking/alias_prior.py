"""The alias prior: how often a string is annotated as a mention at all when it
occurs in annotated text ("link probability", what the CCKS 2019 systems
called modelling annotators' behaviour). 曝光 occurs in many sentences and is
almost never a name; 三生三世十里桃花 almost always is. The mention head reads
it, beside the alias-match features, for every alias it sees; the context
still decides (曝光 in 《曝光》 is a title).

It is counted per text over the training queries: ``mentions`` is the number
of texts where the string is an annotated mention, ``texts`` the number where
it occurs outside the spans nobody annotated. Strings of 2 to
``max_chars`` characters occurring in at least ``min_texts`` texts are kept,
and every annotated string. For training texts the counts leave out the text
itself, or the head would read its own labels.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import BadInput

PRIOR_FILE = "alias_prior.json"
FORMAT = 1
_BREAK = re.compile(r"[\s，。、；：！？,.;:!?（）()《》“”\"'【】]")
EVIDENCE_TEXTS = 100  # texts after which the prior counts as fully known


@dataclass(frozen=True)
class TextCounts:
    """What one text adds to the counts."""

    mentions: frozenset[str]
    occurs: frozenset[str]


def text_counts(
    text: str,
    mentions: Sequence[tuple[int, int]],
    ignored: Sequence[tuple[int, int]] = (),
    max_chars: int = 6,
) -> TextCounts:
    annotated = {text[a:b] for a, b in mentions if b - a >= 2}
    occurs = set(annotated)
    for i in range(len(text)):
        for j in range(i + 2, min(len(text), i + max_chars) + 1):
            gram = text[i:j]
            if _BREAK.search(gram):
                break
            if any(i < b and a < j for a, b in ignored):
                continue
            occurs.add(gram)
    return TextCounts(frozenset(annotated), frozenset(occurs))


@dataclass
class AliasPrior:
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # string -> (mentions, texts)
    max_chars: int = 6

    @classmethod
    def learn(
        cls, texts: Iterable[TextCounts], min_texts: int = 2, max_chars: int = 6
    ) -> AliasPrior:
        mentions: Counter[str] = Counter()
        occurs: Counter[str] = Counter()
        for t in texts:
            mentions.update(t.mentions)
            occurs.update(t.occurs)
        counts = {
            s: (mentions[s], n) for s, n in occurs.items() if n >= min_texts or mentions[s] > 0
        }
        return cls(counts, max_chars)

    def of(self, alias: str, own: TextCounts | None = None) -> tuple[float, float]:
        """(prior, evidence): the smoothed share of texts where ``alias`` is a
        mention, and how much that share is worth (0: never seen, 1: seen in
        ``EVIDENCE_TEXTS`` texts or more). ``own``: the text being read, left
        out of the counts."""
        m, n = self.counts.get(alias, (0, 0))
        if own is not None:
            m -= alias in own.mentions
            n -= alias in own.occurs
        if n <= 0:
            return 0.0, 0.0
        prior = (m + 0.5) / (n + 1.0)
        evidence = min(1.0, math.log1p(n) / math.log1p(EVIDENCE_TEXTS))
        return prior, evidence

    def to_json(self) -> str:
        strings = {s: list(c) for s, c in sorted(self.counts.items())}
        doc = {"format": FORMAT, "max_chars": self.max_chars, "strings": strings}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def read(cls, path: str | Path) -> AliasPrior:
        path = Path(path)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise BadInput(f"{path}: cannot read the alias prior ({e})") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise BadInput(f"{path}: not an alias prior of format {FORMAT}")
        strings = doc.get("strings")
        if not isinstance(strings, dict):
            raise BadInput(f'{path}: expected "strings" as an object')
        counts = {}
        for s, c in strings.items():
            if not (isinstance(c, list) and len(c) == 2 and all(isinstance(x, int) for x in c)):
                raise BadInput(f'{path}: "{s}": expected [mentions, texts] integers')
            counts[s] = (c[0], c[1])
        return cls(counts, int(doc.get("max_chars", 6)))
