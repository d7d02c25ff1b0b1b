"""The project's tables, and migrations between versions of them, for both
engines: the statements are SQLite's, which :mod:`core.store.postgres`
hands PostgreSQL in its own words; what cannot be said once is asked of the
connection's dialect (:mod:`core.store.engine`).

The dialect keeps the schema version (``PRAGMA user_version`` in a file, a
``kgs_meta`` row on a server). Opening a project applies every missing
migration in one transaction, so a crash half-way leaves it at its old
version; a project written by a newer KG Studio is refused rather than
damaged. A migration is never edited once released: a change is a new one.
Later capabilities (graphs, clusterings) arrive as further migrations.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable

from core.errors import BadInput
from core.store.engine import dialect_of


def _run(db: sqlite3.Connection, statements: list[str]) -> None:
    # Not executescript: it commits first, which would split the migration.
    for statement in statements:
        db.execute(statement)


def _v1(db: sqlite3.Connection) -> None:
    _run(
        db,
        [
            """CREATE TABLE documents (
                id INTEGER PRIMARY KEY,
                position INTEGER NOT NULL,
                text TEXT NOT NULL,
                extra TEXT NOT NULL DEFAULT '{}',
                key_order TEXT NOT NULL DEFAULT '[]',
                has_spo_list INTEGER NOT NULL DEFAULT 1,
                reviewed INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX documents_position ON documents(position)",
            """CREATE TABLE annotations (
                id INTEGER PRIMARY KEY,
                doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                ord INTEGER NOT NULL,
                subject TEXT NOT NULL,
                subject_type TEXT NOT NULL DEFAULT '',
                predicate TEXT NOT NULL,
                object TEXT NOT NULL,
                object_type TEXT NOT NULL DEFAULT '',
                s_start INTEGER, s_end INTEGER, o_start INTEGER, o_end INTEGER,
                score REAL,
                origin TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN
                    ('predicted', 'accepted', 'edited', 'rejected', 'added')),
                extra TEXT NOT NULL DEFAULT '{}',
                key_order TEXT NOT NULL DEFAULT '[]',
                updated_at TEXT NOT NULL DEFAULT (datetime('now'))
            )""",
            "CREATE INDEX annotations_doc ON annotations(doc_id, ord)",
            # One row per user edit; 'undone' rows form the redo side.
            """CREATE TABLE edits (
                id INTEGER PRIMARY KEY,
                doc_id INTEGER NOT NULL,
                description TEXT NOT NULL,
                changes TEXT NOT NULL,
                undone INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL DEFAULT (datetime('now'))
            )""",
            """CREATE TABLE models (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL,
                version TEXT NOT NULL,
                path TEXT NOT NULL,
                created_at TEXT NOT NULL DEFAULT (datetime('now')),
                UNIQUE (name, version)
            )""",
            """CREATE TABLE runs (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                params TEXT NOT NULL,
                result TEXT NOT NULL,
                started_at TEXT NOT NULL DEFAULT (datetime('now'))
            )""",
        ],
    )


def _v2(db: sqlite3.Connection) -> None:
    """Annotation ids are never reused (AUTOINCREMENT): undo and redo re-insert
    rows under their old id, which must not have gone to a newer prediction
    meanwhile. ``edited_from`` keeps what a model proposed before a person
    corrected it, so the same proposal is not offered again. Runs get
    ``finished_at``."""
    # The highest id ever used may belong to a row that only the history remembers.
    highest = db.execute("SELECT COALESCE(MAX(id), 0) FROM annotations").fetchone()[0]
    for (changes,) in db.execute("SELECT changes FROM edits").fetchall():
        for change in json.loads(changes):
            if change["table"] == "annotations":
                for row in (change["before"], change["after"]):
                    if row is not None:
                        highest = max(highest, row["id"])
    columns = (
        "id, doc_id, ord, subject, subject_type, predicate, object, object_type, "
        "s_start, s_end, o_start, o_end, score, origin, status, extra, key_order, updated_at"
    )
    _run(
        db,
        [
            """CREATE TABLE annotations_v2 (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                ord INTEGER NOT NULL,
                subject TEXT NOT NULL,
                subject_type TEXT NOT NULL DEFAULT '',
                predicate TEXT NOT NULL,
                object TEXT NOT NULL,
                object_type TEXT NOT NULL DEFAULT '',
                s_start INTEGER, s_end INTEGER, o_start INTEGER, o_end INTEGER,
                score REAL,
                origin TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN
                    ('predicted', 'accepted', 'edited', 'rejected', 'added')),
                extra TEXT NOT NULL DEFAULT '{}',
                key_order TEXT NOT NULL DEFAULT '[]',
                updated_at TEXT NOT NULL DEFAULT (datetime('now')),
                edited_from TEXT
            )""",
            f"INSERT INTO annotations_v2 ({columns}) SELECT {columns} FROM annotations",
            "DROP TABLE annotations",
            "ALTER TABLE annotations_v2 RENAME TO annotations",
            "CREATE INDEX annotations_doc ON annotations(doc_id, ord)",
            "ALTER TABLE runs ADD COLUMN finished_at TEXT",
            # Version 1 recorded a run once it had finished.
            "UPDATE runs SET finished_at = started_at",
        ],
    )
    dialect_of(db).set_next_id(db, "annotations", int(highest) + 1)


