"""Candidate entities for mentions: an Aho–Corasick automaton over every name
and alias of a knowledge base.

The linker asks one question, :meth:`AliasIndex.get_candidates`, or scans a
text with :meth:`AliasIndex.find`; the knowledge base behind it can be
swapped without touching the models.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import ahocorasick

from core.jobs import JobContext
from core.linking.kb import KnowledgeBase

INDEX_FORMAT = 1


class Candidate(NamedTuple):
    entity_id: str
    alias: str
    prior: float  # share of the alias' entities: 1 / (number of entities with this alias)


class AliasMatch(NamedTuple):
    start: int  # [start, end) character offsets in the text
    end: int
    alias: str
    candidates: tuple[Candidate, ...]


class AliasIndex:
    def __init__(self, automaton: ahocorasick.Automaton) -> None:
        self.automaton = automaton
        # Candidate tuples are made once per alias, when first matched: building
        # them per match would cost more than the matching itself.
        self._candidates: dict[str, tuple[Candidate, ...]] = {}

    def _candidates_of(self, alias: str, ids: tuple[str, ...]) -> tuple[Candidate, ...]:
        found = self._candidates.get(alias)
        if found is None:
            prior = 1.0 / len(ids)
            found = self._candidates[alias] = tuple(Candidate(i, alias, prior) for i in ids)
        return found

    @classmethod
    def build(
        cls, kb: KnowledgeBase, ctx: JobContext | None = None, min_chars: int = 1
    ) -> AliasIndex:
        ctx = ctx or JobContext.null()
        automaton = ahocorasick.Automaton()
        total = len(kb.by_name)
        for n, (name, ids) in enumerate(kb.by_name.items()):
            if len(name) >= min_chars:
                automaton.add_word(name, (name, tuple(dict.fromkeys(ids))))
            if n % 20000 == 0:
                ctx.report(n, total, "indexing aliases")
        automaton.make_automaton()
        ctx.report(total, total, "aliases indexed")
        return cls(automaton)

    def get_candidates(self, mention: str) -> list[Candidate]:
        value = self.automaton.get(mention, None)
        if value is None:
            return []
        return list(self._candidates_of(*value))

    def find(self, text: str) -> list[AliasMatch]:
        """Every occurrence of every alias, overlaps kept (the model decides
        between ``南京`` and ``南京市长江大桥``), in reading order, longest first
        at each start."""
        matches = [
            AliasMatch(end - len(alias) + 1, end + 1, alias, self._candidates_of(alias, ids))
            for end, (alias, ids) in self.automaton.iter(text)
        ]
        matches.sort(key=lambda m: (m.start, -m.end))
        return matches

    def longest_matches(self, text: str) -> list[AliasMatch]:
        """Non-overlapping matches, longest first from left to right (the
        classic dictionary segmentation)."""
        # Not the automaton's iter_long: it does not go back after a failed
        # longer match, so it misses some leftmost-longest matches.
        longest: dict[int, tuple[int, tuple[str, tuple[str, ...]]]] = {}
        for end, value in self.automaton.iter(text):
            start = end - len(value[0]) + 1
            if start not in longest or longest[start][0] <= end:
                longest[start] = (end + 1, value)
        out, covered_to = [], -1
        for start in sorted(longest):
            if start >= covered_to:
                end, (alias, ids) = longest[start]
                out.append(AliasMatch(start, end, alias, self._candidates_of(alias, ids)))
                covered_to = end
        return out

    def __len__(self) -> int:
        return len(self.automaton)

    def save(self, path: str | Path) -> None:
        """Stored with JSON values, never pickle: loading runs no code from the file."""
        path = Path(path)
        self.automaton.save(
            str(path), lambda value: json.dumps(value, ensure_ascii=False).encode("utf-8")
        )
        path.with_suffix(path.suffix + ".json").write_text(
            json.dumps({"format": INDEX_FORMAT, "aliases": len(self)})
        )

    @classmethod
    def load(cls, path: str | Path) -> AliasIndex:
        def decode(raw: bytes):
            alias, ids = json.loads(raw.decode("utf-8"))
            return alias, tuple(ids)

        return cls(ahocorasick.load(str(path), decode))


def index_path_for(kb_path: str | Path) -> Path:
    kb_path = Path(kb_path)
    return kb_path.with_name(kb_path.name + ".aliases")


def load_or_build_index(
    kb: KnowledgeBase, kb_path: str | Path, ctx: JobContext | None = None
) -> AliasIndex:
    """The alias index saved next to the KB file when it is newer than the KB;
    otherwise built and saved there (when the folder is writable)."""
    kb_path = Path(kb_path)
    saved = index_path_for(kb_path)
    if saved.exists() and saved.stat().st_mtime >= kb_path.stat().st_mtime:
        try:
            return AliasIndex.load(saved)
        except (OSError, ValueError):
            pass  # unreadable or from another version: build it again
    index = AliasIndex.build(kb, ctx)
    try:
        index.save(saved)
    except OSError:
        pass  # a read-only KB folder: the index lives in memory only
    return index
