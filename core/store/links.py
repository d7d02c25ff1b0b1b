"""Entity links in the project store: a linker's proposals, a person's
decisions on them, the CCKS 2019 query format in and out.

A link is a mention (``[start, end)`` of a document's text) and the
knowledge-base entity it names, or NIL. Like triples it has an origin (a
linker as ``name@version``, ``person`` or ``import``) and a status:
``predicted`` until a person decides, then ``accepted`` (the linker's entity
kept), ``edited`` (another entity, or NIL), ``rejected`` (not a mention);
mentions a person adds are ``added``. Every decision is one transaction and
one step of the project's undo history (:meth:`Project.undo` undoes it, also
after a restart). A linker's new output replaces only undecided links, and
never proposes a span a person already decided on.

Each document's linking state (reviewed by a person; which linker last ran
over it) lives in ``link_documents``, apart from the review of its triples.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import BadInput
from core.formats.errors import FormatError, describe
from core.formats.jsonl import iter_jsonl
from core.linking.queries import NIL, Mention, Query, query_from_json, write_queries
from core.outputs import check_output
from core.runtime.jobs import JobContext
from core.store.history import now
from core.store.project import Project
from core.store.records import STATUSES, Edit

PERSON = "person"
IMPORT = "import"
# A query's marker (non-clean exports) that a person reviewed the document's links.
REVIEWED = "reviewed"
FILTERS = ("all", "unreviewed", "unlinked", "nil")

_TABLE = "entity_links"
_STATE = "link_documents"
_COLUMNS = (
    "id, doc_id, m_start, m_end, mention, kb_id, score, candidates, origin, status, "
    "predicted_kb_id, extra, version, decided_by"
)
# Fields of a mention_data item that the store reads itself; others are kept in ``extra``.
_OWN_FIELDS = (
    "kb_id",
    "mention",
    "offset",
    "score",
    "candidates",
    "status",
    "origin",
    "predicted_kb_id",
)


def _mention_extra(m: Mention) -> str:
    if m.mention_score is None:
        return "{}"
    return json.dumps({"mention_score": round(m.mention_score, 4)})


@dataclass(frozen=True)
class Link:
    id: int
    doc_id: int
    start: int  # [start, end) character offsets into the document's text
    end: int
    mention: str
    kb_id: str  # an entity id, or NIL
    score: float | None
    candidates: tuple[tuple[str, float], ...]  # (entity id, score), best first
    origin: str  # a linker "name@version", "person" or "import"
    status: str
    predicted_kb_id: str | None = None  # what the linker chose, if a linker proposed it
    extra: dict[str, Any] = field(default_factory=dict)
    # Raised by every change (see core.store.history); not part of what it says.
    version: int = field(default=0, compare=False)
    decided_by: str | None = None

    @property
    def is_nil(self) -> bool:
        return self.kb_id == NIL

    @classmethod
    def from_row(cls, r: Any) -> Link:
        return cls(
            id=r["id"],
            doc_id=r["doc_id"],
            start=r["m_start"],
            end=r["m_end"],
            mention=r["mention"],
            kb_id=r["kb_id"],
            score=r["score"],
            candidates=tuple((str(i), float(s)) for i, s in json.loads(r["candidates"])),
            origin=r["origin"],
            status=r["status"],
            predicted_kb_id=r["predicted_kb_id"],
            extra=json.loads(r["extra"]),
            version=r["version"],
            decided_by=r["decided_by"],
        )

    @property
    def mention_score(self) -> float | None:
        """The linker's probability that the span is a mention at all."""
        value = self.extra.get("mention_score")
        return float(value) if isinstance(value, int | float) else None

    def to_mention(self) -> Mention:
        return Mention(self.start, self.end, self.mention, self.kb_id, self.score, self.candidates)


@dataclass(frozen=True)
class LinkSummary:
    """One line of the Linking panel's document list."""

    id: int  # the document's id
    position: int
    preview: str
    n_links: int
    n_predicted: int
    n_nil: int  # NIL links that are not rejected
    n_rejected: int
    reviewed: bool
    linked_by: str | None


