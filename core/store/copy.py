"""``project copy``: a project moved whole from one engine to another (a file
to a server and back), ids, edit history, decisions and all, so that undo,
redo and agreement carry on in the copy as in the original."""

from __future__ import annotations

from core.errors import BadInput
from core.runtime.jobs import JobContext
from core.store.project import Project

# Parents before children (foreign keys), each in a stable order.
TABLES = (
    ("documents", "id"),
    ("annotations", "id"),
    ("entity_links", "id"),
    ("link_documents", "id"),
    ("edits", "id"),
    ("edit_changes", "edit_id, seq"),
    ("decisions", "id"),
    ("models", "id"),
    ("runs", "id"),
)
# Tables whose ids are never reused: the copy goes on counting where the original stopped.
_COUNTED = ("documents", "annotations", "entity_links", "edits", "decisions", "models", "runs")
_BATCH = 2000


def is_empty(project: Project) -> bool:
    return all(
        project.db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None
        for table, _ in TABLES
    )


def copy_project(source: Project, target: Project, ctx: JobContext | None = None) -> dict:
    """Copy every row of ``source`` into the empty project ``target`` in one
    transaction (all of it or nothing); returns the number of rows per table.
    BadInput if ``target`` holds anything already."""
    ctx = ctx or JobContext.null()
    if not is_empty(target):
        raise BadInput(f"{target.location}: already holds a project; copy into a new one")
    total = sum(
        source.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table, _ in TABLES
    )
    counts: dict[str, int] = {}
    done = 0
    with target.transaction() as db:
        for table, order in TABLES:
            columns = source.dialect.columns(source.db, table)
            wanted = set(target.dialect.columns(target.db, table))
            if set(columns) != wanted:
                raise BadInput(
                    f"{target.location}: its {table} table differs from {source.location}'s"
                )
            names = ", ".join(columns)
            insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"
            rows = source.db.execute(f"SELECT {names} FROM {table} ORDER BY {order}")
            n = 0
            while batch := rows.fetchmany(_BATCH):
                db.executemany(insert, [tuple(r) for r in batch])
                n += len(batch)
                done += len(batch)
                ctx.report(done, total, f"copied {done} of {total} rows")
            counts[table] = n
        for table in _COUNTED:
            target.dialect.set_next_id(db, table, source.dialect.next_id(source.db, table))
    return counts