def _v3(db: sqlite3.Connection) -> None:
    """Entity links: a mention (``[m_start, m_end)`` of the document's text) and
    the knowledge-base entity it names, or NIL, with its score, the scored
    candidates (JSON ``[[entity_id, score], ...]``, best first), origin and
    status like triples. ``predicted_kb_id`` keeps what the model chose, so a
    person choosing it again accepts rather than edits. Ids are never reused
    (undo re-inserts rows under their old id). The table is ``entity_links``:
    a graph's edges are links too.

    ``link_documents`` holds each document's linking state apart from its
    triples: whether a person reviewed its links, and which linker last ran
    over it (a document where it found nothing is linked all the same). Its
    ``id`` is the document's id, so edits and undo treat it like any table."""
    _run(
        db,
        [
            """CREATE TABLE entity_links (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
                m_start INTEGER NOT NULL,
                m_end INTEGER NOT NULL,
                mention TEXT NOT NULL,
                kb_id TEXT NOT NULL,
                score REAL,
                candidates TEXT NOT NULL DEFAULT '[]',
                origin TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN
                    ('predicted', 'accepted', 'edited', 'rejected', 'added')),
                predicted_kb_id TEXT,
                extra TEXT NOT NULL DEFAULT '{}',
                updated_at TEXT NOT NULL DEFAULT (datetime('now'))
            )""",
            "CREATE INDEX entity_links_doc ON entity_links(doc_id, m_start, m_end)",
            """CREATE TABLE link_documents (
                id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
                reviewed INTEGER NOT NULL DEFAULT 0,
                linked_by TEXT,
                linked_at TEXT
            )""",
        ],
    )


def _v4(db: sqlite3.Connection) -> None:
    """The edit history in rows: each change of an edit is a row of
    ``edit_changes`` naming its table, so the edits that touched a table are
    found by a query rather than by searching stored JSON. A change that
    updates a row keeps only the columns it changed (a document's review mark,
    not its text). Edit ids are never reused, so a change can never attach to
    a newer edit. Indexes for reviewing: the undo and redo ends of the history,
    a document's triples by status and score (the document list reads only
    this index), the next unreviewed document in reading order."""
    _run(
        db,
        [
            "ALTER TABLE edits RENAME TO edits_v3",
            """CREATE TABLE edits (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                doc_id INTEGER NOT NULL,
                description TEXT NOT NULL,
                undone INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL DEFAULT (datetime('now'))
            )""",
            "INSERT INTO edits (id, doc_id, description, undone, created_at)"
            " SELECT id, doc_id, description, undone, created_at FROM edits_v3",
            """CREATE TABLE edit_changes (
                edit_id INTEGER NOT NULL REFERENCES edits(id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                table_name TEXT NOT NULL,
                row_before TEXT,
                row_after TEXT,
                PRIMARY KEY (edit_id, seq)
            ) WITHOUT ROWID""",
        ],
    )
    rows = db.execute("SELECT id, changes FROM edits_v3 ORDER BY id")
    insert = "INSERT INTO edit_changes VALUES (?, ?, ?, ?, ?)"
    while batch := rows.fetchmany(500):
        values = []
        for edit_id, changes in batch:
            try:
                for seq, change in enumerate(json.loads(changes)):
                    values.append((edit_id, seq, *_v4_change(change)))
            except (ValueError, TypeError, KeyError, AttributeError) as e:
                raise BadInput(
                    f"the project's edit history is damaged at edit {edit_id} ({e})"
                ) from None
        db.executemany(insert, values)
    _run(
        db,
        [
            "DROP TABLE edits_v3",
            "CREATE INDEX edits_undone ON edits(undone)",
            "CREATE INDEX annotations_review ON annotations(doc_id, status, score)",
            "CREATE INDEX documents_review ON documents(reviewed, position)",
        ],
    )


