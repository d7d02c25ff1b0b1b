"""Candidate entities for mentions.

A linker asks a knowledge base one question, ``get_candidates(mention)``
(:class:`CandidateGenerator`, as spaCy's KB does), and gets each entity the
mention may name with its alias prior; whatever answers it can be swapped
without touching the models. :class:`AliasIndex` answers it with an
Aho–Corasick automaton over every name and alias, which also finds every
alias in a text (:meth:`AliasIndex.find`, what the mention head reads);
:class:`ExactNames` answers it from the knowledge base's own table of names,
with nothing to build.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple, Protocol

import ahocorasick

from core.cache import cache_dir, file_digest
from core.linking.kb import KnowledgeBase
from core.runtime.jobs import JobContext

INDEX_FORMAT = 3


class Candidate(NamedTuple):
    entity_id: str
    alias: str
    prior: float  # share of the alias' entities: 1 / (number of entities with this alias)


def alias_candidates(alias: str, entity_ids: Iterable[str]) -> tuple[Candidate, ...]:
    """The entities named ``alias``, each with the alias prior: one over the
    number of entities of that alias."""
    unique = tuple(dict.fromkeys(entity_ids))
    return tuple(Candidate(i, alias, 1.0 / len(unique)) for i in unique)


def by_prior(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Most likely first; ties in entity id order, so every run agrees."""
    return sorted(candidates, key=lambda c: (-c.prior, c.entity_id))


class CandidateGenerator(Protocol):
    def get_candidates(self, mention: str) -> list[Candidate]:
        """The entities ``mention`` may name (none: it names nothing known)."""
        ...