class _ExportedQuery(Query):
    """A query whose mentions carry what the store knows about them."""

    def __init__(self, text_id: Any, text: str, extra: dict, items: list[dict]) -> None:
        super().__init__(str(text_id), text, [], extra)
        self.raw_text_id = text_id
        self.items = items

    def to_json(self) -> dict:
        return {
            "text_id": self.raw_text_id,
            "text": self.text,
            **self.extra,
            "mention_data": self.items,
        }


def _label(row: dict) -> str:
    return f"“{row['mention']}”@{row['m_start']}"


def _marks(row: dict) -> str:
    return ", ".join("?" for _ in row)


def _candidates_json(candidates: Iterable[tuple[str, float]]) -> str:
    return json.dumps([[str(i), float(s)] for i, s in candidates], ensure_ascii=False)


class Links:
    """The links of one open :class:`Project` (on any of its connections)."""

    def __init__(self, project: Project) -> None:
        self.project = project

    @property
    def db(self) -> Any:
        return self.project.db

    # -- reading -----------------------------------------------------------------------

    def links(self, doc_id: int) -> list[Link]:
        """The document's links in reading order (rejected ones included)."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM {_TABLE} WHERE doc_id = ? ORDER BY m_start, m_end, id",
            (doc_id,),
        ).fetchall()
        return [Link.from_row(r) for r in rows]

    def link(self, link_id: int) -> Link:
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM {_TABLE} WHERE id = ?", (link_id,)
        ).fetchone()
        if row is None:
            raise KeyError(f"no link {link_id}")
        return Link.from_row(row)

    def is_reviewed(self, doc_id: int) -> bool:
        row = self.db.execute(f"SELECT reviewed FROM {_STATE} WHERE id = ?", (doc_id,)).fetchone()
        return bool(row and row[0])

    def linked_by(self, doc_id: int) -> str | None:
        row = self.db.execute(f"SELECT linked_by FROM {_STATE} WHERE id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def document_ids(self, only_unlinked: bool = False) -> list[int]:
        """Documents in reading order; ``only_unlinked``: those no linker ran over
        (and that no links were imported with)."""
        where = " WHERE s.linked_by IS NULL" if only_unlinked else ""
        return [
            r[0]
            for r in self.db.execute(
                f"SELECT d.id FROM documents d LEFT JOIN {_STATE} s ON s.id = d.id"
                f"{where} ORDER BY d.position"
            )
        ]

    def summaries(
        self, filter: str = "all", doc_ids: Iterable[int] | None = None
    ) -> list[LinkSummary]:
        """Per-document counts in reading order; ``doc_ids`` limits them to those
        documents (what the window re-reads after an edit). Filters: all,
        unreviewed, unlinked, nil (has a NIL link)."""
        count_if = self.project.dialect.count_if
        n_nil = count_if("l.kb_id = 'NIL' AND l.status != 'rejected'")
        n_predicted = count_if("l.status = 'predicted'")
        n_rejected = count_if("l.status = 'rejected'")
        having = {
            "all": "1 = 1",
            "unreviewed": "COALESCE(MAX(s.reviewed), 0) = 0",
            "unlinked": "MAX(s.linked_by) IS NULL",
            "nil": f"{n_nil} > 0",
        }
        if filter not in having:
            raise BadInput(f"unknown filter {filter!r} (expected one of {', '.join(FILTERS)})")
        chunks: list[list[int]] = [[]]
        if doc_ids is not None:
            ids = list(doc_ids)
            chunks = [ids[i : i + 900] for i in range(0, len(ids), 900)]
        rows: list[Any] = []
        for chunk in chunks:
            if doc_ids is not None and not chunk:
                continue
            where = f" WHERE d.id IN ({', '.join('?' for _ in chunk)})" if chunk else ""
            rows += self.project.dialect.tuples(
                self.db,
                "SELECT d.id, d.position, substr(d.text, 1, 60), COUNT(l.id),"
                f" COALESCE({n_predicted}, 0),"
                f" COALESCE({n_nil}, 0),"
                f" COALESCE({n_rejected}, 0),"
                " COALESCE(MAX(s.reviewed), 0) != 0, MAX(s.linked_by)"
                f" FROM documents d LEFT JOIN {_TABLE} l ON l.doc_id = d.id"
                f" LEFT JOIN {_STATE} s ON s.id = d.id"
                + where
                + f" GROUP BY d.id HAVING {having[filter]} ORDER BY d.position",
                chunk,
            )
        if len(chunks) > 1:
            rows.sort(key=lambda r: r[1])
        return [LinkSummary(*r[:7], bool(r[7]), r[8]) for r in rows]

    def next_unreviewed(self, after_position: int) -> int | None:
        """The first document after ``after_position`` whose links nobody
        reviewed, else the first one from the start."""
        for condition in ("d.position > ?", "d.position <= ?"):
            row = self.db.execute(
                f"SELECT d.id FROM documents d LEFT JOIN {_STATE} s ON s.id = d.id"
                f" WHERE COALESCE(s.reviewed, 0) = 0 AND {condition}"
                " ORDER BY d.position LIMIT 1",
                (after_position,),
            ).fetchone()
            if row is not None:
                return row[0]
        return None

    def status_counts(self) -> dict[str, int]:
        return dict(
            self.db.execute(f"SELECT status, COUNT(*) FROM {_TABLE} GROUP BY status").fetchall()
        )

    # -- a linker's output (not an edit) -----------------------------------------------

    def replace_link_predictions(
        self, doc_id: int, mentions: Sequence[Mention], origin: str
    ) -> int:
        """The document's undecided links are replaced by ``mentions``; a mention
        at a span a person decided on (accepted, edited, rejected, added) is
        skipped, so human decisions are never overwritten. Not an undo step:
        it is a linker's output, not an edit. Returns how many were stored."""
        return self.replace_predictions_many([(doc_id, mentions)], origin)

    def replace_predictions_many(
        self, batch: Sequence[tuple[int, Sequence[Mention]]], origin: str
    ) -> int:
        """:meth:`replace_link_predictions` for many documents in one transaction."""
        with self.project.transaction():
            return sum(self._replace(doc_id, mentions, origin) for doc_id, mentions in batch)

    def _replace(self, doc_id: int, mentions: Sequence[Mention], origin: str) -> int:
        db = self.db
        self.project.text(doc_id)  # KeyError for a document that is gone
        decided = {
            (r[0], r[1])
            for r in db.execute(
                f"SELECT m_start, m_end FROM {_TABLE} WHERE doc_id = ? AND status != 'predicted'",
                (doc_id,),
            )
        }
        db.execute(f"DELETE FROM {_TABLE} WHERE doc_id = ? AND status = 'predicted'", (doc_id,))
        self.project.history.forget_redo(doc_id, _TABLE)
        n = 0
        for m in mentions:
            if (m.start, m.end) in decided:
                continue
            db.execute(
                f"INSERT INTO {_TABLE} (doc_id, m_start, m_end, mention, kb_id, score,"
                " candidates, origin, status, predicted_kb_id, extra)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'predicted', ?, ?)",
                (
                    doc_id,
                    m.start,
                    m.end,
                    m.text,
                    m.kb_id,
                    m.score,
                    _candidates_json(m.candidates),
                    origin,
                    m.kb_id,
                    _mention_extra(m),
                ),
            )
            decided.add((m.start, m.end))  # one link per span
            n += 1
        db.execute(
            f"INSERT INTO {_STATE} (id, linked_by, linked_at) VALUES (?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET linked_by = excluded.linked_by,"
            " linked_at = excluded.linked_at",
            (doc_id, origin, now()),
        )
        return n

    # -- edits (each one transaction and one undo step) --------------------------------

    def _row(self, link_id: int) -> dict[str, Any]:
        row = self.db.execute(f"SELECT * FROM {_TABLE} WHERE id = ?", (link_id,)).fetchone()
        if row is None:
            raise KeyError(f"no link {link_id}")
        return dict(row)

    def _change(
        self, link_id: int, describe_: Any, expected_version: int | None, **values: Any
    ) -> Link:
        with self.project.history.edit() as edit:
            try:
                before = edit.row(_TABLE, link_id)
            except KeyError:
                raise KeyError(f"no link {link_id}") from None
            after = edit.update(_TABLE, before, values, expected_version)
            edit.describe(before["doc_id"], describe_(before))
        return Link.from_row(after)

    def choose_candidate(
        self, link_id: int, kb_id: str, expected_version: int | None = None
    ) -> Link:
        """Link the mention to ``kb_id`` (or NIL). Choosing what the linker had
        chosen accepts its link; anything else makes it "edited". A mention a
        person added stays "added". With ``expected_version`` (the version the
        person saw) a link someone else changed since is a ConflictError."""
        if not isinstance(kb_id, str) or not kb_id:
            raise BadInput(f"expected an entity id or {NIL!r}, got {kb_id!r}")
        before = self._row(link_id)
        if before["status"] == "added":
            status = "added"
        elif before["predicted_kb_id"] is not None and kb_id == before["predicted_kb_id"]:
            status = "accepted"
        elif before["status"] in ("accepted", "edited") and kb_id == before["kb_id"]:
            status = before["status"]  # a person's choice chosen again
        else:
            status = "edited"

        def what(row: dict) -> str:
            if kb_id == NIL:
                return f"mark {_label(row)} NIL"
            return f"link {_label(row)} to {kb_id}"

        return self._change(link_id, what, expected_version, kb_id=kb_id, status=status)

    def mark_nil(self, link_id: int, expected_version: int | None = None) -> Link:
        """The mention names something the knowledge base lacks."""
        return self.choose_candidate(link_id, NIL, expected_version)

    def accept(self, link_id: int, expected_version: int | None = None) -> Link:
        """Keep the link as it is (a rejected one comes back as accepted)."""
        before = self._row(link_id)
        if before["status"] == "added":
            return Link.from_row(before)
        return self._change(
            link_id, lambda r: f"accept {_label(r)}", expected_version, status="accepted"
        )

    def reject(self, link_id: int, expected_version: int | None = None) -> Link | None:
        """Not a mention at all. A mention a person added is removed instead
        (returns None); a linker's is kept as "rejected", so it is not
        proposed again."""
        before = self._row(link_id)
        if before["status"] != "added":
            return self._change(
                link_id, lambda r: f"reject {_label(r)}", expected_version, status="rejected"
            )
        with self.project.history.edit() as edit:
            before = edit.delete(_TABLE, link_id, expected_version)
            edit.describe(before["doc_id"], f"remove {_label(before)}")
        return None

    def add_link(
        self,
        doc_id: int,
        start: int,
        end: int,
        kb_id: str = NIL,
        candidates: Sequence[tuple[str, float]] = (),
    ) -> Link:
        """A mention a person marked (origin "person", status "added"), linked to
        ``kb_id`` or NIL; ``candidates`` are offered for it (alias priors, say).
        At a span whose linker proposal was rejected, the proposal comes back
        with ``kb_id`` chosen instead."""
        if not isinstance(kb_id, str) or not kb_id:
            raise BadInput(f"expected an entity id or {NIL!r}, got {kb_id!r}")
        text = self.project.text(doc_id)
        if not (0 <= start < end <= len(text)):
            raise BadInput(
                f"mention [{start}, {end}) is outside the text (0 to {len(text)} characters)"
            )
        same = [x for x in self.links(doc_id) if (x.start, x.end) == (start, end)]
        kept = [x for x in same if x.status != "rejected"]
        if kept:
            raise BadInput(f"“{text[start:end]}” at {start} is already a mention")
        if same:
            return self.choose_candidate(same[0].id, kb_id)
        with self.project.history.edit() as edit:
            after = edit.insert(
                _TABLE,
                {
                    "doc_id": doc_id,
                    "m_start": start,
                    "m_end": end,
                    "mention": text[start:end],
                    "kb_id": kb_id,
                    "score": None,
                    "candidates": _candidates_json(candidates),
                    "origin": PERSON,
                    "status": "added",
                },
            )
            linked = f" linked to {kb_id}" if kb_id != NIL else ""
            edit.describe(doc_id, f"add {_label(after)}{linked}")
        return Link.from_row(after)

    def _state_row(self, doc_id: int) -> dict[str, Any]:
        """The document's linking state, made if it has none yet (inside the
        edit's transaction); KeyError for a document that is gone."""
        self.project.text(doc_id)
        self.db.execute(
            f"INSERT INTO {_STATE} (id) VALUES (?) ON CONFLICT (id) DO NOTHING", (doc_id,)
        )
        return dict(self.db.execute(f"SELECT * FROM {_STATE} WHERE id = ?", (doc_id,)).fetchone())

    def set_reviewed(self, doc_id: int, reviewed: bool) -> Edit | None:
        """Mark the document's links reviewed or not: one undo step (None: they
        were already). Only the mark is recorded, so undoing it never resets
        which linker ran since."""
        with self.project.history.edit() as edit:
            edit.update(_STATE, self._state_row(doc_id), {"reviewed": int(reviewed)})
            word = "reviewed" if reviewed else "not reviewed"
            edit.describe(doc_id, f"mark the links {word}")
        return edit.recorded

    def accept_rest(self, doc_id: int) -> Edit | None:
        """Accept every still predicted link of the document and mark its links
        reviewed: one undo step (None: it was all done already)."""
        with self.project.history.edit() as edit:
            state_before = self._state_row(doc_id)
            rows = self.db.execute(
                f"SELECT * FROM {_TABLE} WHERE doc_id = ? AND status = 'predicted'"
                " ORDER BY m_start, m_end, id",
                (doc_id,),
            ).fetchall()
            for row in rows:
                edit.update(_TABLE, row, {"status": "accepted"})
            edit.update(_STATE, state_before, {"reviewed": 1})
            n = len(rows)
            what = f"accept {n} link{'s' if n != 1 else ''} and" if n else ""
            edit.describe(doc_id, f"{what} mark the links reviewed".strip())
        return edit.recorded

    def undo(self) -> Edit | None:
        """The project's last edit, links or triples: there is one history."""
        return self.project.undo()

    def redo(self) -> Edit | None:
        return self.project.redo()

    # -- CCKS query files ----------------------------------------------------------------

    def queries(self, reviewed_only: bool = False, clean: bool = False) -> Iterator[Query]:
        """Documents as CCKS queries, in reading order. By default everything
        round-trips: each mention carries ``score``, ``candidates``, ``status``
        and ``origin``, rejected ones included, and a document whose links were
        reviewed ``"reviewed": true``. ``clean`` gives training data: no
        rejected mentions, only ``kb_id``, ``mention`` and ``offset``. A
        document imported without a ``text_id`` gets its id in the project."""
        where = " WHERE s.reviewed = 1" if reviewed_only else ""
        docs = self.db.execute(
            "SELECT d.id, d.text, d.extra, COALESCE(s.reviewed, 0) AS reviewed"
            f" FROM documents d LEFT JOIN {_STATE} s ON s.id = d.id{where}"
            " ORDER BY d.position"
        ).fetchall()
        for doc in docs:
            extra = json.loads(doc["extra"])
            text_id = extra.pop("text_id", str(doc["id"]))
            items = []
            for link in self.links(doc["id"]):
                if clean and link.status == "rejected":
                    continue
                item = {"kb_id": link.kb_id, "mention": link.mention, "offset": str(link.start)}
                if not clean:
                    item.update(link.to_mention().to_json())
                    item["status"] = link.status
                    item["origin"] = link.origin
                    if link.predicted_kb_id is not None and link.predicted_kb_id != link.kb_id:
                        item["predicted_kb_id"] = link.predicted_kb_id
                    item.update(link.extra)
                items.append(item)
            if doc["reviewed"] and not clean:
                extra[REVIEWED] = True
            yield _ExportedQuery(text_id, doc["text"], extra, items)

    def export_file(
        self, path: str | Path, reviewed_only: bool = False, clean: bool = False
    ) -> int:
        """Write :meth:`queries` as CCKS JSON lines, atomically; returns how many.
        Refuses to write over the project itself (OutputError)."""
        check_output(path, self.project.own_files())
        return write_queries(path, self.queries(reviewed_only, clean))

    def import_file(self, path: str | Path, ctx: JobContext | None = None) -> int:
        """Add the queries of a CCKS file (``text`` and, optionally,
        ``mention_data``) as documents with their links, after the existing
        documents; returns how many. All or nothing: a bad line raises a
        FormatError naming file:line and leaves the project as it was. A
        mention with a ``score`` is a linker's proposal ("predicted"), one
        without is gold data ("accepted"), unless it says its own ``status``."""
        path = Path(path)
        with open(path, "rb") as f:
            total = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        return self._import(((obj, path, line) for line, obj in iter_jsonl(path)), total, ctx)

    def import_queries(self, queries: Iterable[Query], ctx: JobContext | None = None) -> int:
        """:meth:`import_file` of queries already read (or made in code)."""
        objs = ((q.to_json(), Path("<queries>"), n) for n, q in enumerate(queries, 1))
        return self._import(objs, 0, ctx)

    def _import(
        self, objs: Iterable[tuple[dict, Path, int]], total: int, ctx: JobContext | None
    ) -> int:
        ctx = ctx or JobContext.null()
        n = 0
        with self.project.transaction() as db:
            position = db.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM documents"
            ).fetchone()[0]
            for obj, path, line in objs:
                query = query_from_json(obj, path, line, annotated=False)
                raw = obj.get("mention_data") or []
                links = [
                    _link_values(m, item, path, line, i)
                    for i, (m, item) in enumerate(zip(query.mentions, raw, strict=True))
                ]
                reviewed = obj.get(REVIEWED) is True
                keys = [k for k in obj if k != "mention_data" and not (k == REVIEWED and reviewed)]
                extra = {k: obj[k] for k in keys if k != "text"}
                doc_id = db.execute(
                    "INSERT INTO documents (position, text, extra, key_order, has_spo_list)"
                    " VALUES (?, ?, ?, ?, 0) RETURNING id",
                    (
                        position + n,
                        query.text,
                        json.dumps(extra, ensure_ascii=False),
                        json.dumps(keys, ensure_ascii=False),
                    ),
                ).fetchone()[0]
                for values in links:
                    row = {"doc_id": doc_id, **values}
                    db.execute(
                        f"INSERT INTO {_TABLE} ({', '.join(row)}) VALUES ({_marks(row)})",
                        tuple(row.values()),
                    )
                if reviewed or "mention_data" in obj:
                    db.execute(
                        f"INSERT INTO {_STATE} (id, reviewed, linked_by) VALUES (?, ?, ?)",
                        (doc_id, int(reviewed), IMPORT if "mention_data" in obj else None),
                    )
                n += 1
                if n % 500 == 0:
                    ctx.report(n, max(total, n), f"imported {n} queries")
        return n


