"""Entity-linking data made from a knowledge base and a corpus of annotated
sentences, shaped like the task a linker meets on real text.

- **Disjoint knowledge bases.** Entities, not sentences, are split three ways;
  each split is its own KB (``kb_train``, ``kb_dev``, ``kb_test``). Held-out
  queries are linked against a KB no training query was linked against, so
  the NIL threshold is chosen and tested where it will be used: on entities
  the model never saw.
- **Ambiguity.** Within a split, a share of the entities are given the name of
  another entity of the same type (everywhere: name, aliases, facts and the
  queries about them), so two or three entities share a name and only the
  context tells them apart.
- **Queries** about an entity: sentences of its abstract that name it (cut out
  of the abstract the KB keeps, so a query is never found inside a
  description), and a sentence written from one of its facts. Other KB names
  inside a query are not annotated: those spans are ``"unlabelled"``.
- **NIL.** A known share of each split's entities is left out of its KB; their
  mentions are NIL. A share of those are entities that share a name with one
  that stays, so NIL mentions do have (wrong) candidates, as in real data.
- **Ordinary words.** Corpus sentences (DuIE) in which some KB alias occurs:
  an alias match that is one of the sentence's annotated subjects or objects
  is a mention of an entity nobody identified (``"unlinked_mentions"``: the
  mention head learns it, link scoring ignores it); an alias match that
  overlaps no annotated span is not a mention. The corpus annotates only the
  arguments of its relations, so some of those negatives are names after all
  (how many is measured on a sample and written in the demo linker's
  TRAINING.md).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from core.linking.kb import Entity
from core.linking.queries import NIL, UNLABELLED, UNLINKED, Mention, Query

_SENTENCE_END = re.compile(r"(?<=[。！？!?])")
ABSTRACT = "摘要"
SPLITS = ("train", "dev", "test")
# Facts that name the entity or define it outright: a query written from them
# would be found word for word in the description.
_NOT_FOR_QUERIES = {
    ABSTRACT,
    "义项描述",
    "中文名",
    "外文名",
    "别名",
    "中文名称",
    "外文名称",
    "标签",
}
_FACT_TEMPLATES = (
    "{name}的{p}是{o}。",
    "说到{name}，它的{p}为{o}。",
    "{o}，这是{name}的{p}。",
    "提起{name}，人们会想到它的{p}：{o}。",
)


@dataclass
class LinkingSettings:
    seed: int = 42
    dev_share: float = 0.2
    test_share: float = 0.25
    shared_name_share: float = 0.35  # entities renamed to share a name with another
    nil_share: dict[str, float] = field(
        default_factory=lambda: {"train": 0.15, "dev": 0.25, "test": 0.25}
    )
    nil_shared_name_share: float = 0.4  # of the NIL entities, those chosen among shared names
    abstract_queries_per_entity: int = 3
    fact_queries_per_entity: int = 1
    corpus_per_kb_query: dict[str, float] = field(
        default_factory=lambda: {"train": 1.0, "dev": 0.5, "test": 0.5}
    )
    min_chars: int = 8
    max_chars: int = 100


@dataclass
class CorpusSentence:
    text: str
    spans: list[tuple[int, int]]  # every annotated subject and object occurrence
    used: bool = False


@dataclass
class LinkingData:
    kbs: dict[str, list[Entity]]  # per split, the KB its queries are linked against
    queries: dict[str, list[Query]]
    nil_entities: dict[str, list[str]]
    renamed: dict[str, list[tuple[str, str, str]]]  # (entity id, own name, name given)

    def summary(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for split in SPLITS:
            qs = self.queries[split]
            kb_qs = [q for q in qs if q.extra.get("source") == "kb"]
            out[f"{split}_kb_entities"] = len(self.kbs[split])
            out[f"{split}_nil_entities"] = len(self.nil_entities[split])
            out[f"{split}_renamed_entities"] = len(self.renamed[split])
            out[f"{split}_kb_queries"] = len(kb_qs)
            out[f"{split}_corpus_queries"] = len(qs) - len(kb_qs)
            out[f"{split}_linked_mentions"] = sum(1 for q in qs for m in q.mentions if not m.is_nil)
            out[f"{split}_nil_mentions"] = sum(1 for q in qs for m in q.mentions if m.is_nil)
            out[f"{split}_unlinked_mentions"] = sum(len(q.unlinked()) for q in qs)
            out[f"{split}_ambiguous_mentions"] = sum(
                1 for q in qs for m in q.mentions if m.text in self._shared(split)
            )
        return out

    def _shared(self, split: str) -> set[str]:
        return {new for _, _, new in self.renamed[split]}


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def name_mentions(text: str, names: Sequence[str]) -> list[tuple[int, int, str]]:
    """Non-overlapping occurrences of any of ``names``, longest first."""
    found: list[tuple[int, int, str]] = []
    for name in sorted(set(names), key=len, reverse=True):
        start = text.find(name)
        while start >= 0:
            end = start + len(name)
            if all(end <= s or start >= e for s, e, _ in found):
                found.append((start, end, name))
            start = text.find(name, start + 1)
    return sorted(found)


class _NameMatcher:
    """Occurrences of any of a set of names."""

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

    def all_matches(self, text: str) -> list[tuple[int, int, str]]:
        return [
            (i, j, text[i:j])
            for i in range(len(text))
            for j in range(i + 2, min(len(text), i + self.longest) + 1)
            if text[i:j] in self.names
        ]


def _names(e: Entity) -> list[str]:
    # Single characters name too much by accident to be taken as mentions.
    return [n for n in e.names() if len(n) >= 2]


def _split_of(entity_id: str, s: LinkingSettings) -> str:
    r = random.Random(f"{s.seed}:{entity_id}").random()
    return "test" if r < s.test_share else "dev" if r < s.test_share + s.dev_share else "train"


def renamed(e: Entity, name: str) -> Entity:
    """``e`` under another name, in its facts too: what the KB says about it
    then reads as it would for any entity of that name."""
    old = sorted(_names(e), key=len, reverse=True)
    if not old:
        return replace(e, name=name, aliases=())
    pattern = re.compile("|".join(map(re.escape, old)))
    data = tuple((p, pattern.sub(name, o)) for p, o in e.data)
    return replace(e, name=name, aliases=(), data=data)


def _share_names(
    entities: list[Entity], share: float, rng: random.Random
) -> tuple[list[Entity], list[tuple[str, str, str]]]:
    """A share of the entities renamed so that groups of two or three of the
    same type share one name (that of the group's first entity)."""
    by_type: dict[str, list[int]] = {}
    for i, e in enumerate(entities):
        if _names(e):
            by_type.setdefault(e.types[0] if e.types else "", []).append(i)
    out, log = list(entities), []
    budget = int(share * len(entities))
    types = sorted(by_type)
    rng.shuffle(types)
    for t in types:
        idx = by_type[t]
        rng.shuffle(idx)
        k = 0
        while budget > 0 and k + 1 < len(idx):
            size = 3 if rng.random() < 0.25 and k + 2 < len(idx) else 2
            group = idx[k : k + size]
            k += size
            donor = entities[group[0]]
            for i in group[1:]:
                log.append((entities[i].id, entities[i].name, donor.name))
                out[i] = renamed(entities[i], donor.name)
                budget -= 1
    return out, log


def _fact_query(e: Entity, rng: random.Random) -> str | None:
    facts = [
        (p, o)
        for p, o in e.data
        if p not in _NOT_FOR_QUERIES and 2 <= len(o) <= 25 and e.name not in o
    ]
    if not facts:
        return None
    p, o = facts[rng.randrange(len(facts))]
    return rng.choice(_FACT_TEMPLATES).format(name=e.name, p=p, o=o)


def _entity_queries(
    e: Entity, kb_id: str, s: LinkingSettings, rng: random.Random
) -> tuple[list[tuple[str, list[Mention]]], Entity]:
    """The queries about ``e`` and the entity as its KB keeps it (the abstract
    without the sentences used as queries)."""
    names = _names(e)
    parts = sentences(dict(e.data).get(ABSTRACT, ""))
    usable = [
        i
        for i, t in enumerate(parts)
        if s.min_chars <= len(t) <= s.max_chars and name_mentions(t, names)
    ]
    chosen = ([i for i in usable if i > 0] or usable)[: s.abstract_queries_per_entity]
    texts = [parts[i] for i in chosen]
    for _ in range(s.fact_queries_per_entity):
        fact = _fact_query(e, rng)
        if fact and fact not in texts:
            texts.append(fact)
    out = [(t, [Mention(a, b, n, kb_id) for a, b, n in name_mentions(t, names)]) for t in texts]
    if chosen:
        kept = "".join(t for i, t in enumerate(parts) if i not in set(chosen))
        data = tuple((p, kept if p == ABSTRACT else o) for p, o in e.data)
        e = replace(e, data=tuple((p, o) for p, o in data if o))
    return [(t, m) for t, m in out if m], e


def _corpus_queries(
    corpus: Sequence[CorpusSentence],
    kb: Sequence[Entity],
    count: int,
    prefix: str,
    rng: random.Random,
) -> list[Query]:
    """Up to ``count`` corpus sentences in which a name of ``kb`` occurs
    (marked ``used`` on the sentences)."""
    matcher = _NameMatcher(n for e in kb for n in _names(e))
    order = list(range(len(corpus)))
    rng.shuffle(order)
    out = []
    for k in order:
        if len(out) >= count:
            break
        c = corpus[k]
        matches = matcher.all_matches(c.text)
        if not matches:
            continue
        spans = set(c.spans)
        mentions = sorted({(a, b) for a, b, _ in matches if (a, b) in spans})
        extra: dict = {"source": "corpus"}
        if mentions:
            extra[UNLINKED] = [list(m) for m in mentions]
        out.append(Query(f"{prefix}-{k}", c.text, [], extra))
        c.used = True
    return out


def make_linking_data(
    entities: Sequence[Entity],
    corpus: dict[str, Sequence[CorpusSentence]] | None = None,
    settings: LinkingSettings | None = None,
) -> LinkingData:
    """``corpus``: annotated sentences for ``"train"`` and for the held-out
    splits (``"eval"``, with the training sentences training did not take,
    shared out between dev and test by position)."""
    s = settings or LinkingSettings()
    corpus = corpus or {}
    by_split: dict[str, list[Entity]] = {k: [] for k in SPLITS}
    for e in entities:
        by_split[_split_of(e.id, s)].append(e)
    kbs: dict[str, list[Entity]] = {}
    queries: dict[str, list[Query]] = {}
    nil_ids: dict[str, list[str]] = {}
    renames: dict[str, list[tuple[str, str, str]]] = {}
    for split in SPLITS:
        rng = random.Random(f"{s.seed}:{split}")
        group, renames[split] = _share_names(by_split[split], s.shared_name_share, rng)
        # NIL: some of the renamed entities (their name stays in the KB with
        # another entity), then others at random up to the split's share.
        want = int(s.nil_share[split] * len(group))
        shared = sorted(i for i, _, _ in renames[split])
        nil = set(rng.sample(shared, min(len(shared), int(want * s.nil_shared_name_share))))
        rest = sorted(e.id for e in group if e.id not in nil)
        nil |= set(rng.sample(rest, max(0, want - len(nil))))
        nil_ids[split] = sorted(nil)
        all_names = _NameMatcher(n for e in group for n in _names(e))
        kb, qs = [], []
        for e in group:
            kb_id = NIL if e.id in nil else e.id
            made, kept = _entity_queries(e, kb_id, s, rng)
            for k, (text, mentions) in enumerate(made):
                others = [
                    [a, b]
                    for a, b, _ in all_names.longest_matches(text)
                    if all(b <= m.start or a >= m.end for m in mentions)
                ]
                extra: dict = {"source": "kb"}
                if others:
                    extra[UNLABELLED] = others
                qs.append(Query(f"{e.id}-{k}", text, mentions, extra))
            if e.id not in nil:
                kb.append(kept)
        source = list(corpus.get("train", []))
        if split != "train":
            # dev and test take alternate sentences: no sentence in both.
            pool = list(corpus.get("eval", [])) + [c for c in source if not c.used]
            source = pool[SPLITS.index(split) - 1 :: 2]
        count = int(s.corpus_per_kb_query[split] * len(qs))
        qs += _corpus_queries(source, kb, count, f"{split}-corpus", rng)
        kbs[split], queries[split] = kb, qs
    return LinkingData(kbs, queries, nil_ids, renames)


def corpus_sentence(text: str, arguments: Iterable[str]) -> CorpusSentence:
    """A sentence and every occurrence of its annotated arguments."""
    spans = []
    for arg in set(arguments):
        start = text.find(arg) if arg else -1
        while start >= 0:
            spans.append((start, start + len(arg)))
            start = text.find(arg, start + 1)
    return CorpusSentence(text, sorted(spans))
