"""How far two annotators agree, from the decisions each of them took on the
same documents (the ``decisions`` table keeps everyone's, in order; a
person's view of a triple or a link is their last decision on it).

- Triple level: each person's kept triples of the documents both decided on
  (subject, predicate, object; rejected and deleted ones left out), F1 of
  one set against the other: 2·|A∩B| / (|A| + |B|), which is symmetric.
- Link level: the same over (start, end, entity) of the kept links.
- Cohen's kappa on the proposals (a model's or an imported file's, not a
  person's) both decided on: accept (accepted or corrected) or reject,
  agreement corrected for chance,
  κ = (p_o − p_e) / (1 − p_e).
Triples are also counted per predicate. :func:`differences` lists where two
people's last decisions on one document differ, and :func:`settle` makes one
of them the project's, as an edit of whoever settles it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from core.errors import BadInput
from core.store.project import Project

KEPT = ("accepted", "edited", "added")
DECIDED_BY_PERSON = ("accepted", "edited", "rejected", "added")
_MODEL_FREE = ("person",)  # a triple a person added is nobody's proposal
TABLES = {"triples": "annotations", "links": "entity_links"}


@dataclass(frozen=True)
class Decision:
    author: str
    doc_id: int
    table: str
    row_id: int
    status: str | None  # None: deleted
    value: tuple
    predicate: str | None
    origin: str | None


def last_decisions(project: Project, doc_ids: Iterable[int] | None = None) -> list[Decision]:
    """Each person's last decision on each triple and link (of ``doc_ids``)."""
    args: tuple = ()
    where = "table_name IN ('annotations', 'entity_links')"
    if doc_ids is not None:
        ids = list(doc_ids)
        if not ids:
            return []
        where += f" AND doc_id IN ({', '.join('?' for _ in ids)})"
        args = tuple(ids)
    last: dict[tuple[str, str, int], Decision] = {}
    rows = project.db.execute(
        "SELECT author, doc_id, table_name, row_id, status, value, predicate, origin"
        f" FROM decisions WHERE {where} ORDER BY id",
        args,
    )
    for author, doc_id, table, row_id, status, value, predicate, origin in rows:
        last[(author, table, row_id)] = Decision(
            author, doc_id, table, row_id, status, tuple(json.loads(value)), predicate, origin
        )
    return list(last.values())


def kappa(pairs: list[tuple[bool, bool]]) -> float | None:
    """Cohen's kappa of two raters' yes/no on the same items (None: no items;
    1.0 when both always said the same single answer)."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    a_yes = sum(a for a, _ in pairs) / n
    b_yes = sum(b for _, b in pairs) / n
    chance = a_yes * b_yes + (1 - a_yes) * (1 - b_yes)
    if chance >= 1.0:
        return 1.0 if observed == 1.0 else None
    return (observed - chance) / (1 - chance)


def _f1(both: int, n_a: int, n_b: int) -> float | None:
    return 2 * both / (n_a + n_b) if n_a + n_b else None


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _measure(
    mine: dict[int, Decision], theirs: dict[int, Decision], docs: set[int]
) -> dict[str, Any]:
    """F1 of kept items and kappa on shared proposals, for one table."""
    a_kept = {(d.doc_id, d.value) for d in mine.values() if d.doc_id in docs and d.status in KEPT}
    b_kept = {(d.doc_id, d.value) for d in theirs.values() if d.doc_id in docs and d.status in KEPT}
    both = len(a_kept & b_kept)
    pairs = [
        (mine[r].status != "rejected", theirs[r].status != "rejected")
        for r in mine.keys() & theirs.keys()
        if mine[r].doc_id in docs
        and mine[r].origin not in _MODEL_FREE
        and mine[r].status in DECIDED_BY_PERSON
        and theirs[r].status in DECIDED_BY_PERSON
    ]
    agreed = sum(a == b for a, b in pairs)
    return {
        "f1": _round(_f1(both, len(a_kept), len(b_kept))),
        "kept_a": len(a_kept),
        "kept_b": len(b_kept),
        "kept_both": both,
        "kappa": _round(kappa(pairs)),
        "proposals": len(pairs),
        "proposals_agreed": agreed,
    }


def agreement(project: Project, people: Iterable[str] | None = None) -> dict[str, Any]:
    """Agreement of every pair of people (or of ``people``) on the documents
    both decided on: triples, links, and triples per predicate."""
    by_person: dict[str, dict[str, dict[int, Decision]]] = defaultdict(lambda: defaultdict(dict))
    docs_of: dict[str, set[int]] = defaultdict(set)
    for d in last_decisions(project):
        by_person[d.author][d.table][d.row_id] = d
        docs_of[d.author].add(d.doc_id)
    names = sorted(by_person) if people is None else list(people)
    for name in names:
        if name not in by_person:
            raise BadInput(f"{name!r} has decided nothing in {project.location}")
    pairs = []
    for a, b in combinations(names, 2):
        shared = docs_of[a] & docs_of[b]
        if not shared:
            continue
        result: dict[str, Any] = {"people": [a, b], "documents": len(shared)}
        for kind, table in TABLES.items():
            result[kind] = _measure(by_person[a][table], by_person[b][table], shared)
        per_predicate = {}
        mine, theirs = by_person[a]["annotations"], by_person[b]["annotations"]
        predicates = {d.predicate for d in (*mine.values(), *theirs.values())} - {None}
        for predicate in sorted(predicates):
            per_predicate[predicate] = _measure(
                {k: d for k, d in mine.items() if d.predicate == predicate},
                {k: d for k, d in theirs.items() if d.predicate == predicate},
                shared,
            )
        result["per_predicate"] = per_predicate
        pairs.append(result)
    return {"pairs": pairs}


@dataclass(frozen=True)
class Difference:
    """One triple or link two people left in different states."""

    table: str
    row_id: int
    a: Decision | None  # None: that person did not decide on it
    b: Decision | None


def differences(project: Project, doc_id: int, a: str, b: str) -> list[Difference]:
    """Where the last decisions of ``a`` and ``b`` on the document differ
    (status or value), triples first, in row order."""
    mine: dict[tuple[str, int], Decision] = {}
    theirs: dict[tuple[str, int], Decision] = {}
    for d in last_decisions(project, [doc_id]):
        if d.author == a:
            mine[(d.table, d.row_id)] = d
        elif d.author == b:
            theirs[(d.table, d.row_id)] = d
    found = []
    for key in sorted(mine.keys() | theirs.keys()):
        x, y = mine.get(key), theirs.get(key)
        if x is None or y is None or (x.status, x.value) != (y.status, y.value):
            found.append(Difference(key[0], key[1], x, y))
    return found


def settle(project: Project, difference: Difference, take: str) -> None:
    """Make the decision of ``take`` ("a" or "b") the project's: one edit by
    the project's user (undoable like any other)."""
    from core.store.links import Links

    chosen = difference.a if take == "a" else difference.b
    if chosen is None or chosen.status is None:
        raise BadInput("that person left no decision on it to take")
    if difference.table == "annotations":
        current = project.annotation(difference.row_id)
        subject, predicate, obj = chosen.value
        if (current.subject, current.predicate, current.object) != (subject, predicate, obj):
            project.update_annotation(
                difference.row_id, subject=subject, predicate=predicate, object=obj
            )
        if chosen.status in ("accepted", "rejected"):
            project.set_status(difference.row_id, chosen.status)
        return
    links = Links(project)
    if chosen.status == "rejected":
        links.reject(difference.row_id)
    else:
        links.choose_candidate(difference.row_id, str(chosen.value[2]))
