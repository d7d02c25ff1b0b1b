"""The project's edit history: one undo step per edit a person makes, whatever
tables it touched (triples, links, the documents' review marks), kept in the
project file so undo and redo work across restarts.

An edit is written through :meth:`History.edit`: one transaction that changes
rows and records each change (table, the row before, the row after) in
``edit_changes``. Undo puts the rows back as they were before, last change
first; redo as they were after. Stored changes are data read back from the
file, so the table and column names in them are checked against
:data:`EDITABLE` before any SQL is built from them.

Several people may work on one project (on a server). Each edit names its
author and undo walks only one's own edits. Triples and links carry a
``version`` that every change raises: a change is written only onto the
version it was decided on (``UPDATE ... WHERE version = ?``), so of two
people deciding on the same row at once the second gets a
:class:`ConflictError` with the row as it is now, never a silent overwrite;
undoing an edit whose rows someone else has changed since is refused the
same way. Every decision on a triple or a link is also appended to
``decisions`` under its author's name, which agreement is measured on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.errors import BadInput
from core.store.engine import dialect_of, transaction
from core.store.records import Edit

# Tables whose rows carry a version and whose changes are people's decisions.
DECIDED = frozenset(("annotations", "entity_links"))

# What an edit may write, table by table. Triples and links come and go whole
# (added, deleted, and back on undo), so every column of theirs is listed; of a
# document and of its linking state an edit changes only the review mark.
EDITABLE: Mapping[str, frozenset[str]] = {
    "annotations": frozenset(
        (
            "id doc_id ord subject subject_type predicate object object_type s_start s_end"
            " o_start o_end score origin status extra key_order updated_at edited_from"
            " version decided_by"
        ).split()
    ),
    "entity_links": frozenset(
        (
            "id doc_id m_start m_end mention kb_id score candidates origin status"
            " predicted_kb_id extra updated_at version decided_by"
        ).split()
    ),
    "documents": frozenset(("id", "reviewed")),
    "link_documents": frozenset(("id", "reviewed")),
}
# Tables whose rows an edit may add or remove; in the others it only updates.
WHOLE_ROWS = frozenset(("annotations", "entity_links"))
# A changed row of these tables gets the time of the change.
_STAMPED = frozenset(t for t, columns in EDITABLE.items() if "updated_at" in columns)


class ConflictError(BadInput):
    """Someone else changed the row since it was read; ``current`` is the row
    as it is now (None: it is gone)."""

    def __init__(self, message: str, current: dict[str, Any] | None) -> None:
        super().__init__(message)
        self.current = current


def _conflict(table: str, row_id: int, current: dict[str, Any] | None, what: str) -> ConflictError:
    kind = {"annotations": "triple", "entity_links": "link"}.get(table, table)
    if current is None:
        return ConflictError(f"{kind} {row_id} was deleted by someone else; {what}", None)
    who = current.get("decided_by") or "someone else"
    status = f" (now {current['status']})" if "status" in current else ""
    return ConflictError(
        f"{kind} {row_id} was changed by {who} since you read it{status}; {what}", current
    )


def now() -> str:
    """The time as SQLite's ``datetime('now')`` writes it (UTC)."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class Change:
    """One row of one table before and after an edit; None: no such row."""

    table: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @property
    def row_id(self) -> int:
        row = self.after if self.after is not None else self.before
        return row["id"] if row is not None else 0


def check_change(change: Change) -> None:
    """Refuse a change whose table or columns an edit may not write (BadInput):
    stored changes are read back from a file that anyone could have altered."""
    allowed = EDITABLE.get(change.table)
    if allowed is None:
        raise BadInput(f"the edit history names table {change.table!r}, which edits never touch")
    if (change.before is None or change.after is None) and change.table not in WHOLE_ROWS:
        raise BadInput(f"the edit history adds or removes a row of {change.table!r}")
    for row in (change.before, change.after):
        if row is None:
            continue
        if not isinstance(row, dict) or not isinstance(row.get("id"), int):
            raise BadInput(f"the edit history has a {change.table!r} row without an id")
        unknown = set(row) - allowed
        if unknown:
            raise BadInput(
                f"the edit history writes {', '.join(sorted(unknown))} of {change.table!r},"
                " which edits never touch"
            )