def _link_values(m: Mention, item: dict, path: Path, line: int, i: int) -> dict[str, Any]:
    """Column values of a link read from a mention_data item (checked already
    for its mention and offset by the query reader)."""
    where = f"mention_data[{i}]"
    status = item.get("status")
    if status is not None and status not in STATUSES:
        raise FormatError(
            path, line, f"{where}.status: expected one of {', '.join(STATUSES)}, got {status!r}"
        )
    origin = item.get("origin")
    if origin is not None and not (isinstance(origin, str) and origin):
        raise FormatError(
            path, line, f"{where}.origin: expected a non-empty string, got {describe(origin)}"
        )
    predicted = item.get("predicted_kb_id")
    if predicted is not None and not (isinstance(predicted, str) and predicted):
        raise FormatError(
            path,
            line,
            f"{where}.predicted_kb_id: expected an entity id string, got {describe(predicted)}",
        )
    candidates = item.get("candidates", [])
    if not isinstance(candidates, list) or not all(
        isinstance(c, dict)
        and isinstance(c.get("kb_id"), str)
        and isinstance(c.get("score"), int | float)
        for c in candidates
    ):
        raise FormatError(
            path, line, f'{where}.candidates: expected a list of {{"kb_id", "score"}} objects'
        )
    status = status or ("predicted" if m.score is not None else "accepted")
    if predicted is None and status != "added" and m.score is not None:
        # A scored link is a linker's; exports leave out the choice it still holds.
        predicted = m.kb_id
    return {
        "m_start": m.start,
        "m_end": m.end,
        "mention": m.text,
        "kb_id": m.kb_id,
        "score": m.score,
        "candidates": _candidates_json(m.candidates),
        "origin": origin or IMPORT,
        "status": status,
        "predicted_kb_id": predicted,
        "extra": json.dumps(
            {k: v for k, v in item.items() if k not in _OWN_FIELDS}, ensure_ascii=False
        ),
    }