def _v4_change(change: dict) -> tuple[str, str | None, str | None]:
    """(table, row before, row after) of a change as version 3 stored it; an
    update keeps the row's id and the columns it changed."""
    table, before, after = change["table"], change["before"], change["after"]
    if not isinstance(table, str):
        raise TypeError(f"table {table!r}")
    if before is not None and after is not None:
        changed = [k for k in after if k == "id" or before.get(k) != after[k]]
        before = {k: before[k] for k in changed if k in before}
        after = {k: after[k] for k in changed}
    return table, _json(before), _json(after)


def _json(row: dict | None) -> str | None:
    return None if row is None else json.dumps(row, ensure_ascii=False)


def _v5(db: sqlite3.Connection) -> None:
    """Several people on one project. ``version`` counts the changes of a
    triple or a link, so a decision taken on a state that someone else has
    changed meanwhile is refused instead of overwriting theirs;
    ``decided_by`` names who last decided. Each edit has its ``author``, and
    undo walks only one's own (edits made before names were kept have the
    author ''). ``decisions`` keeps every decision of every person on every
    triple and link, in order: what agreement between two people is measured
    on, since the row itself holds only the last. ``assigned_to`` names who is
    to review a document."""
    _run(
        db,
        [
            "ALTER TABLE annotations ADD COLUMN version INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE annotations ADD COLUMN decided_by TEXT",
            "ALTER TABLE entity_links ADD COLUMN version INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE entity_links ADD COLUMN decided_by TEXT",
            "ALTER TABLE documents ADD COLUMN assigned_to TEXT",
            "ALTER TABLE edits ADD COLUMN author TEXT NOT NULL DEFAULT ''",
            "CREATE INDEX edits_author ON edits(author, undone, id)",
            "CREATE INDEX documents_assigned ON documents(assigned_to, position)",
            """CREATE TABLE decisions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                author TEXT NOT NULL,
                doc_id INTEGER NOT NULL,
                table_name TEXT NOT NULL,
                row_id INTEGER NOT NULL,
                status TEXT,
                value TEXT NOT NULL,
                predicate TEXT,
                origin TEXT,
                decided_at TEXT NOT NULL DEFAULT (datetime('now'))
            )""",
            "CREATE INDEX decisions_doc ON decisions(doc_id, author)",
        ],
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4, _v5]
VERSION = len(MIGRATIONS)


def _check_version(current: int, path: str) -> None:
    if current > VERSION:
        raise BadInput(
            f"{path}: written by a newer KG Studio (project format {current}, "
            f"this version reads up to {VERSION}); open it with that version"
        )


def migrate(db: sqlite3.Connection, path: str) -> None:
    """Bring the project at ``path`` (open on ``db``, autocommit mode) to :data:`VERSION`."""
    dialect = dialect_of(db)
    current = dialect.schema_version(db)
    _check_version(current, path)
    if current == VERSION:
        return
    db.execute("BEGIN EXCLUSIVE" if dialect.name == "sqlite" else dialect.begin)
    try:
        dialect.lock_for_migration(db)
        current = dialect.schema_version(db)  # another opener may have migrated meanwhile
        _check_version(current, path)
        if current == 0 and dialect.holds_other_tables(db):
            # Someone else's database: adding our tables to it would damage it.
            raise BadInput(f"{path}: {dialect.title}, but not a KG Studio project")
        for step in MIGRATIONS[current:]:
            step(db)
        dialect.set_schema_version(db, VERSION)
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