def _apply(db: Any, change: Change, undo: bool, version: int | None = None) -> None:
    """Bring the change's row to its state before (undo) or after it. UPDATE,
    not REPLACE: replacing a document would cascade-delete its triples. A
    row of :data:`DECIDED` is updated only at ``version`` (when given) and
    goes one version up; ConflictError if it is no longer there."""
    check_change(change)
    current, target = (change.after, change.before) if undo else (change.before, change.after)
    table = change.table
    if target is None:
        db.execute(f"DELETE FROM {table} WHERE id = ?", (change.row_id,))
    elif current is None:
        if table in DECIDED:
            target = {**target, "version": int(target.get("version") or 0) + 1}
        marks = ", ".join("?" for _ in target)
        db.execute(
            f"INSERT INTO {table} ({', '.join(target)}) VALUES ({marks})", tuple(target.values())
        )
    else:
        columns = [k for k in target if k != "id"]
        if columns:
            sets = ", ".join(f"{k} = ?" for k in columns)
            where, args = "id = ?", [target["id"]]
            if table in DECIDED:
                sets += ", version = version + 1"
                if version is not None:
                    where, args = "id = ? AND version = ?", [target["id"], version]
            cur = db.execute(
                f"UPDATE {table} SET {sets} WHERE {where}",
                (*(target[k] for k in columns), *args),
            )
            if version is not None and table in DECIDED and cur.rowcount != 1:
                found = db.execute(f"SELECT * FROM {table} WHERE id = ?", (target["id"],))
                row = found.fetchone()
                raise _conflict(
                    table, target["id"], dict(row) if row else None, "nothing was changed"
                )


