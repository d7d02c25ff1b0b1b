"""The project file's tables, and migrations between versions of them.

``PRAGMA user_version`` holds the schema version. Opening a project applies
every missing migration in one transaction; a file written by a newer KG
Studio is refused rather than damaged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from core.errors import BadInput


def _v1(db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            extra TEXT NOT NULL DEFAULT '{}',
            key_order TEXT NOT NULL DEFAULT '[]',
            has_spo_list INTEGER NOT NULL DEFAULT 1,
            reviewed INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX documents_position ON documents(position);
        CREATE TABLE annotations (
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
        );
        CREATE INDEX annotations_doc ON annotations(doc_id, ord);
        -- One row per user edit; 'undone' rows form the redo side.
        CREATE TABLE edits (
            id INTEGER PRIMARY KEY,
            doc_id INTEGER NOT NULL,
            description TEXT NOT NULL,
            changes TEXT NOT NULL,
            undone INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL DEFAULT (datetime('now'))
        );
        CREATE TABLE models (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,
            version TEXT NOT NULL,
            path TEXT NOT NULL,
            created_at TEXT NOT NULL DEFAULT (datetime('now')),
            UNIQUE (name, version)
        );
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            params TEXT NOT NULL,
            result TEXT NOT NULL,
            started_at TEXT NOT NULL DEFAULT (datetime('now'))
        );
        """
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1]
VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection, path: str) -> None:
    current = db.execute("PRAGMA user_version").fetchone()[0]
    if current > VERSION:
        raise BadInput(
            f"{path}: written by a newer KG Studio (project format {current}, "
            f"this version reads up to {VERSION})"
        )
    if current == VERSION:
        return
    with db:
        for step in MIGRATIONS[current:]:
            step(db)
        db.execute(f"PRAGMA user_version = {VERSION}")
