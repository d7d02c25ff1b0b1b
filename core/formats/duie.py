"""DuIE 1.0 / 2.0 sentence files and schema files.

DuIE 1.0 (LIC2019) lines: ``{"text", "spo_list": [{"subject", "subject_type",
"predicate", "object", "object_type"}], ...}`` with string fields. DuIE 2.0
writes ``object`` and ``object_type`` as ``{"@value": str, ...slots}``. Both read
into the same :class:`Sentence`; fields we do not use, the 2.0 slot dicts and
the order of keys are kept, so writing back what was read gives the same JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.formats.errors import FormatError, describe
from core.formats.jsonl import iter_jsonl, read_json_any, write_jsonl_atomic

_TRIPLE_FIELDS = (
    "subject",
    "subject_type",
    "predicate",
    "object",
    "object_type",
    "subject_span",
    "object_span",
    "score",
    "occurrences",
)


@dataclass(frozen=True)
class Span:
    """``[start, end)`` character offsets into the sentence text."""

    start: int
    end: int


def locate(
    text: str, needle: str, near: Span | None = None, avoid: Span | None = None
) -> Span | None:
    """Where ``needle`` occurs in ``text``: the first occurrence, or with ``near``
    the one starting closest to it (the earlier of two as close). An
    occurrence overlapping ``avoid`` is taken only when every one does (an
    object is looked for next to its subject, not inside it)."""
    starts, i = [], text.find(needle) if needle else -1
    while i >= 0:
        starts.append(i)
        i = text.find(needle, i + 1)
    if avoid is not None:
        apart = [s for s in starts if s + len(needle) <= avoid.start or s >= avoid.end]
        starts = apart or starts
    if near is not None:
        starts = sorted(starts, key=lambda s: abs(s - near.start))
    return Span(starts[0], starts[0] + len(needle)) if starts else None


@dataclass(frozen=True)
class Occurrence:
    """Another place in the text where the same triple was found."""

    subject_span: Span
    object_span: Span
    score: float | None = None


@dataclass
class Triple:
    subject: str
    predicate: str
    object: str
    subject_type: str = ""
    object_type: str = ""
    subject_span: Span | None = None
    object_span: Span | None = None
    score: float | None = None
    # Unknown fields, and DuIE 2.0's {"@value", slots} dicts under their own key.
    extra: dict[str, Any] = field(default_factory=dict)
    key_order: tuple[str, ...] = field(default=(), repr=False, compare=False)
    # The other places of the text where the same triple was found.
    occurrences: list[Occurrence] = field(default_factory=list)

    def key(self) -> tuple[str, str, str]:
        return (self.subject, self.predicate, self.object)


@dataclass
class Sentence:
    text: str
    triples: list[Triple] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # every other top-level field
    has_spo_list: bool = True
    key_order: tuple[str, ...] = field(default=(), repr=False, compare=False)


def _string_or_value(obj: Any, label: str, where: tuple[str, int | None]) -> tuple[str, Any]:
    """(the string, the original dict or None) of a 1.0 string or a 2.0 ``{"@value"}``."""
    if isinstance(obj, str):
        return obj, None
    if isinstance(obj, dict) and isinstance(obj.get("@value"), str):
        return obj["@value"], obj
    if isinstance(obj, dict):
        found = 'an object without a string "@value"'
    else:
        found = describe(obj)
    raise FormatError(*where, f'{label}: expected a string or {{"@value": string}}, got {found}')


def _span(value: Any, name: str, text: str, where: tuple[str, int | None], index: int) -> Span:
    ok = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 0 <= value[0] < value[1] <= len(text)
    )
    if not ok:
        raise FormatError(
            *where,
            f"spo_list[{index}].{name}: expected [start, end] with 0 <= start < end <= "
            f"{len(text)} (the text length), got {value!r}",
        )
    return Span(value[0], value[1])


def occurrence_to_json(o: Occurrence) -> dict[str, Any]:
    out: dict[str, Any] = {
        "subject_span": [o.subject_span.start, o.subject_span.end],
        "object_span": [o.object_span.start, o.object_span.end],
    }
    if o.score is not None:
        out["score"] = o.score
    return out


def _occurrences(
    value: Any, text: str, where: tuple[str, int | None], index: int
) -> list[Occurrence]:
    if value is None:
        return []
    label = f"spo_list[{index}].occurrences"
    if not isinstance(value, list):
        raise FormatError(*where, f"{label}: expected a list, got {describe(value)}")
    found = []
    for k, item in enumerate(value):
        if not isinstance(item, dict) or "subject_span" not in item or "object_span" not in item:
            raise FormatError(
                *where,
                f"{label}[{k}]: expected an object with subject_span and object_span, "
                f"got {describe(item)}",
            )
        score = item.get("score")
        if score is not None and (not isinstance(score, int | float) or isinstance(score, bool)):
            raise FormatError(
                *where, f"{label}[{k}].score: expected a number, got {describe(score)}"
            )
        found.append(
            Occurrence(
                _span(item["subject_span"], f"occurrences[{k}].subject_span", text, where, index),
                _span(item["object_span"], f"occurrences[{k}].object_span", text, where, index),
                score,
            )
        )
    return found


def _triple_from_json(obj: Any, text: str, where: tuple[str, int | None], index: int) -> Triple:
    if not isinstance(obj, dict):
        raise FormatError(*where, f"spo_list[{index}]: expected an object, got {describe(obj)}")
    missing = [k for k in ("subject", "predicate", "object") if k not in obj]
    if missing:
        raise FormatError(
            *where,
            f"spo_list[{index}]: expected the fields subject, predicate, object; missing {', '.join(missing)}",
        )
    extra: dict[str, Any] = {k: v for k, v in obj.items() if k not in _TRIPLE_FIELDS}
    values: dict[str, str] = {}
    for name in ("subject", "predicate", "object", "subject_type", "object_type"):
        if name not in obj:
            values[name] = ""
            continue
        values[name], original = _string_or_value(obj[name], f"spo_list[{index}].{name}", where)
        if original is not None:
            extra[name] = original
    score = obj.get("score")
    if score is not None and (not isinstance(score, int | float) or isinstance(score, bool)):
        raise FormatError(
            *where, f"spo_list[{index}].score: expected a number, got {describe(score)}"
        )
    return Triple(
        subject=values["subject"],
        predicate=values["predicate"],
        object=values["object"],
        subject_type=values["subject_type"],
        object_type=values["object_type"],
        subject_span=_span(obj["subject_span"], "subject_span", text, where, index)
        if "subject_span" in obj
        else None,
        object_span=_span(obj["object_span"], "object_span", text, where, index)
        if "object_span" in obj
        else None,
        # Kept as written (an int stays an int) so that round trips are exact.
        score=score,
        occurrences=_occurrences(obj.get("occurrences"), text, where, index),
        extra=extra,
        key_order=tuple(obj),
    )


def _triple_to_json(t: Triple) -> dict[str, Any]:
    values: dict[str, Any] = {
        "subject": t.subject,
        "subject_type": t.subject_type,
        "predicate": t.predicate,
        "object": t.object,
        "object_type": t.object_type,
    }
    for name in ("subject", "subject_type", "object", "object_type"):
        original = t.extra.get(name)
        if isinstance(original, dict):
            values[name] = {**original, "@value": values[name]}
    for name in ("subject_type", "object_type"):
        if values[name] == "" and name not in t.key_order:
            del values[name]
    if t.subject_span is not None:
        values["subject_span"] = [t.subject_span.start, t.subject_span.end]
    if t.object_span is not None:
        values["object_span"] = [t.object_span.start, t.object_span.end]
    if t.score is not None:
        values["score"] = t.score
    if t.occurrences:
        values["occurrences"] = [occurrence_to_json(o) for o in t.occurrences]
    for k, v in t.extra.items():
        if k not in _TRIPLE_FIELDS:
            values[k] = v
    return _ordered(values, t.key_order)


def _ordered(values: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    out = {k: values[k] for k in order if k in values}
    out.update((k, v) for k, v in values.items() if k not in out)
    return out


def sentence_from_json(obj: Any, path: str | Path = "<input>", line: int | None = None) -> Sentence:
    where = (str(path), line)
    if not isinstance(obj, dict):
        raise FormatError(*where, f'expected an object with a "text" string, got {describe(obj)}')
    text = obj.get("text")
    if not isinstance(text, str):
        found = "nothing" if "text" not in obj else describe(text)
        raise FormatError(
            *where, f'expected an object with a "text" string, got {found} for "text"'
        )
    spo = obj.get("spo_list", [])
    if not isinstance(spo, list):
        raise FormatError(*where, f'"spo_list": expected a list, got {describe(spo)}')
    triples = [_triple_from_json(x, text, where, i) for i, x in enumerate(spo)]
    extra = {k: v for k, v in obj.items() if k not in ("text", "spo_list")}
    return Sentence(text, triples, extra, has_spo_list="spo_list" in obj, key_order=tuple(obj))


def sentence_to_json(s: Sentence) -> dict[str, Any]:
    values: dict[str, Any] = {"text": s.text}
    if s.has_spo_list or s.triples:
        values["spo_list"] = [_triple_to_json(t) for t in s.triples]
    values.update((k, v) for k, v in s.extra.items() if k not in values)
    return _ordered(values, s.key_order)


def read_sentences(path: str | Path, require_triples: bool = False) -> Iterator[Sentence]:
    """Stream the sentences of a DuIE file. With ``require_triples`` a line with
    no ``spo_list`` is an error (training and gold files need one)."""
    for line, obj in iter_jsonl(path):
        sentence = sentence_from_json(obj, path, line)
        if require_triples and not sentence.has_spo_list:
            raise FormatError(path, line, 'expected an "spo_list" (annotated data), found none')
        yield sentence


def write_sentences(path: str | Path, sentences: Iterable[Sentence]) -> int:
    return write_jsonl_atomic(path, (sentence_to_json(s) for s in sentences))


SCHEMA_FIELDS = ("subject_type", "predicate", "object_type")


@dataclass
class SchemaEntry:
    subject_type: str
    predicate: str
    object_type: str
    # Other fields, and DuIE 2.0's {"@value", slots} dicts under their own key.
    extra: dict[str, Any] = field(default_factory=dict)
    key_order: tuple[str, ...] = field(default=(), repr=False, compare=False)


@dataclass
class Schema:
    entries: list[SchemaEntry]

    @property
    def predicates(self) -> list[str]:
        return list(dict.fromkeys(e.predicate for e in self.entries))

    def as_dicts(self) -> list[dict[str, str]]:
        """The entries as a model folder keeps them (``model.json``'s ``schema``)."""
        return [
            {"subject_type": e.subject_type, "predicate": e.predicate, "object_type": e.object_type}
            for e in self.entries
        ]

    def types_for(self, predicate: str) -> tuple[str, str]:
        """(subject_type, object_type) of the first entry for ``predicate``;
        KeyError if the schema does not have it."""
        if predicate not in self.predicates:
            raise KeyError(f"predicate {predicate!r} is not in the schema")
        return types_for(self.as_dicts(), predicate)


def types_for(schema: Iterable[Mapping[str, Any]], predicate: str) -> tuple[str, str]:
    """(subject_type, object_type) of the first schema entry for ``predicate``
    (entries as in ``model.json``); empty strings when no entry has it."""
    for entry in schema:
        if entry.get("predicate") == predicate:
            return entry.get("subject_type", ""), entry.get("object_type", "")
    return "", ""


def read_schema(path: str | Path) -> Schema:
    """DuIE 1.0 schema (JSON lines of strings) or DuIE 2.0 (a JSON array whose
    ``object_type`` is ``{"@value": str, slots}``; the dict is kept in ``extra``)."""
    entries = []
    for n, obj in read_json_any(path):
        where = (str(path), n)
        missing = [k for k in SCHEMA_FIELDS if k not in obj]
        if missing:
            raise FormatError(
                *where,
                f"expected subject_type, predicate and object_type; missing {', '.join(missing)}",
            )
        extra = {k: v for k, v in obj.items() if k not in SCHEMA_FIELDS}
        names = {}
        for key in SCHEMA_FIELDS:
            names[key], original = _string_or_value(obj[key], key, where)
            if original is not None:
                extra[key] = original
        entries.append(
            SchemaEntry(
                names["subject_type"],
                names["predicate"],
                names["object_type"],
                extra,
                key_order=tuple(obj),
            )
        )
    if not entries:
        raise FormatError(path, None, "expected at least one schema entry, found none")
    return Schema(entries)


def _entry_to_json(e: SchemaEntry) -> dict[str, Any]:
    values: dict[str, Any] = {
        "subject_type": e.subject_type,
        "predicate": e.predicate,
        "object_type": e.object_type,
    }
    for k, v in e.extra.items():
        if k in SCHEMA_FIELDS:
            if isinstance(v, dict):
                values[k] = {**v, "@value": values[k]}
        else:
            values[k] = v
    return _ordered(values, e.key_order)


def write_schema(path: str | Path, schema: Schema) -> None:
    """Write the schema as JSON lines (whatever it was read from), atomically."""
    write_jsonl_atomic(path, (_entry_to_json(e) for e in schema.entries))
