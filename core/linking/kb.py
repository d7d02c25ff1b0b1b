"""Knowledge bases in the CCKS 2019 ``kb_data`` format.

One JSON object per line: ``subject_id``, ``subject`` (the name), ``alias``
(list), ``type`` (list), ``data`` (list of ``{"predicate", "object"}``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from core.formats.errors import FormatError, describe
from core.formats.jsonl import iter_jsonl
from core.runtime.jobs import JobContext

# The fields that describe an entity best come first in its description.
_DESCRIPTION_FIRST = ("摘要", "义项描述")


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    aliases: tuple[str, ...]
    types: tuple[str, ...]
    data: tuple[tuple[str, str], ...]

    def names(self) -> tuple[str, ...]:
        """The name and the aliases, without repeats."""
        return tuple(dict.fromkeys((self.name, *self.aliases)))

    def summary(self, sense_first: bool = False) -> list[str]:
        """What the entity is, in the knowledge base's words: the abstract,
        then the sense description (those it has); ``sense_first``: the
        other way round."""
        facts = dict(self.data)
        order = _DESCRIPTION_FIRST[::-1] if sense_first else _DESCRIPTION_FIRST
        return [facts[k] for k in order if facts.get(k)]

    def other_facts(self) -> list[tuple[str, str]]:
        """(predicate, object) of every other fact that says something."""
        return [(p, o) for p, o in self.data if p not in _DESCRIPTION_FIRST and o]

    def description(self, max_chars: int = 256, sense_first: bool = False) -> str:
        """A text that says what the entity is, for a model to compare with a
        mention's context (and for a person choosing between candidates): the
        summary first, then the other facts as ``predicate：object``. The
        sense description (``义项描述``, a few words that tell namesakes
        apart) may come first, before the abstract fills what room a model has."""
        parts = self.summary(sense_first) + [f"{p}：{o}" for p, o in self.other_facts()]
        return "；".join(parts)[:max_chars]


def _strings(value: object, field: str, path: Path, line: int) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FormatError(
            path, line, f'"{field}": expected a list of strings, got {describe(value)}'
        )
    return tuple(value)


def entity_from_json(obj: dict, path: Path, line: int) -> Entity:
    for field in ("subject_id", "subject"):
        if not isinstance(obj.get(field), str) or not obj[field]:
            found = "nothing" if field not in obj else describe(obj[field])
            raise FormatError(path, line, f'expected a non-empty "{field}" string, got {found}')
    data = obj.get("data", [])
    if not isinstance(data, list):
        raise FormatError(path, line, f'"data": expected a list, got {describe(data)}')
    pairs = []
    for i, item in enumerate(data):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("predicate"), str)
            and isinstance(item.get("object"), str)
        ):
            raise FormatError(
                path, line, f'data[{i}]: expected {{"predicate": string, "object": string}}'
            )
        pairs.append((item["predicate"], item["object"]))
    return Entity(
        id=obj["subject_id"],
        name=obj["subject"],
        aliases=_strings(obj.get("alias", []), "alias", path, line),
        types=_strings(obj.get("type", []), "type", path, line),
        data=tuple(pairs),
    )


def read_kb(path: str | Path, ctx: JobContext | None = None) -> Iterator[Entity]:
    """Stream the entities of a ``kb_data`` file; progress by bytes read."""
    path = Path(path)
    ctx = ctx or JobContext.null()
    total = max(1, path.stat().st_size)
    seen: set[str] = set()
    for line, obj in iter_jsonl(path):
        entity = entity_from_json(obj, path, line)
        if entity.id in seen:
            raise FormatError(
                path, line, f"subject_id {entity.id} appears twice (expected unique ids)"
            )
        seen.add(entity.id)
        if line % 5000 == 0:
            ctx.report(line, total, f"reading the knowledge base: {line} entities")
        yield entity


class KnowledgeBase:
    """Entities by id, with lookup by name or alias."""

    def __init__(self, entities: Iterator[Entity] | list[Entity]) -> None:
        self.entities: dict[str, Entity] = {}
        self.by_name: dict[str, list[str]] = {}
        for e in entities:
            self.entities[e.id] = e
            for name in e.names():
                self.by_name.setdefault(name, []).append(e.id)

    @classmethod
    def load(cls, path: str | Path, ctx: JobContext | None = None) -> KnowledgeBase:
        return cls(read_kb(path, ctx))

    def __len__(self) -> int:
        return len(self.entities)

    def get(self, entity_id: str) -> Entity | None:
        return self.entities.get(entity_id)

    def search(self, query: str, limit: int = 50) -> list[Entity]:
        """An id, or entities whose name or an alias contains ``query``; exact
        names first."""
        query = query.strip()
        if not query:
            return []
        if query in self.entities:
            return [self.entities[query]]
        exact = [self.entities[i] for i in self.by_name.get(query, [])]
        found = {e.id for e in exact}
        partial = []
        for name, ids in self.by_name.items():
            if query in name:
                for i in ids:
                    if i not in found:
                        found.add(i)
                        partial.append(self.entities[i])
            if len(exact) + len(partial) >= limit:
                break
        return (exact + partial)[:limit]


def entity_to_json(entity: Entity) -> dict:
    return {
        "alias": list(entity.aliases),
        "subject_id": entity.id,
        "subject": entity.name,
        "type": list(entity.types),
        "data": [{"predicate": p, "object": o} for p, o in entity.data],
    }


def write_kb(path: str | Path, entities: Iterable[Entity]) -> int:
    """A ``kb_data`` file, written atomically."""
    import json

    from core.formats.jsonl import atomic_write_text

    n = 0
    with atomic_write_text(Path(path)) as f:
        for e in entities:
            f.write(json.dumps(entity_to_json(e), ensure_ascii=False) + "\n")
            n += 1
    return n
