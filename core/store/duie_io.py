"""DuIE sentences to the store's rows and back.

What the store adds to the DuIE format travels in fields of its own, so that
export → import → export gives the same file: each spo entry carries
``status``, ``origin`` (and ``score``, spans), and once a person corrected a
model's triple, ``edited_from``: what the model had said; a document marked
reviewed carries ``"reviewed": true``. Everything else a line holds (unknown fields,
DuIE 2.0's ``{"@value"}`` objects, the order of keys) is kept as it came.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from core.formats.duie import (
    Sentence,
    Triple,
    locate,
    occurrence_to_json,
    sentence_from_json,
)
from core.formats.errors import FormatError, describe
from core.formats.jsonl import iter_jsonl
from core.store.records import OCCURRENCES, STATUSES, Annotation

REVIEWED = "reviewed"
_NAMES = ("subject", "predicate", "object")
_SPANS = ("subject_span", "object_span")


def check_sentence(sentence: Sentence, path: str | Path, line: int | None) -> None:
    """Reject a ``status`` or ``origin`` the store could not hold, naming the line."""
    for i, t in enumerate(sentence.triples):
        status = t.extra.get("status")
        if status is not None and status not in STATUSES:
            raise FormatError(
                path,
                line,
                f"spo_list[{i}].status: expected one of {', '.join(STATUSES)}, got {status!r}",
            )
        origin = t.extra.get("origin")
        if origin is not None and not (isinstance(origin, str) and origin):
            raise FormatError(
                path,
                line,
                f"spo_list[{i}].origin: expected a non-empty string, got {describe(origin)}",
            )
        if "edited_from" in t.extra and _edited_from_key(t.extra["edited_from"]) is None:
            raise FormatError(
                path,
                line,
                f"spo_list[{i}].edited_from: expected an object with subject, predicate and "
                f"object strings and optional [start, end] spans, "
                f"got {t.extra['edited_from']!r}",
            )


def _edited_from_key(obj: Any) -> list | None:
    """The stored form of an ``edited_from`` entry, or None if it is malformed."""
    if not isinstance(obj, dict) or set(obj) - {*_NAMES, *_SPANS}:
        return None
    if not all(isinstance(obj.get(k), str) for k in _NAMES):
        return None
    key = [obj[k] for k in _NAMES]
    for name in _SPANS:
        span = obj.get(name)
        if span is None:
            key += [None, None]
        elif (
            isinstance(span, list)
            and len(span) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in span)
        ):
            key += span
        else:
            return None
    return key


def _edited_from_json(key: tuple) -> dict[str, Any]:
    obj: dict[str, Any] = dict(zip(_NAMES, key[:3], strict=True))
    for name, (start, end) in zip(_SPANS, (key[3:5], key[5:7]), strict=True):
        if start is not None:
            obj[name] = [start, end]
    return obj


def read_for_import(path: str | Path) -> Iterator[Sentence]:
    """The sentences of a DuIE file, each checked for the store's own fields."""
    for line, obj in iter_jsonl(path):
        sentence = sentence_from_json(obj, path, line)
        check_sentence(sentence, path, line)
        yield sentence


def document_row(sentence: Sentence) -> dict[str, Any]:
    """Column values of a new ``documents`` row (without ``position``)."""
    extra = dict(sentence.extra)
    # Only our own marker is taken; any other "reviewed" value stays as data.
    reviewed = extra.get(REVIEWED) is True
    if reviewed:
        del extra[REVIEWED]
    return {
        "text": sentence.text,
        "extra": json.dumps(extra, ensure_ascii=False),
        "key_order": json.dumps(list(sentence.key_order), ensure_ascii=False),
        "has_spo_list": int(sentence.has_spo_list),
        "reviewed": int(reviewed),
    }


def annotation_row(
    text: str, t: Triple, status: str | None = None, origin: str | None = None
) -> dict[str, Any]:
    """Column values of a new ``annotations`` row (without ``doc_id`` and ``ord``).
    Without ``status``/``origin`` they come from the entry's own fields; else a
    scored triple is a prediction and an unscored one gold data, both "import"."""
    extra = dict(t.extra)
    if t.occurrences:
        extra[OCCURRENCES] = [occurrence_to_json(o) for o in t.occurrences]
    own_status, own_origin = extra.pop("status", None), extra.pop("origin", None)
    edited_from = _edited_from_key(extra.pop("edited_from", None))
    status = status or own_status or ("predicted" if t.score is not None else "accepted")
    origin = origin or own_origin or "import"
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r} (expected one of {', '.join(STATUSES)})")
    s = t.subject_span or locate(text, t.subject)
    o = t.object_span or locate(text, t.object, near=s, avoid=s)
    return {
        "subject": t.subject,
        "subject_type": t.subject_type,
        "predicate": t.predicate,
        "object": t.object,
        "object_type": t.object_type,
        "s_start": s.start if s else None,
        "s_end": s.end if s else None,
        "o_start": o.start if o else None,
        "o_end": o.end if o else None,
        "score": t.score,
        "origin": origin,
        "status": status,
        "extra": json.dumps(extra, ensure_ascii=False),
        "key_order": json.dumps(list(t.key_order), ensure_ascii=False),
        "edited_from": json.dumps(edited_from, ensure_ascii=False) if edited_from else None,
    }


def to_triple(a: Annotation, clean: bool = False) -> Triple:
    extra = dict(a.extra)
    extra.pop(OCCURRENCES, None)
    if not clean:
        extra["status"] = a.status
        extra["origin"] = a.origin
        if a.edited_from is not None:
            extra["edited_from"] = _edited_from_json(a.edited_from)
    return Triple(
        a.subject,
        a.predicate,
        a.object,
        a.subject_type,
        a.object_type,
        a.subject_span,
        a.object_span,
        None if clean else a.score,
        extra,
        key_order=a.key_order,
        occurrences=a.occurrences,
    )


def to_sentence(
    document: Mapping[str, Any], annotations: list[Annotation], clean: bool = False
) -> Sentence:
    """A ``documents`` row and its annotations as a DuIE sentence. ``clean`` gives
    training data: rejected triples, status, origin, score and the reviewed
    marker left out (spans stay: they say which occurrence is meant)."""
    extra = json.loads(document["extra"])
    if document["reviewed"] and not clean:
        extra[REVIEWED] = True
    triples = [to_triple(a, clean) for a in annotations if not (clean and a.status == "rejected")]
    return Sentence(
        document["text"],
        triples,
        extra,
        bool(document["has_spo_list"]) or bool(triples),
        tuple(json.loads(document["key_order"])),
    )