class PendingEdit:
    """The edit being written inside :meth:`History.edit`: each method changes
    one row now and keeps the change for the history."""

    def __init__(self, db: Any, author: str = "") -> None:
        self._db = db
        self.author = author
        self.changes: list[Change] = []
        self.confirmed: list[Change] = []  # rows decided as they already were
        self.rows: dict[tuple[str, int], dict[str, Any] | None] = {}  # as the edit left them
        self.doc_id: int | None = None
        self.description = ""
        self.recorded: Edit | None = None  # set once the block has ended with changes

    def describe(self, doc_id: int, description: str) -> None:
        """The document the edit is about (undo shows it) and what it did."""
        self.doc_id, self.description = doc_id, description

    def row(self, table: str, row_id: int) -> dict[str, Any]:
        """The whole row as stored now; KeyError if there is none."""
        _check_table(table)
        lock = dialect_of(self._db).for_update
        found = self._db.execute(f"SELECT * FROM {table} WHERE id = ?{lock}", (row_id,)).fetchone()
        if found is None:
            raise KeyError(f"no {table} row {row_id}")
        return dict(found)

    def update(
        self,
        table: str,
        before: Mapping[str, Any],
        values: Mapping[str, Any],
        expected_version: int | None = None,
    ) -> dict:
        """Set ``values`` on the row ``before`` (as read in this transaction);
        returns the row after. Values it already has are no change, and an
        edit without changes is no undo step. With ``expected_version`` (the
        version of the row the person saw), a row that has changed since is
        a ConflictError, unless it already holds ``values``."""
        changed = {k: v for k, v in values.items() if before[k] != v}
        versioned = table in DECIDED
        if not changed:
            if versioned and before["decided_by"] != self.author:
                # Someone else's decision, now also this person's: no change, but
                # a decision all the same (agreement counts it).
                self.confirmed.append(Change(table, {"id": before["id"]}, {"id": before["id"]}))
                self.rows[(table, before["id"])] = dict(before)
            return dict(before)
        if versioned and expected_version is not None and before["version"] != expected_version:
            raise _conflict(table, before["id"], dict(before), "your change was not made")
        if versioned and before["decided_by"] != self.author:
            changed["decided_by"] = self.author
        if table in _STAMPED:
            changed["updated_at"] = now()
        row_id = before["id"]
        change = Change(
            table,
            {"id": row_id, **{k: before[k] for k in changed}},
            {"id": row_id, **changed},
        )
        _apply(self._db, change, undo=False, version=before["version"] if versioned else None)
        self.changes.append(change)
        after = {**before, **changed}
        if versioned:
            after["version"] = before["version"] + 1
        self.rows[(table, row_id)] = after
        return after

    def insert(self, table: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """A new row; returns it whole, defaults included, as undo and redo
        must put it back."""
        _check_table(table)
        if table in DECIDED:
            values = {**values, "decided_by": self.author}
        marks = ", ".join("?" for _ in values)
        row_id = self._db.execute(
            f"INSERT INTO {table} ({', '.join(values)}) VALUES ({marks}) RETURNING id",
            tuple(values.values()),
        ).fetchone()[0]
        after = self.row(table, row_id)
        change = Change(table, None, after)
        check_change(change)
        self.changes.append(change)
        self.rows[(table, row_id)] = after
        return after

    def delete(
        self, table: str, row_id: int, expected_version: int | None = None
    ) -> dict[str, Any]:
        """Remove a row; returns it as it was. ``expected_version`` as for
        :meth:`update`."""
        before = self.row(table, row_id)
        if table in DECIDED and expected_version not in (None, before["version"]):
            raise _conflict(table, row_id, before, "it was not deleted")
        self._write(Change(table, before, None))
        self.rows[(table, row_id)] = None
        return before

    def _write(self, change: Change) -> None:
        _apply(self._db, change, undo=False)
        self.changes.append(change)


def _check_table(table: str) -> None:
    if table not in EDITABLE:
        raise BadInput(f"edits never touch table {table!r}")


def _decision_value(table: str, row: Mapping[str, Any]) -> str:
    if table == "annotations":
        value: list = [row["subject"], row["predicate"], row["object"]]
    else:
        value = [row["m_start"], row["m_end"], row["kb_id"]]
    return json.dumps(value, ensure_ascii=False)


_UNREAD = object()


def record_decisions(
    db: Any,
    author: str,
    changes: list[Change],
    known: Mapping[tuple[str, int], Any] | None = None,
) -> None:
    """Append each person's decision on a triple or a link (the row as it is
    now, after the changes; status None: it is gone), or on a document's
    review mark ("reviewed" / "unreviewed"), to ``decisions``: what others'
    windows poll for, and what agreement is measured on. ``known``: rows as
    the edit left them (None: deleted), which need not be read again."""
    rows = []
    known = known or {}
    for change in changes:
        now_row = known.get((change.table, change.row_id), _UNREAD)
        if now_row is _UNREAD:
            found = db.execute(f"SELECT * FROM {change.table} WHERE id = ?", (change.row_id,))
            now_row = found.fetchone()
        if change.table not in DECIDED:
            if now_row is not None:
                status = "reviewed" if now_row["reviewed"] else "unreviewed"
                doc = change.row_id  # documents and link_documents share the document's id
                rows.append((author, doc, change.table, doc, status, "[]", None, None))
            continue
        if now_row is None:
            old = change.before or change.after or {}
            if "doc_id" not in old:
                continue
            rows.append(
                (author, old["doc_id"], change.table, change.row_id, None, "[]", None, None)
            )
            continue
        rows.append(
            (
                author,
                now_row["doc_id"],
                change.table,
                change.row_id,
                now_row["status"],
                _decision_value(change.table, now_row),
                now_row["predicate"] if change.table == "annotations" else None,
                now_row["origin"],
            )
        )
    if rows:
        db.executemany(
            "INSERT INTO decisions (author, doc_id, table_name, row_id, status, value, predicate,"
            " origin) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )


class History:
    """The undo and redo history of one person on one project connection.
    The redo side is the person's edits marked ``undone``; a new edit of
    theirs ends it. Edits made before names were kept (author '') count as
    everyone's."""

    def __init__(self, db: Any, author: str = "") -> None:
        self.db = db
        self.author = author

    @contextmanager
    def edit(self) -> Iterator[PendingEdit]:
        """One edit: a transaction whose changes become one undo step, recorded
        with the document and description given to
        :meth:`PendingEdit.describe`. All of it is written, or nothing."""
        pending = PendingEdit(self.db, self.author)
        with transaction(self.db):
            yield pending
            if pending.changes:
                pending.recorded = self._record(pending)
            record_decisions(self.db, self.author, pending.confirmed, pending.rows)

    def _record(self, pending: PendingEdit) -> Edit:
        if pending.doc_id is None or not pending.description:
            raise ValueError("an edit must say which document it is about and what it did")
        self.db.execute("DELETE FROM edits WHERE undone = 1 AND author IN (?, '')", (self.author,))
        edit_id = self.db.execute(
            "INSERT INTO edits (doc_id, description, author) VALUES (?, ?, ?) RETURNING id",
            (pending.doc_id, pending.description, self.author),
        ).fetchone()[0]
        self.db.executemany(
            "INSERT INTO edit_changes (edit_id, seq, table_name, row_before, row_after)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (edit_id, seq, c.table, _dumps(c.before), _dumps(c.after))
                for seq, c in enumerate(pending.changes)
            ],
        )
        record_decisions(self.db, self.author, pending.changes, pending.rows)
        tables = tuple(dict.fromkeys(c.table for c in pending.changes))
        return Edit(edit_id, pending.doc_id, pending.description, tables)

    def undo(self) -> Edit | None:
        """Undo the last edit not undone yet; None when there is none."""
        return self._step(undo=True)

    def redo(self) -> Edit | None:
        """Redo the first undone edit; None when there is none."""
        return self._step(undo=False)

    def can_undo(self) -> bool:
        return self._next(undo=True) is not None

    def can_redo(self) -> bool:
        return self._next(undo=False) is not None

    def forget_redo(self, doc_id: int, table: str) -> int:
        """Drop the undone edits of ``doc_id`` that touched ``table`` (inside the
        caller's transaction): the model's new output replaced those rows, and
        redoing an edit of a row that is gone would silently do nothing.
        Returns how many."""
        _check_table(table)
        cur = self.db.execute(
            "DELETE FROM edits WHERE undone = 1 AND doc_id = ? AND EXISTS"
            " (SELECT 1 FROM edit_changes c WHERE c.edit_id = edits.id AND c.table_name = ?)",
            (doc_id, table),
        )
        return cur.rowcount

    def _next(self, undo: bool) -> Any:
        # Both directions walk the edits(undone) index from its near end.
        order = "DESC" if undo else "ASC"
        return self.db.execute(
            "SELECT id, doc_id, description FROM edits WHERE undone = ? AND author IN (?, '')"
            f" ORDER BY id {order} LIMIT 1",
            (0 if undo else 1, self.author),
        ).fetchone()

    def _step(self, undo: bool) -> Edit | None:
        with transaction(self.db) as db:
            row = self._next(undo)
            if row is None:
                return None
            edit_id, doc_id, description = row
            changes = [
                Change(table, _loads(before), _loads(after))
                for table, before, after in db.execute(
                    "SELECT table_name, row_before, row_after FROM edit_changes"
                    " WHERE edit_id = ? ORDER BY seq",
                    (edit_id,),
                )
            ]
            ordered = list(reversed(changes)) if undo else changes
            for change in ordered:
                _check_unchanged(db, change, undo)
                _apply(db, change, undo)
            db.execute("UPDATE edits SET undone = ? WHERE id = ?", (int(undo), edit_id))
            record_decisions(db, self.author, ordered)
            return Edit(
                edit_id, doc_id, description, tuple(dict.fromkeys(c.table for c in changes))
            )


def _check_unchanged(db: Any, change: Change, undo: bool) -> None:
    """Refuse to undo (or redo) a change of a triple or a link that someone
    has changed since: the row must still be as the change left it."""
    if change.table not in DECIDED:
        return
    expected = change.after if undo else change.before
    found = db.execute(f"SELECT * FROM {change.table} WHERE id = ?", (change.row_id,)).fetchone()
    current = dict(found) if found is not None else None
    word = "undo" if undo else "redo"
    if expected is None:
        if current is not None:
            raise _conflict(change.table, change.row_id, current, f"nothing to {word}")
        return
    if current is None or any(
        current.get(k) != v for k, v in expected.items() if k not in ("updated_at", "version")
    ):
        raise _conflict(change.table, change.row_id, current, f"{word} would overwrite it")


def _dumps(row: dict[str, Any] | None) -> str | None:
    return None if row is None else json.dumps(row, ensure_ascii=False)


def _loads(text: str | None) -> dict[str, Any] | None:
    return None if text is None else json.loads(text)
