"""Entity-linking training data made from a knowledge base alone.

A KB's abstracts mention their own entity: "《张三的歌》这首经典老歌，词曲作者是张子石。"
is about entity 10002 and names it. So:

- every abstract sentence (after the first, which stays as the entity's
  definition) that contains one of the entity's names becomes a query whose
  mentions are those names, linked to the entity; when only the first sentence
  names the entity, it is used and removed;
- the sentences used as queries are cut out of the abstract in the KB written
  out, so a model cannot link by finding the query inside the description;
- a share of the entities is removed from the KB altogether: their queries
  are NIL. One entity of every pair that shares a name is among them, so some
  NIL mentions do have (wrong) candidates, as in real data;
- other names of the KB that occur in a query are not annotated (which of
  them are mentions, and of what, nobody checked): their spans are listed
  under ``"unlabelled"``, where training neither rewards nor punishes the
  mention head and scoring ignores what the linker says;
- entities, not sentences, are split into train / dev / test, so held-out
  queries are about entities no training query was about.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from core.linking.kb import Entity
from core.linking.queries import NIL, UNLABELLED, Mention, Query

_SENTENCE_END = re.compile(r"(?<=[。！？!?])")
ABSTRACT = "摘要"


@dataclass
class LinkingData:
    kb: list[Entity]  # the KB to link against (NIL entities and query sentences removed)
    train: list[Query]
    dev: list[Query]
    test: list[Query]
    nil_entities: list[str]

    def summary(self) -> dict[str, int]:
        def mentions(qs: list[Query], nil: bool) -> int:
            return sum(1 for q in qs for m in q.mentions if m.is_nil == nil)

        out: dict[str, int] = {"kb_entities": len(self.kb), "nil_entities": len(self.nil_entities)}
        for name in ("train", "dev", "test"):
            qs = getattr(self, name)
            out[f"{name}_queries"] = len(qs)
            out[f"{name}_mentions"] = mentions(qs, False)
            out[f"{name}_nil_mentions"] = mentions(qs, True)
        return out


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def name_mentions(text: str, names: Sequence[str]) -> list[tuple[int, int, str]]:
    """Non-overlapping occurrences of any of ``names``, longest first."""
    found = []
    for name in sorted(set(names), key=len, reverse=True):
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            if all(end <= s or start >= e for s, e, _ in found):
                found.append((start, end, name))
            start = text.find(name, start + 1)
    return sorted(found)


class _NameMatcher:
    """Leftmost-longest occurrences of any of a set of names."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = set(names)
        self.longest = max(map(len, self.names), default=0)

    def longest_matches(self, text: str) -> list[tuple[int, int, str]]:
        out, i = [], 0
        while i < len(text):
            for j in range(min(len(text), i + self.longest), i + 1, -1):
                if text[i:j] in self.names:
                    out.append((i, j, text[i:j]))
                    i = j
                    break
            else:
                i += 1
        return out


def _split(entity_id: str, seed: int, dev: float, test: float) -> str:
    r = random.Random(f"{seed}:{entity_id}").random()
    return "test" if r < test else "dev" if r < test + dev else "train"


def make_linking_data(
    entities: Sequence[Entity],
    seed: int = 42,
    nil_share: float = 0.12,
    dev_share: float = 0.15,
    test_share: float = 0.15,
    min_chars: int = 8,
    max_chars: int = 100,
    max_queries_per_entity: int = 4,
) -> LinkingData:
    rng = random.Random(seed)
    by_name: dict[str, list[str]] = {}
    for e in entities:
        for n in e.names():
            by_name.setdefault(n, []).append(e.id)
    # One of each group of entities sharing a name is outside the KB.
    nil = {sorted(ids)[-1] for ids in by_name.values() if len(ids) > 1}
    rest = sorted(e.id for e in entities if e.id not in nil)
    nil |= set(rng.sample(rest, max(0, int(nil_share * len(entities)) - len(nil))))

    all_names = _NameMatcher(n for n in by_name if len(n) >= 2)
    splits: dict[str, list[Query]] = {"train": [], "dev": [], "test": []}
    kb: list[Entity] = []
    for e in entities:
        facts = dict(e.data)
        parts = sentences(facts.get(ABSTRACT, ""))
        # Single characters name too much by accident to be taken as mentions.
        names = [n for n in e.names() if len(n) >= 2]
        usable = [
            i
            for i, s in enumerate(parts)
            if min_chars <= len(s) <= max_chars and name_mentions(s, names)
        ]
        chosen = [i for i in usable if i > 0] or usable
        chosen = chosen[:max_queries_per_entity]
        kb_id = NIL if e.id in nil else e.id
        for k, i in enumerate(chosen):
            text = parts[i]
            mentions = [Mention(s, t, n, kb_id) for s, t, n in name_mentions(text, names)]
            others = [
                [s, t]
                for s, t, n in all_names.longest_matches(text)
                if all(t <= m.start or s >= m.end for m in mentions)
            ]
            extra = {UNLABELLED: others} if others else {}
            query = Query(f"{e.id}-{k}", text, mentions, extra)
            splits[_split(e.id, seed, dev_share, test_share)].append(query)
        if e.id in nil:
            continue
        if chosen:
            kept = "".join(s for i, s in enumerate(parts) if i not in set(chosen))
            data = tuple((p, kept if p == ABSTRACT else o) for p, o in e.data)
            data = tuple((p, o) for p, o in data if o)
            e = replace(e, data=data)
        kb.append(e)
    return LinkingData(kb, splits["train"], splits["dev"], splits["test"], sorted(nil))
