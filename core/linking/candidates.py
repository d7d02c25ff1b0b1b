"""Candidate entities for mentions: an Aho–Corasick automaton over every name
and alias of a knowledge base.

The linker asks one question, :meth:`AliasIndex.get_candidates`, or scans a
text with :meth:`AliasIndex.find`; the knowledge base behind it can be
swapped without touching the models.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import ahocorasick

from core.jobs import JobContext
from core.linking.kb import KnowledgeBase

INDEX_FORMAT = 1


@dataclass(frozen=True)
class Candidate:
    entity_id: str
    alias: str
    prior: float  # share of the alias' entities: 1 / (number of entities with this alias)


@dataclass(frozen=True)
class AliasMatch:
    start: int  # [start, end) character offsets in the text
    end: int
    alias: str
    candidates: tuple[Candidate, ...]


class AliasIndex:
    def __init__(self, automaton: ahocorasick.Automaton) -> None:
        self.automaton = automaton

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
        alias, ids = value
        return [Candidate(i, alias, 1.0 / len(ids)) for i in ids]

    def find(self, text: str) -> list[AliasMatch]:
        """Every occurrence of every alias, overlaps kept (the model decides
        between ``南京`` and ``南京市长江大桥``), in reading order, longest first
        at each start."""
        matches = []
        for end_index, (alias, ids) in self.automaton.iter(text):
            start = end_index - len(alias) + 1
            prior = 1.0 / len(ids)
            matches.append(
                AliasMatch(
                    start, end_index + 1, alias, tuple(Candidate(i, alias, prior) for i in ids)
                )
            )
        matches.sort(key=lambda m: (m.start, -(m.end - m.start)))
        return matches

    def longest_matches(self, text: str) -> list[AliasMatch]:
        """Non-overlapping matches, longest first from left to right (the
        classic dictionary segmentation)."""
        out, covered_to = [], -1
        for m in self.find(text):
            if m.start >= covered_to:
                out.append(m)
                covered_to = m.end
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
