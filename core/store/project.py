"""A project: one SQLite file holding documents, annotations, the edit history,
models and runs.

Every edit is its own transaction, written as it happens (WAL mode), and
records the rows before and after, so undo and redo work across restarts.
``synchronous=FULL``: a commit is on disk before the window shows it as
saved, so a crash or power cut loses nothing that was shown.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from core.errors import BadInput
from core.formats.duie import Sentence, Span, Triple, read_sentences, write_sentences
from core.jobs import JobContext
from core.store.records import STATUSES, Annotation, Document, DocumentSummary, Edit
from core.store.schema import migrate

LOW_SCORE = 0.7
DECIDED = ("accepted", "edited", "rejected", "added")
_ANN_COLUMNS = (
    "id, doc_id, ord, subject, subject_type, predicate, object, object_type, "
    "s_start, s_end, o_start, o_end, score, origin, status, extra, key_order"
)


class ProjectLockedError(BadInput):
    """The project is open in another KG Studio process."""


def _locate(text: str, needle: str, near: int | None = None) -> Span | None:
    starts, i = [], text.find(needle) if needle else -1
    while i >= 0:
        starts.append(i)
        i = text.find(needle, i + 1)
    if not starts:
        return None
    best = starts[0] if near is None else min(starts, key=lambda s: abs(s - near))
    return Span(best, best + len(needle))


class Project:
    def __init__(self, path: Path, db: sqlite3.Connection, lock: Any) -> None:
        self.path = path
        self.db = db
        self._lock = lock

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, create: bool = True) -> Project:
        path = Path(path)
        if not path.exists() and not create:
            raise BadInput(f"{path}: no such project")
        if path.exists() and path.is_dir():
            raise BadInput(f"{path}: is a folder, expected a project file (.kgs)")
        lock = open(str(path) + ".lock", "a+")  # noqa: SIM115 (held while the project is open)
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            pid = lock.read().strip() or "?"
            lock.close()
            raise ProjectLockedError(
                f"{path}: already open in another KG Studio (process {pid}); close it there first"
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        try:
            db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            db.row_factory = sqlite3.Row
            try:
                db.execute("PRAGMA journal_mode=WAL")
            except sqlite3.DatabaseError as e:
                raise BadInput(f"{path}: not a KG Studio project ({e})") from None
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            migrate(db, str(path))
        except BaseException:
            lock.close()
            raise
        return cls(path, db, lock)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- import / export ---------------------------------------------------------------

    def import_sentences(self, sentences: Iterable[Sentence], ctx: JobContext | None = None) -> int:
        """All or nothing: a sentence that fails (a bad line in the file being
        read) rolls the whole import back."""
        ctx = ctx or JobContext.null()
        n = 0
        with self._transaction() as db:
            position = db.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM documents"
            ).fetchone()[0]
            for sentence in sentences:
                extra = dict(sentence.extra)
                reviewed = bool(extra.pop("reviewed", False))
                cur = db.execute(
                    "INSERT INTO documents (position, text, extra, key_order, has_spo_list, reviewed)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        position + n,
                        sentence.text,
                        json.dumps(extra, ensure_ascii=False),
                        json.dumps([k for k in sentence.key_order if k != "reviewed"]),
                        int(sentence.has_spo_list),
                        int(reviewed),
                    ),
                )
                for ord_, triple in enumerate(sentence.triples):
                    self._insert_triple(db, cur.lastrowid, ord_, sentence.text, triple)
                n += 1
                if n % 500 == 0:
                    ctx.report(n, n, f"imported {n} documents")
        return n

    def _insert_triple(
        self,
        db: sqlite3.Connection,
        doc_id: int,
        ord_: int,
        text: str,
        t: Triple,
        status: str | None = None,
        origin: str | None = None,
    ) -> int:
        extra = dict(t.extra)
        status = (
            status
            or extra.pop("status", None)
            or ("predicted" if t.score is not None else "accepted")
        )
        origin = origin or extra.pop("origin", None) or "import"
        extra.pop("status", None)
        extra.pop("origin", None)
        if status not in STATUSES:
            raise BadInput(f"unknown status {status!r} (expected one of {', '.join(STATUSES)})")
        s = t.subject_span or _locate(text, t.subject)
        o = t.object_span or _locate(text, t.object, s.start if s else None)
        cur = db.execute(
            "INSERT INTO annotations (doc_id, ord, subject, subject_type, predicate, object,"
            " object_type, s_start, s_end, o_start, o_end, score, origin, status, extra, key_order)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                doc_id,
                ord_,
                t.subject,
                t.subject_type,
                t.predicate,
                t.object,
                t.object_type,
                s.start if s else None,
                s.end if s else None,
                o.start if o else None,
                o.end if o else None,
                t.score,
                origin,
                status,
                json.dumps(extra, ensure_ascii=False),
                json.dumps([k for k in t.key_order if k not in ("status", "origin")]),
            ),
        )
        return cur.lastrowid

    def import_file(self, path: str | Path, ctx: JobContext | None = None) -> int:
        return self.import_sentences(read_sentences(path), ctx)

    def sentences(self, reviewed_only: bool = False, clean: bool = False) -> Iterator[Sentence]:
        """Documents as DuIE sentences. By default everything round-trips: each
        triple carries its ``status``, ``origin``, ``score`` and spans, rejected
        ones included. ``clean`` gives training data: no rejected triples, no
        status, origin or score (spans stay: they say which occurrence)."""
        where = "WHERE reviewed = 1" if reviewed_only else ""
        for row in self.db.execute(f"SELECT * FROM documents {where} ORDER BY position").fetchall():
            extra = json.loads(row["extra"])
            order = tuple(json.loads(row["key_order"]))
            if row["reviewed"] and not clean:
                extra["reviewed"] = True
            triples = []
            for a in self._annotations(row["id"]):
                if clean and a.status == "rejected":
                    continue
                t_extra = dict(a.extra)
                if not clean:
                    t_extra["status"] = a.status
                    t_extra["origin"] = a.origin
                triples.append(
                    Triple(
                        a.subject,
                        a.predicate,
                        a.object,
                        a.subject_type,
                        a.object_type,
                        a.subject_span,
                        a.object_span,
                        None if clean else a.score,
                        t_extra,
                        key_order=a.key_order,
                    )
                )
            yield Sentence(
                row["text"], triples, extra, bool(row["has_spo_list"]) or bool(triples), order
            )

    def export_file(
        self, path: str | Path, reviewed_only: bool = False, clean: bool = False
    ) -> int:
        return write_sentences(path, self.sentences(reviewed_only, clean))

    # -- queries -----------------------------------------------------------------------

    def count_documents(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def documents(self, filter: str = "all") -> list[DocumentSummary]:
        conditions = {
            "all": "1",
            "unreviewed": "d.reviewed = 0",
            "rejections": "SUM(a.status = 'rejected') > 0",
            "low_score": f"SUM(a.status = 'predicted' AND a.score < {LOW_SCORE}) > 0",
        }
        if filter not in conditions:
            raise BadInput(f"unknown filter {filter!r} (expected one of {', '.join(conditions)})")
        having = conditions[filter]
        rows = self.db.execute(
            "SELECT d.id, d.position, substr(d.text, 1, 60) AS preview, d.reviewed,"
            " COUNT(a.id) AS n, COALESCE(SUM(a.status = 'predicted'), 0) AS n_predicted,"
            " COALESCE(SUM(a.status = 'rejected'), 0) AS n_rejected, MIN(a.score) AS min_score"
            " FROM documents d LEFT JOIN annotations a ON a.doc_id = d.id"
            f" GROUP BY d.id HAVING {having} ORDER BY d.position"
        ).fetchall()
        return [
            DocumentSummary(
                r["id"],
                r["position"],
                r["preview"],
                r["n"],
                r["n_predicted"],
                r["n_rejected"],
                r["min_score"],
                bool(r["reviewed"]),
            )
            for r in rows
        ]

    def _annotations(self, doc_id: int) -> list[Annotation]:
        rows = self.db.execute(
            f"SELECT {_ANN_COLUMNS} FROM annotations WHERE doc_id = ? ORDER BY ord, id", (doc_id,)
        ).fetchall()
        return [Annotation.from_row(r) for r in rows]

    def document(self, doc_id: int) -> Document:
        row = self.db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise KeyError(f"no document {doc_id}")
        return Document(
            row["id"],
            row["position"],
            row["text"],
            json.loads(row["extra"]),
            bool(row["reviewed"]),
            self._annotations(doc_id),
        )

    def annotation(self, ann_id: int) -> Annotation:
        row = self.db.execute(
            f"SELECT {_ANN_COLUMNS} FROM annotations WHERE id = ?", (ann_id,)
        ).fetchone()
        if row is None:
            raise KeyError(f"no annotation {ann_id}")
        return Annotation.from_row(row)

    def next_unreviewed(self, after_position: int) -> int | None:
        row = self.db.execute(
            "SELECT id FROM documents WHERE reviewed = 0 ORDER BY position > ? DESC, position LIMIT 1",
            (after_position,),
        ).fetchone()
        return None if row is None else row["id"]

    def texts(self, doc_ids: list[int]) -> list[tuple[int, str]]:
        """(id, text) of many documents in one query, in the order given."""
        found: dict[int, str] = {}
        for begin in range(0, len(doc_ids), 900):  # SQLite's limit on bound parameters
            chunk = doc_ids[begin : begin + 900]
            marks = ", ".join("?" for _ in chunk)
            found.update(
                self.db.execute(
                    f"SELECT id, text FROM documents WHERE id IN ({marks})", chunk
                ).fetchall()
            )
        return [(i, found[i]) for i in doc_ids if i in found]

    def unreviewed_document_ids(self) -> list[int]:
        return [
            r[0]
            for r in self.db.execute(
                "SELECT id FROM documents WHERE reviewed = 0 ORDER BY position"
            )
        ]

    def all_document_ids(self) -> list[int]:
        return [r[0] for r in self.db.execute("SELECT id FROM documents ORDER BY position")]

    def statistics(self) -> dict[str, Any]:
        counts = {
            (r[0], r[1]): r[2]
            for r in self.db.execute(
                "SELECT predicate, status, COUNT(*) FROM annotations GROUP BY 1, 2"
            )
        }
        scores = [
            (r[0], r[1])
            for r in self.db.execute(
                "SELECT score, status FROM annotations WHERE score IS NOT NULL"
            )
        ]
        return {"counts": counts, "scores": scores}

    # -- edits (each one transaction and one undo step) ----------------------------------

    def _row(self, ann_id: int) -> dict[str, Any] | None:
        row = self.db.execute("SELECT * FROM annotations WHERE id = ?", (ann_id,)).fetchone()
        return None if row is None else dict(row)

    def _put(self, table: str, current: dict | None, target: dict | None) -> None:
        """Bring one row from ``current`` to ``target`` (None: absent). UPDATE, not
        REPLACE: replacing a document would cascade-delete its annotations."""
        if target is None:
            self.db.execute(f"DELETE FROM {table} WHERE id = ?", (current["id"],))
        elif current is None:
            cols = ", ".join(target)
            marks = ", ".join("?" for _ in target)
            self.db.execute(
                f"INSERT INTO {table} ({cols}) VALUES ({marks})", tuple(target.values())
            )
        else:
            sets = ", ".join(f"{k} = ?" for k in target if k != "id")
            values = [v for k, v in target.items() if k != "id"]
            self.db.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values, target["id"]))

    def _record(self, doc_id: int, description: str, changes: list[dict]) -> Edit:
        self.db.execute("DELETE FROM edits WHERE undone = 1")  # a new edit ends the redo side
        cur = self.db.execute(
            "INSERT INTO edits (doc_id, description, changes) VALUES (?, ?, ?)",
            (doc_id, description, json.dumps(changes, ensure_ascii=False)),
        )
        return Edit(cur.lastrowid, doc_id, description)

    def _change_annotation(self, ann_id: int, description: str, **values: Any) -> Annotation:
        with self._transaction():
            before = self._row(ann_id)
            if before is None:
                raise KeyError(f"no annotation {ann_id}")
            after = {**before, **values, "updated_at": None}
            after["updated_at"] = self.db.execute("SELECT datetime('now')").fetchone()[0]
            self._put("annotations", before, after)
            self._record(
                before["doc_id"],
                description,
                [{"table": "annotations", "before": before, "after": after}],
            )
        return self.annotation(ann_id)

    @staticmethod
    def _label(a: dict | Annotation) -> str:
        get = a.get if isinstance(a, dict) else lambda k: getattr(a, k)
        return f"{get('subject')} —{get('predicate')}→ {get('object')}"

    def set_status(self, ann_id: int, status: str) -> Annotation:
        if status not in STATUSES:
            raise BadInput(f"unknown status {status!r}")
        current = self.annotation(ann_id)
        verb = {"accepted": "accept", "rejected": "reject"}.get(status, status)
        return self._change_annotation(ann_id, f"{verb} {self._label(current)}", status=status)

    def update_annotation(self, ann_id: int, **fields: Any) -> Annotation:
        current = self.annotation(ann_id)
        values: dict[str, Any] = {}
        for name in ("subject", "predicate", "object", "subject_type", "object_type"):
            if name in fields:
                values[name] = fields[name]
        for name, (a, b) in (
            ("subject_span", ("s_start", "s_end")),
            ("object_span", ("o_start", "o_end")),
        ):
            if name in fields:
                span = fields[name]
                values[a], values[b] = (span.start, span.end) if span else (None, None)
        if current.status != "added":
            values["status"] = "edited"
        return self._change_annotation(ann_id, f"edit {self._label(current)}", **values)

    def add_annotation(
        self,
        doc_id: int,
        subject: str,
        predicate: str,
        object: str,
        subject_span: Span | None,
        object_span: Span | None,
        subject_type: str = "",
        object_type: str = "",
    ) -> Annotation:
        with self._transaction() as db:
            text = db.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()[0]
            ord_ = db.execute(
                "SELECT COALESCE(MAX(ord) + 1, 0) FROM annotations WHERE doc_id = ?", (doc_id,)
            ).fetchone()[0]
            triple = Triple(
                subject, predicate, object, subject_type, object_type, subject_span, object_span
            )
            ann_id = self._insert_triple(
                db, doc_id, ord_, text, triple, status="added", origin="person"
            )
            after = self._row(ann_id)
            self._record(
                doc_id,
                f"add {self._label(after)}",
                [{"table": "annotations", "before": None, "after": after}],
            )
        return self.annotation(ann_id)

    def delete_annotation(self, ann_id: int) -> None:
        with self._transaction():
            before = self._row(ann_id)
            if before is None:
                raise KeyError(f"no annotation {ann_id}")
            self._put("annotations", before, None)
            self._record(
                before["doc_id"],
                f"delete {self._label(before)}",
                [{"table": "annotations", "before": before, "after": None}],
            )

    def accept_rest(self, doc_id: int) -> Edit:
        with self._transaction():
            changes = []
            for row in self.db.execute(
                "SELECT * FROM annotations WHERE doc_id = ? AND status = 'predicted'", (doc_id,)
            ).fetchall():
                before = dict(row)
                after = {**before, "status": "accepted"}
                self._put("annotations", before, after)
                changes.append({"table": "annotations", "before": before, "after": after})
            doc_before = dict(
                self.db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
            )
            doc_after = {**doc_before, "reviewed": 1}
            self._put("documents", doc_before, doc_after)
            changes.append({"table": "documents", "before": doc_before, "after": doc_after})
            n = len(changes) - 1
            return self._record(
                doc_id, f"accept {n} triples and mark the document reviewed", changes
            )

    def set_reviewed(self, doc_id: int, reviewed: bool) -> Edit:
        with self._transaction():
            before = dict(
                self.db.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
            )
            after = {**before, "reviewed": int(reviewed)}
            self._put("documents", before, after)
            word = "reviewed" if reviewed else "not reviewed"
            return self._record(
                doc_id,
                f"mark the document {word}",
                [{"table": "documents", "before": before, "after": after}],
            )

    # -- undo / redo ---------------------------------------------------------------------

    def _step(self, undo: bool) -> Edit | None:
        with self._transaction() as db:
            row = db.execute(
                "SELECT * FROM edits WHERE undone = ? ORDER BY id "
                + ("DESC" if undo else "ASC")
                + " LIMIT 1",
                (0 if undo else 1,),
            ).fetchone()
            if row is None:
                return None
            changes = json.loads(row["changes"])
            for change in reversed(changes) if undo else changes:
                before, after = change["before"], change["after"]
                self._put(change["table"], after, before) if undo else self._put(
                    change["table"], before, after
                )
            db.execute("UPDATE edits SET undone = ? WHERE id = ?", (1 if undo else 0, row["id"]))
            return Edit(row["id"], row["doc_id"], row["description"])

    def undo(self) -> Edit | None:
        return self._step(undo=True)

    def redo(self) -> Edit | None:
        return self._step(undo=False)

    def can_undo(self) -> bool:
        return (
            self.db.execute("SELECT 1 FROM edits WHERE undone = 0 LIMIT 1").fetchone() is not None
        )

    def can_redo(self) -> bool:
        return (
            self.db.execute("SELECT 1 FROM edits WHERE undone = 1 LIMIT 1").fetchone() is not None
        )

    # -- model output --------------------------------------------------------------------

    def replace_predictions(self, doc_id: int, triples: list[Triple], origin: str) -> int:
        """The document's undecided ("predicted") annotations are replaced by
        ``triples``; a triple equal to one a person decided on is skipped, so
        human decisions are never overwritten. Not an undo step: it is the
        model's output, not an edit."""
        return self.replace_predictions_many([(doc_id, triples)], origin)

    def replace_predictions_many(self, batch: list[tuple[int, list[Triple]]], origin: str) -> int:
        """:meth:`replace_predictions` for many documents in one transaction (one
        disk sync instead of one per document)."""
        with self._transaction():
            return sum(self._replace(doc_id, triples, origin) for doc_id, triples in batch)

    def _replace(self, doc_id: int, triples: list[Triple], origin: str) -> int:
        db = self.db
        decided = {
            (r["subject"], r["predicate"], r["object"], r["s_start"], r["o_start"])
            for r in db.execute(
                "SELECT * FROM annotations WHERE doc_id = ? AND status != 'predicted'",
                (doc_id,),
            )
        }
        db.execute("DELETE FROM annotations WHERE doc_id = ? AND status = 'predicted'", (doc_id,))
        text = db.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()[0]
        ord_ = db.execute(
            "SELECT COALESCE(MAX(ord) + 1, 0) FROM annotations WHERE doc_id = ?", (doc_id,)
        ).fetchone()[0]
        n = 0
        for t in triples:
            key = (
                t.subject,
                t.predicate,
                t.object,
                t.subject_span.start if t.subject_span else None,
                t.object_span.start if t.object_span else None,
            )
            if key in decided:
                continue
            self._insert_triple(db, doc_id, ord_ + n, text, t, status="predicted", origin=origin)
            n += 1
        return n

    # -- models and runs -----------------------------------------------------------------

    def register_model(self, name: str, version: str, path: str | Path) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO models (name, version, path) VALUES (?, ?, ?)",
                (name, str(version), str(path)),
            )

    def models(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM models ORDER BY id")]

    def record_run(self, kind: str, params: dict, result: dict) -> int:
        with self._transaction() as db:
            cur = db.execute(
                "INSERT INTO runs (kind, params, result) VALUES (?, ?, ?)",
                (
                    kind,
                    json.dumps(params, ensure_ascii=False),
                    json.dumps(result, ensure_ascii=False),
                ),
            )
            return cur.lastrowid

    def runs(self) -> list[dict[str, Any]]:
        out = []
        for r in self.db.execute("SELECT * FROM runs ORDER BY id"):
            d = dict(r)
            d["params"], d["result"] = json.loads(d["params"]), json.loads(d["result"])
            out.append(d)
        return out
