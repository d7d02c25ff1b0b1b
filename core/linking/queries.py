"""Annotated entity-linking queries in the CCKS 2019 format.

One JSON object per line: ``text_id``, ``text`` and, when annotated,
``mention_data``: a list of ``{"kb_id", "mention", "offset"}`` where ``offset``
is the mention's first character in ``text`` (a string in the original files,
an integer accepted too) and ``kb_id`` is ``"NIL"`` for an entity the knowledge
base lacks. Linker output adds ``score`` and ``candidates`` to each mention.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from core.formats.errors import FormatError, describe
from core.formats.jsonl import atomic_write_text, iter_jsonl

NIL = "NIL"
# Optional field of annotated queries: [start, end) spans nobody annotated
# (neither mention nor non-mention); scoring ignores predictions there.
UNLABELLED = "unlabelled"
# Optional field: [start, end) spans that are mentions of an entity nobody
# identified. The mention head learns them; link scoring ignores them.
UNLINKED = "unlinked_mentions"


@dataclass(frozen=True)
class Mention:
    start: int  # [start, end) character offsets in the query text
    end: int
    text: str
    kb_id: str  # an entity id, or NIL
    score: float | None = None  # the link's probability (NIL: the best candidate's)
    candidates: tuple[tuple[str, float], ...] = ()  # (entity id, score), best first
    mention_score: float | None = None  # the probability that the span is a mention at all

    @property
    def is_nil(self) -> bool:
        return self.kb_id == NIL

    def key(self) -> tuple[int, str, str]:
        """What the CCKS metric compares: (offset, mention, kb_id)."""
        return (self.start, self.text, self.kb_id)

    def to_json(self) -> dict:
        d: dict = {"kb_id": self.kb_id, "mention": self.text, "offset": str(self.start)}
        if self.score is not None:
            d["score"] = round(self.score, 4)
        if self.mention_score is not None:
            d["mention_score"] = round(self.mention_score, 4)
        if self.candidates:
            d["candidates"] = [{"kb_id": i, "score": round(s, 4)} for i, s in self.candidates]
        return d


@dataclass
class Query:
    text_id: str
    text: str
    mentions: list[Mention] = field(default_factory=list)
    extra: dict = field(default_factory=dict)  # unknown fields, written back as they came

    def _spans(self, key: str) -> list[tuple[int, int]]:
        spans = self.extra.get(key, [])
        return [(int(a), int(b)) for a, b in spans] if isinstance(spans, list) else []

    def unlabelled(self) -> list[tuple[int, int]]:
        return self._spans(UNLABELLED)

    def unlinked(self) -> list[tuple[int, int]]:
        return self._spans(UNLINKED)

    def unscored(self) -> list[tuple[int, int]]:
        """Spans where link scoring ignores what a linker says."""
        return self.unlabelled() + self.unlinked()

    def to_json(self) -> dict:
        return {
            "text_id": self.text_id,
            "text": self.text,
            **self.extra,
            "mention_data": [m.to_json() for m in self.mentions],
        }


def _mention(item: object, text: str, path: Path, line: int, i: int) -> Mention:
    where = f"mention_data[{i}]"
    if not isinstance(item, dict):
        raise FormatError(path, line, f"{where}: expected an object, got {describe(item)}")
    mention, kb_id, offset = item.get("mention"), item.get("kb_id"), item.get("offset")
    if not isinstance(mention, str) or not mention:
        raise FormatError(path, line, f'{where}: expected a non-empty "mention" string')
    if not isinstance(kb_id, str) or not kb_id:
        raise FormatError(path, line, f'{where}: expected a "kb_id" string (an id or "NIL")')
    try:
        start = int(offset)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise FormatError(
            path, line, f'{where}: expected "offset" as a number, got {describe(offset)}'
        ) from None
    if text[start : start + len(mention)] != mention or start < 0:
        found = text[max(0, start) : max(0, start) + len(mention)]
        raise FormatError(
            path,
            line,
            f'{where}: "{mention}" is not at offset {start} of the text (found "{found}")',
        )
    score = item.get("score")
    mention_score = item.get("mention_score")
    candidates = tuple(
        (c["kb_id"], float(c["score"]))
        for c in item.get("candidates", [])
        if isinstance(c, dict) and "kb_id" in c and "score" in c
    )
    return Mention(
        start,
        start + len(mention),
        mention,
        kb_id,
        float(score) if isinstance(score, int | float) else None,
        candidates,
        float(mention_score) if isinstance(mention_score, int | float) else None,
    )


def query_from_json(
    obj: dict, path: Path, line: int, annotated: bool, require_id: bool = False
) -> Query:
    """With ``require_id`` a missing ``text_id`` is an error: output matched
    to its input by id would otherwise carry numbers the user never gave."""
    text = obj.get("text")
    if not isinstance(text, str):
        raise FormatError(path, line, f'expected a "text" string, got {describe(text)}')
    if require_id and not isinstance(obj.get("text_id"), str | int):
        found = "nothing" if "text_id" not in obj else describe(obj["text_id"])
        raise FormatError(path, line, f'expected a "text_id" string, got {found}')
    text_id = obj.get("text_id", str(line))
    data = obj.get("mention_data")
    if data is None:
        if annotated:
            raise FormatError(path, line, 'expected "mention_data" (a list of mentions)')
        data = []
    if not isinstance(data, list):
        raise FormatError(path, line, f'"mention_data": expected a list, got {describe(data)}')
    mentions = [_mention(item, text, path, line, i) for i, item in enumerate(data)]
    extra = {k: v for k, v in obj.items() if k not in ("text_id", "text", "mention_data")}
    return Query(str(text_id), text, mentions, extra)


def read_queries(
    path: str | Path, annotated: bool = False, require_id: bool = False
) -> Iterator[Query]:
    """Stream queries; with ``annotated`` every line must carry ``mention_data``,
    with ``require_id`` a ``text_id``."""
    path = Path(path)
    for line, obj in iter_jsonl(path):
        yield query_from_json(obj, path, line, annotated, require_id)


def write_queries(path: str | Path, queries: Iterable[Query]) -> int:
    """Write atomically: an interrupted write leaves the old file as it was."""
    n = 0
    with atomic_write_text(Path(path)) as f:
        for q in queries:
            f.write(json.dumps(q.to_json(), ensure_ascii=False) + "\n")
            n += 1
    return n
