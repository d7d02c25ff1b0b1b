"""A project: documents, annotations, the edit history, models and runs, in
one SQLite file or in a schema on a PostgreSQL server (see
:mod:`core.store.location`); the same tables and code on both.

Every edit is its own transaction, written as it happens (WAL mode), and
records the rows before and after, so undo and redo work across restarts.
``synchronous=FULL``: a commit is on disk before the window shows it as
saved, so a crash or power cut loses nothing that was shown. A file is open
in one process at a time; a server project in as many as people work on it,
each under their own name (see :mod:`core.store.history`).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sized
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import BadInput
from core.formats.duie import Sentence, Span, Triple, write_sentences
from core.outputs import check_output
from core.runtime.jobs import JobContext
from core.store import location as locations
from core.store.duie_io import (
    annotation_row,
    check_sentence,
    document_row,
    read_for_import,
    to_sentence,
)
from core.store.engine import dialect_of
from core.store.history import History, PendingEdit, transaction
from core.store.people import check_name, default_user
from core.store.records import STATUSES, Annotation, Document, DocumentSummary, Edit
from core.store.schema import migrate

LOW_SCORE = 0.7
DECIDED = ("accepted", "edited", "rejected", "added")
_ANN_COLUMNS = (
    "id, doc_id, ord, subject, subject_type, predicate, object, object_type, "
    "s_start, s_end, o_start, o_end, score, origin, status, extra, key_order, edited_from,"
    " version, decided_by"
)
# Whose documents the list shows: the person's, everyone's, nobody's yet.
ASSIGNED = ("everyone", "mine", "unassigned")


class ProjectLockedError(BadInput, RuntimeError):
    """The project is open in another KG Studio process."""


_IDENTITY = ("subject", "predicate", "object", "s_start", "s_end", "o_start", "o_end")
_TEXT_FIELDS = ("subject", "predicate", "object", "subject_type", "object_type")
_SPAN_COLUMNS = {"subject_span": ("s_start", "s_end"), "object_span": ("o_start", "o_end")}


def _label(row: dict) -> str:
    return f"{row['subject']} —{row['predicate']}→ {row['object']}"


def _identity(row: Any) -> tuple:
    """What makes two triples the same: the strings and where they are."""
    return tuple(row[k] for k in _IDENTITY)


def _utc(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def _marks(row: dict) -> str:
    return ", ".join("?" for _ in row)


def remove_project_files(path: str | Path) -> None:
    """Delete a project file with its SQLite companions and its lock: for a
    project this run created and could not fill, so nothing half-made stays."""
    base = str(path)
    for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
        try:
            os.remove(base + suffix)
        except FileNotFoundError:
            pass


def project_exists(where: str | Path) -> bool:
    """Whether there is a project at ``where`` (a file, or a project on its server)."""
    found = locations.parse(where)
    if isinstance(found, Path):
        return found.exists()
    from core.store import postgres

    try:
        postgres.connect(found, create=False).close()
    except BadInput as e:
        if "no such project" in str(e):
            return False
        raise
    return True


def remove_project(where: str | Path) -> None:
    """Delete a project this run created and could not fill: its file and
    companions, or its schema on the server."""
    found = locations.parse(where)
    if isinstance(found, Path):
        remove_project_files(found)
    else:
        from core.store import postgres

        postgres.drop(found)


def _take_lock(path: Path, lock_path: str) -> Any:
    """The open, exclusively locked ``lock_path``. The lock file is removed when
    its owner closes the project: a lock taken on a file that was removed
    meanwhile is worthless, so it is taken again on the current one."""
    for _ in range(5):
        lock = open(lock_path, "a+")  # noqa: SIM115 (held while the project is open)
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            pid = lock.read().strip() or "?"
            lock.close()
            raise ProjectLockedError(
                f"{path}: already open in another KG Studio (process {pid}); close it there first"
            ) from None
        try:
            current = os.stat(lock_path).st_ino == os.fstat(lock.fileno()).st_ino
        except FileNotFoundError:
            current = False
        if current:
            lock.seek(0)
            lock.truncate()
            lock.write(str(os.getpid()))
            lock.flush()
            return lock
        lock.close()
    raise ProjectLockedError(f"{path}: its lock keeps changing hands; try again")


class Project:
    def __init__(
        self,
        path: Path | None,
        db: Any,
        lock: Any,
        user: str | None = None,
        server: locations.ServerProject | None = None,
    ) -> None:
        self.path = path  # None for a project on a server
        self.server = server
        self.db = db
        self.dialect = dialect_of(db)
        self._lock = lock
        self.user = check_name(user) if user is not None else default_user()
        # Triples and links share it: one undo history per person and project.
        self.history = History(db, self.user)

    @property
    def location(self) -> str:
        """Where the project is, as it may be shown (a URL without its password)."""
        return str(self.server) if self.server is not None else str(self.path)

    @property
    def name(self) -> str:
        """A short name: the file's, or the project's on its server."""
        return self.server.name if self.server is not None else Path(str(self.path)).name

    # -- opening -----------------------------------------------------------------------

    @classmethod
    def open(cls, where: str | Path, create: bool = True, user: str | None = None) -> Project:
        """Open (or with ``create`` make) the project at ``where`` (a file
        path or a ``postgresql://...?project=NAME`` URL), bringing an older
        one up to date; ``user`` names who works on it (default: the
        KGSTUDIO_USER variable, else the login name). Raises
        ProjectLockedError while another process has a file open, BadInput
        for something that is no project or is too new."""
        found = locations.parse(where)
        if isinstance(found, locations.ServerProject):
            return cls._open_server(found, create, user)
        path = found
        if not path.exists() and not create:
            raise BadInput(f"{path}: no such project")
        if path.exists() and path.is_dir():
            raise BadInput(f"{path}: is a folder, expected a project file (.kgs)")
        lock_path = str(path) + ".lock"
        lock_existed = os.path.exists(lock_path)
        lock = _take_lock(path, lock_path)
        db = None
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
            if db is not None:
                db.close()
            # A file that is no project must not gain a lock beside it.
            if not lock_existed:
                os.remove(lock_path)
            lock.close()
            raise
        return cls(path, db, lock, user)

    @classmethod
    def _open_server(
        cls, server: locations.ServerProject, create: bool, user: str | None
    ) -> Project:
        from core.store import postgres

        db = postgres.connect(server, create)
        try:
            migrate(db, str(server))
        except BaseException:
            db.close()
            raise
        return cls(None, db, None, user, server)

    def second_connection(self, user: str | None = None) -> Project:
        """The same project on a connection of its own, for a worker thread
        (or for ``user``, someone else, in a test): WAL lets it write while
        this one reads, and writers take turns (waiting up to ``timeout``
        seconds). It shares this project's lock, so close it before this one."""
        user = user or self.user
        if self.server is not None:
            from core.store import postgres

            return Project(None, postgres.connect(self.server, False), None, user, self.server)
        db = sqlite3.connect(
            str(self.path), isolation_level=None, check_same_thread=False, timeout=10.0
        )
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        return Project(self.path, db, None, user)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        if self._lock is not None:
            # Removed while still held, so no lock file is left beside the
            # project; an opener that raced us notices (see _take_lock).
            with contextlib.suppress(OSError):
                os.remove(self._lock.name)
            self._lock.close()
            self._lock = None

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """All of the block's writes or none of them (for writes that are no
        edit: imports, a model's output). Edits go through :attr:`history`."""
        return transaction(self.db)

    # -- import / export ---------------------------------------------------------------

    def import_sentences(self, sentences: Iterable[Sentence], ctx: JobContext | None = None) -> int:
        """Add ``sentences`` as documents after the existing ones; returns how many.
        All or nothing: one that fails (a bad line of the file being read) rolls
        the whole import back. See :mod:`core.store.duie_io` for what each field
        becomes."""
        total = len(sentences) if isinstance(sentences, Sized) else 0
        return self._import(sentences, total, ctx or JobContext.null())

    def import_file(
        self,
        path: str | Path,
        ctx: JobContext | None = None,
        skipped: list[int] | None = None,
    ) -> int:
        """:meth:`import_sentences` of a DuIE file; a FormatError names file:line
        and leaves the project as it was. With a ``skipped`` list, a sentence
        whose text is already a document is not added again: its number in the
        file (from 1) goes into the list."""
        with open(path, "rb") as f:
            lines = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        return self._import(read_for_import(path), lines, ctx or JobContext.null(), skipped)

    def _import(
        self,
        sentences: Iterable[Sentence],
        total: int,
        ctx: JobContext,
        skipped: list[int] | None = None,
    ) -> int:
        n = 0
        seen = 0
        with self.transaction() as db:
            position = db.execute(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM documents"
            ).fetchone()[0]
            # Digests rather than texts: a large project's texts need not all
            # sit in memory at once.
            known = (
                {_digest(r[0]) for r in db.execute("SELECT text FROM documents")}
                if skipped is not None
                else set()
            )
            for sentence in sentences:
                seen += 1
                if skipped is not None and _digest(sentence.text) in known:
                    skipped.append(seen)
                    continue
                check_sentence(sentence, "<input>", n + 1)
                row = {"position": position + n, **document_row(sentence)}
                doc_id = db.execute(
                    f"INSERT INTO documents ({', '.join(row)}) VALUES ({_marks(row)}) RETURNING id",
                    tuple(row.values()),
                ).fetchone()[0]
                for ord_, triple in enumerate(sentence.triples):
                    self._insert_triple(doc_id, ord_, sentence.text, triple)
                n += 1
                if n % 500 == 0:
                    ctx.report(n, max(total, n), f"imported {n} documents")
        return n

    def _insert_triple(
        self,
        doc_id: int,
        ord_: int,
        text: str,
        t: Triple,
        status: str | None = None,
        origin: str | None = None,
    ) -> int:
        row = {"doc_id": doc_id, "ord": ord_, **annotation_row(text, t, status, origin)}
        return self.db.execute(
            f"INSERT INTO annotations ({', '.join(row)}) VALUES ({_marks(row)}) RETURNING id",
            tuple(row.values()),
        ).fetchone()[0]

    def sentences(self, reviewed_only: bool = False, clean: bool = False) -> Iterator[Sentence]:
        """Documents as DuIE sentences, in order. By default everything
        round-trips: each triple carries its ``status``, ``origin``, ``score``
        and spans, rejected ones included, and a reviewed document
        ``"reviewed": true``. ``clean`` gives training data: no rejected
        triples, no status, origin, score or reviewed marker (spans stay)."""
        where = "WHERE reviewed = 1" if reviewed_only else ""
        rows = self.db.execute(f"SELECT * FROM documents {where} ORDER BY position").fetchall()
        for row in rows:
            yield to_sentence(row, self._annotations(row["id"]), clean)

    def export_file(
        self, path: str | Path, reviewed_only: bool = False, clean: bool = False
    ) -> int:
        """Write :meth:`sentences` as DuIE lines, atomically (a failed export
        leaves any previous file whole); returns how many. Refuses to write
        over the project itself (OutputError)."""
        check_output(path, self.own_files())
        return write_sentences(path, self.sentences(reviewed_only, clean))

    def own_files(self) -> list[tuple[str, str]]:
        """The project file and its companions, which no export may replace."""
        if self.path is None:
            return []
        return [(str(self.path), "the project")] + [
            (f"{self.path}{suffix}", "part of the project") for suffix in ("-wal", "-shm", ".lock")
        ]

    # -- queries -----------------------------------------------------------------------

    def count_documents(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def documents(
        self,
        filter: str = "all",
        doc_id: int | None = None,
        doc_ids: Iterable[int] | None = None,
        low_score: float = LOW_SCORE,
        assigned: str = "everyone",
    ) -> list[DocumentSummary]:
        """Summaries in reading order; ``doc_id`` or ``doc_ids`` limit them to
        those documents (what the window refreshes after an edit or a batch
        of predictions, instead of the whole list). The "low_score" filter
        keeps documents with an undecided triple scored below ``low_score``.
        ``assigned``: "everyone"'s documents, "mine" (assigned to this
        project's user) or "unassigned" ones."""
        count_if = self.dialect.count_if
        n_predicted = count_if("a.status = 'predicted'")
        n_rejected = count_if("a.status = 'rejected'")
        conditions = {
            "all": "1 = 1",
            "unreviewed": "d.reviewed = 0",
            "rejections": f"{n_rejected} > 0",
            "low_score": count_if("a.status = 'predicted' AND a.score < ?") + " > 0",
        }
        if filter not in conditions:
            raise BadInput(f"unknown filter {filter!r} (expected one of {', '.join(conditions)})")
        if assigned not in ASSIGNED:
            raise BadInput(f"unknown owner {assigned!r} (expected one of {', '.join(ASSIGNED)})")
        having = conditions[filter]
        having_args: tuple = (float(low_score),) if filter == "low_score" else ()
        if doc_id is not None:
            doc_ids = [doc_id]
        chunks: list[list[int]] = [[]]
        if doc_ids is not None:
            ids = list(doc_ids)
            chunks = [ids[i : i + 900] for i in range(0, len(ids), 900)]
        rows: list[Any] = []
        for chunk in chunks:
            where = [f"d.id IN ({', '.join('?' for _ in chunk)})"] if chunk else []
            owner_args: tuple = ()
            if assigned == "mine":
                where.append("d.assigned_to = ?")
                owner_args = (self.user,)
            elif assigned == "unassigned":
                where.append("d.assigned_to IS NULL")
            rows += self.dialect.tuples(
                self.db,
                "SELECT d.id, d.position, substr(d.text, 1, 60), COUNT(a.id),"
                f" COALESCE({n_predicted}, 0), COALESCE({n_rejected}, 0), MIN(a.score),"
                " d.reviewed != 0"
                " FROM documents d LEFT JOIN annotations a ON a.doc_id = d.id"
                + (" WHERE " + " AND ".join(where) if where else "")
                + f" GROUP BY d.id HAVING {having} ORDER BY d.position",
                (*chunk, *owner_args, *having_args),
            )
        if len(chunks) > 1:
            rows.sort(key=lambda r: r[1])
        return [
            DocumentSummary(i, pos, preview, n, n_pred, n_rej, low, bool(reviewed))
            for i, pos, preview, n, n_pred, n_rej, low, reviewed in rows
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

    def text(self, doc_id: int) -> str:
        """The document's text; KeyError if there is no such document."""
        row = self.db.execute("SELECT text FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise KeyError(f"no document {doc_id}")
        return row[0]

    def annotation(self, ann_id: int) -> Annotation:
        row = self.db.execute(
            f"SELECT {_ANN_COLUMNS} FROM annotations WHERE id = ?", (ann_id,)
        ).fetchone()
        if row is None:
            raise KeyError(f"no annotation {ann_id}")
        return Annotation.from_row(row)

    def next_unreviewed(self, after_position: int) -> int | None:
        """The first unreviewed document after ``after_position``, else the
        first one from the start. Walks the position index from there rather
        than sorting every unreviewed document."""
        for condition in ("position > ?", "position <= ?"):
            row = self.db.execute(
                f"SELECT id FROM documents WHERE reviewed = 0 AND {condition}"
                " ORDER BY position LIMIT 1",
                (after_position,),
            ).fetchone()
            if row is not None:
                return row["id"]
        return None

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

    def names_of_type(self, entity_type: str) -> list[str]:
        """Every subject or object string of that type in a triple nobody
        rejected, sorted."""
        rows = self.db.execute(
            "SELECT subject FROM annotations WHERE subject_type = ? AND status != 'rejected'"
            " UNION SELECT object FROM annotations WHERE object_type = ? AND status != 'rejected'",
            (entity_type, entity_type),
        )
        return sorted({r[0] for r in rows if r[0]})

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

    def _change_annotation(
        self, ann_id: int, verb: str, values: dict[str, Any], expected_version: int | None
    ) -> Annotation:
        with self.history.edit() as edit:
            try:
                before = edit.row("annotations", ann_id)
            except KeyError:
                raise KeyError(f"no annotation {ann_id}") from None
            if before["status"] != "added" and any(before[k] != v for k, v in values.items()):
                if "status" not in values:  # a correction of what the model proposed
                    values = {**values, "status": "edited"}
                    if before["edited_from"] is None:
                        values["edited_from"] = json.dumps(_identity(before), ensure_ascii=False)
            after = edit.update("annotations", before, values, expected_version)
            edit.describe(before["doc_id"], f"{verb} {_label(before)}")
        return Annotation.from_row(after)

    def set_status(
        self, ann_id: int, status: str, expected_version: int | None = None
    ) -> Annotation:
        """Decide on one triple ("accepted", "rejected", ...). With
        ``expected_version`` (the version the person saw) a triple someone
        else changed since is a ConflictError holding it as it is now."""
        if status not in STATUSES:
            raise BadInput(f"unknown status {status!r} (expected one of {', '.join(STATUSES)})")
        verb = {"accepted": "accept", "rejected": "reject", "edited": "mark edited"}
        return self._change_annotation(
            ann_id, verb.get(status, f"mark {status}"), {"status": status}, expected_version
        )

    def update_annotation(
        self, ann_id: int, expected_version: int | None = None, **fields: Any
    ) -> Annotation:
        """Change any of subject, predicate, object, subject_type, object_type,
        subject_span, object_span (a Span or None). The status becomes "edited",
        except that a triple a person added stays "added". ``expected_version``
        as for :meth:`set_status`."""
        unknown = set(fields) - {*_TEXT_FIELDS, *_SPAN_COLUMNS}
        if unknown:
            raise TypeError(f"update_annotation: unknown fields {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {k: fields[k] for k in _TEXT_FIELDS if k in fields}
        for name, (start, end) in _SPAN_COLUMNS.items():
            if name in fields:
                span = fields[name]
                values[start], values[end] = (span.start, span.end) if span else (None, None)
        return self._change_annotation(ann_id, "edit", values, expected_version)

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
        """A triple a person added (origin "person", status "added"). A span left
        out is looked up in the text."""
        with self.history.edit() as edit:
            text = self.text(doc_id)
            ord_ = self.db.execute(
                "SELECT COALESCE(MAX(ord) + 1, 0) FROM annotations WHERE doc_id = ?", (doc_id,)
            ).fetchone()[0]
            triple = Triple(
                subject, predicate, object, subject_type, object_type, subject_span, object_span
            )
            row = {"doc_id": doc_id, "ord": ord_, **annotation_row(text, triple, "added", "person")}
            after = edit.insert("annotations", row)
            edit.describe(doc_id, f"add {_label(after)}")
        return Annotation.from_row(after)

    def delete_annotation(self, ann_id: int, expected_version: int | None = None) -> Annotation:
        """Remove a triple (meant for added ones; a model's triple is rejected
        instead, which keeps the decision). Returns what was deleted.
        ``expected_version`` as for :meth:`set_status`."""
        with self.history.edit() as edit:
            try:
                before = edit.delete("annotations", ann_id, expected_version)
            except KeyError:
                raise KeyError(f"no annotation {ann_id}") from None
            edit.describe(before["doc_id"], f"delete {_label(before)}")
        return Annotation.from_row(before)

    def accept_rest(self, doc_id: int) -> Edit | None:
        """Accept every still predicted triple of the document and mark it
        reviewed: one undo step (None: it was all done already)."""
        with self.history.edit() as edit:
            doc_before = self._document_row(edit, doc_id)
            rows = self.db.execute(
                "SELECT * FROM annotations WHERE doc_id = ? AND status = 'predicted'"
                " ORDER BY ord, id",
                (doc_id,),
            ).fetchall()
            for row in rows:
                edit.update("annotations", row, {"status": "accepted"})
            edit.update("documents", doc_before, {"reviewed": 1})
            n = len(rows)
            what = f"accept {n} triple{'s' if n != 1 else ''} and" if n else ""
            edit.describe(doc_id, f"{what} mark the document reviewed".strip())
        return edit.recorded

    def set_reviewed(self, doc_id: int, reviewed: bool) -> Edit | None:
        """Mark the document reviewed or not: one undo step (None: it was already)."""
        with self.history.edit() as edit:
            before = self._document_row(edit, doc_id)
            edit.update("documents", before, {"reviewed": int(reviewed)})
            word = "reviewed" if reviewed else "not reviewed"
            edit.describe(doc_id, f"mark the document {word}")
        return edit.recorded

    @staticmethod
    def _document_row(edit: PendingEdit, doc_id: int) -> dict[str, Any]:
        try:
            return edit.row("documents", doc_id)
        except KeyError:
            raise KeyError(f"no document {doc_id}") from None

    # -- undo / redo: one history for triples and links ----------------------------------

    def undo(self) -> Edit | None:
        return self.history.undo()

    def redo(self) -> Edit | None:
        return self.history.redo()

    def can_undo(self) -> bool:
        return self.history.can_undo()

    def can_redo(self) -> bool:
        return self.history.can_redo()

    # -- model output --------------------------------------------------------------------

    def replace_predictions(self, doc_id: int, triples: list[Triple], origin: str) -> int:
        """The document's undecided ("predicted") annotations are replaced by
        ``triples``; a triple equal to one a person decided on is skipped, so
        human decisions are never overwritten. Not an undo step: it is the
        model's output, not an edit."""
        return self.replace_predictions_many([(doc_id, triples)], origin)

    def replace_predictions_many(
        self, batch: list[tuple[int, list[Triple]]], origin: str, predicate: str | None = None
    ) -> int:
        """:meth:`replace_predictions` for many documents in one transaction (one
        disk sync instead of one per document). With ``predicate``, only the
        undecided annotations of that predicate from ``origin`` are replaced
        (a question answered for one slot leaves every other prediction)."""
        with self.transaction():
            return sum(
                self._replace(doc_id, triples, origin, predicate) for doc_id, triples in batch
            )

    def _replace(
        self, doc_id: int, triples: list[Triple], origin: str, predicate: str | None = None
    ) -> int:
        db = self.db
        text = self.text(doc_id)
        decided: set[tuple] = set()
        for r in db.execute(
            "SELECT * FROM annotations WHERE doc_id = ? AND status != 'predicted'", (doc_id,)
        ):
            decided.add(_identity(r))
            if r["edited_from"] is not None:  # what a person corrected stays corrected
                decided.add(tuple(json.loads(r["edited_from"])))
        if predicate is None:
            db.execute(
                "DELETE FROM annotations WHERE doc_id = ? AND status = 'predicted'", (doc_id,)
            )
        else:
            db.execute(
                "DELETE FROM annotations WHERE doc_id = ? AND status = 'predicted'"
                " AND origin = ? AND predicate = ?",
                (doc_id, origin, predicate),
            )
        self.history.forget_redo(doc_id, "annotations")
        ord_ = db.execute(
            "SELECT COALESCE(MAX(ord) + 1, 0) FROM annotations WHERE doc_id = ?", (doc_id,)
        ).fetchone()[0]
        n = 0
        for t in triples:
            row = {
                "doc_id": doc_id,
                "ord": ord_ + n,
                **annotation_row(text, t, "predicted", origin),
            }
            if _identity(row) in decided:
                continue
            db.execute(
                f"INSERT INTO annotations ({', '.join(row)}) VALUES ({_marks(row)})",
                tuple(row.values()),
            )
            n += 1
        return n

    # -- models and runs -----------------------------------------------------------------

    def register_model(self, name: str, version: str, path: str | Path) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO models (name, version, path) VALUES (?, ?, ?)"
                " ON CONFLICT (name, version) DO UPDATE SET path = excluded.path",
                (name, str(version), str(path)),
            )

    def models(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db.execute("SELECT * FROM models ORDER BY id")]

    def record_run(
        self, kind: str, params: dict, result: dict, started_at: datetime | None = None
    ) -> int:
        """A finished run (training, pre-annotation, ...); ``started_at`` defaults
        to now. Times are stored in UTC as ``YYYY-MM-DD HH:MM:SS``."""
        now = datetime.now(UTC)
        with self.transaction() as db:
            return db.execute(
                "INSERT INTO runs (kind, params, result, started_at, finished_at)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (
                    kind,
                    json.dumps(params, ensure_ascii=False),
                    json.dumps(result, ensure_ascii=False),
                    _utc(started_at or now),
                    _utc(now),
                ),
            ).fetchone()[0]

    def runs(self) -> list[dict[str, Any]]:
        out = []
        for r in self.db.execute("SELECT * FROM runs ORDER BY id"):
            d = dict(r)
            d["params"], d["result"] = json.loads(d["params"]), json.loads(d["result"])
            out.append(d)
        return out