class ExactNames:
    """Candidates of a mention spelled exactly as a name or an alias of the
    knowledge base. Nothing to build, so the window can answer at once; an
    :class:`AliasIndex` of a large KB takes seconds to build."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def get_candidates(self, mention: str) -> list[Candidate]:
        ids = self.kb.by_name.get(mention)
        return list(alias_candidates(mention, ids)) if ids else []


class AliasMatch(NamedTuple):
    start: int  # [start, end) character offsets in the text
    end: int
    alias: str
    candidates: tuple[Candidate, ...]


class AliasIndex:
    """The automaton stores an integer per alias (saved and loaded by the C
    library itself, fast and without pickle); ``entries[n]`` is that alias and
    its entity ids, taken from the knowledge base, which lists its names in
    file order: a saved automaton needs only the same KB to be whole again."""

    def __init__(
        self, automaton: ahocorasick.Automaton, entries: list[tuple[str, list[str]]]
    ) -> None:
        self.automaton = automaton
        self.entries = entries
        # Candidate tuples are made once per alias, when first matched: building
        # them per match would cost more than the matching itself.
        self._candidates: dict[int, tuple[Candidate, ...]] = {}

    def _candidates_of(self, n: int) -> tuple[Candidate, ...]:
        found = self._candidates.get(n)
        if found is None:
            found = self._candidates[n] = alias_candidates(*self.entries[n])
        return found

    @staticmethod
    def _entries(kb: KnowledgeBase, min_chars: int) -> list[tuple[str, list[str]]]:
        return [(name, ids) for name, ids in kb.by_name.items() if len(name) >= min_chars]

    @classmethod
    def build(
        cls, kb: KnowledgeBase, ctx: JobContext | None = None, min_chars: int = 1
    ) -> AliasIndex:
        ctx = ctx or JobContext.null()
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        entries = cls._entries(kb, min_chars)
        for n, (name, _) in enumerate(entries):
            automaton.add_word(name, n)
            if n % 20000 == 0:
                ctx.report(n, len(entries), "indexing aliases")
        automaton.make_automaton()
        ctx.report(len(entries), len(entries), "aliases indexed")
        index = cls(automaton, entries)
        index.min_chars = min_chars
        return index

    def get_candidates(self, mention: str) -> list[Candidate]:
        n = self.automaton.get(mention, None)
        return [] if n is None else list(self._candidates_of(n))

    def find(self, text: str) -> list[AliasMatch]:
        """Every occurrence of every alias, overlaps kept (the model decides
        between ``南京`` and ``南京市长江大桥``), in reading order, longest first
        at each start."""
        entries = self.entries
        if not entries:  # an automaton of no words cannot be searched
            return []
        matches = [
            AliasMatch(end - len(entries[n][0]) + 1, end + 1, entries[n][0], self._candidates_of(n))
            for end, n in self.automaton.iter(text)
        ]
        matches.sort(key=lambda m: (m.start, -m.end))
        return matches

    def longest_matches(self, text: str) -> list[AliasMatch]:
        """Non-overlapping matches, longest first from left to right (the
        classic dictionary segmentation)."""
        # Not the automaton's iter_long: it does not go back after a failed
        # longer match, so it misses some leftmost-longest matches.
        entries = self.entries
        if not entries:
            return []
        longest: dict[int, tuple[int, int]] = {}
        for end, n in self.automaton.iter(text):
            start = end - len(entries[n][0]) + 1
            if start not in longest or longest[start][0] <= end:
                longest[start] = (end + 1, n)
        out, covered_to = [], -1
        for start in sorted(longest):
            if start >= covered_to:
                end, n = longest[start]
                out.append(AliasMatch(start, end, entries[n][0], self._candidates_of(n)))
                covered_to = end
        return out

    def __len__(self) -> int:
        return len(self.automaton)

    def save(self, path: str | Path) -> None:
        """The automaton at ``path`` and what it was built with at
        ``path.json``; nothing is pickled, so loading runs no code. Each file
        is renamed into place whole, the description last: a reader never
        sees a description without its complete automaton."""
        path = Path(path)
        side_path = path.with_suffix(path.suffix + ".json")
        last = self.entries[-1][0] if self.entries else ""
        side = {"format": INDEX_FORMAT, "aliases": len(self), "last": last}
        side["min_chars"] = getattr(self, "min_chars", 1)
        suffix = f".{os.getpid()}.tmp"
        tmp, side_tmp = Path(str(path) + suffix), Path(str(side_path) + suffix)
        try:
            self.automaton.save(str(tmp))
            side_tmp.write_text(json.dumps(side, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
            os.replace(side_tmp, side_path)
        finally:
            for leftover in (tmp, side_tmp):
                if leftover.exists():
                    leftover.unlink()

    @classmethod
    def load(cls, path: str | Path, kb: KnowledgeBase) -> AliasIndex:
        """A saved index for ``kb``; ValueError when it was built for another."""
        path = Path(path)
        side = json.loads(path.with_suffix(path.suffix + ".json").read_text(encoding="utf-8"))
        if side.get("format") != INDEX_FORMAT:
            raise ValueError(f"{path}: index format {side.get('format')}, expected {INDEX_FORMAT}")
        entries = cls._entries(kb, int(side.get("min_chars", 1)))
        last = entries[-1][0] if entries else ""
        if len(entries) != side.get("aliases") or last != side.get("last"):
            raise ValueError(f"{path}: built for another knowledge base")
        # Values are never unpickled: an automaton of anything but integers
        # keeps its values as raw bytes and is refused here.
        automaton = ahocorasick.load(str(path), lambda raw: raw)
        if automaton.store != ahocorasick.STORE_INTS:
            raise ValueError(f"{path}: not an index of alias numbers")
        if len(automaton) != len(entries):
            raise ValueError(f"{path}: the automaton does not match {path.name}.json")
        index = cls(automaton, entries)
        index.min_chars = int(side.get("min_chars", 1))
        return index


def index_path_for(kb_path: str | Path) -> Path:
    """Where the index of this KB file's content is cached."""
    digest = file_digest(kb_path)
    return cache_dir("aliases") / f"{digest}-v{INDEX_FORMAT}.aliases"


def load_or_build_index(
    kb: KnowledgeBase, kb_path: str | Path, ctx: JobContext | None = None
) -> AliasIndex:
    """The alias index cached for this KB file's content; otherwise built and
    cached (when the cache folder can be written)."""
    saved = index_path_for(kb_path)
    if saved.exists():
        try:
            return AliasIndex.load(saved, kb)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # unreadable or damaged: build it again
    index = AliasIndex.build(kb, ctx)
    try:
        saved.parent.mkdir(parents=True, exist_ok=True)
        index.save(saved)
    except OSError:
        pass  # no writable cache: the index lives in memory only
    return index
