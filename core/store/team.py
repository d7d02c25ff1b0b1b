"""Several people on one project: who is to review which document, who has
decided what, what others changed since a window last looked, and a
database role per annotator on a server.

Assigning is not an edit (nobody undoes a hand-out of work); it is written
at once, and a document is given to a person only while it is unassigned,
so two leads handing out work at the same time never give one document to
two people by accident.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from core.errors import BadInput
from core.store.people import check_name
from core.store.project import Project


@dataclass(frozen=True)
class Person:
    name: str
    assigned: int  # documents assigned to them
    reviewed: int  # of those, marked reviewed
    decisions: int  # decisions on triples and links, undo and redo included


@dataclass(frozen=True)
class Changes:
    """What others changed since a mark: the documents to redraw, and the
    mark to ask from next time."""

    mark: int
    doc_ids: tuple[int, ...]


class Team:
    """The people side of one open :class:`Project`."""

    def __init__(self, project: Project) -> None:
        self.project = project

    @property
    def db(self):  # noqa: ANN201 - the project's connection, either engine
        return self.project.db

    # -- assignment --------------------------------------------------------------------

    def assign(
        self,
        person: str,
        count: int | None = None,
        doc_ids: Iterable[int] | None = None,
        filter: str = "unreviewed",
    ) -> list[int]:
        """Give ``person`` documents nobody has yet: ``doc_ids``, or the first
        ``count`` in reading order that pass ``filter`` (a filter of
        :meth:`Project.documents`). Returns the ids given, in reading order."""
        person = check_name(person)
        if doc_ids is None:
            if count is None or count < 1:
                raise BadInput("say how many documents to assign (a count of at least 1)")
            candidates = [d.id for d in self.project.documents(filter, assigned="unassigned")]
        else:
            candidates = list(doc_ids)
            known = {i for i, _ in self.project.texts(candidates)}
            missing = [i for i in candidates if i not in known]
            if missing:
                raise BadInput(f"no document {missing[0]} in {self.project.location}")
        given: list[int] = []
        with self.project.transaction() as db:
            for doc_id in candidates:
                if count is not None and len(given) >= count:
                    break
                cur = db.execute(
                    "UPDATE documents SET assigned_to = ? WHERE id = ? AND assigned_to IS NULL",
                    (person, doc_id),
                )
                if cur.rowcount == 1:
                    given.append(doc_id)
        return given

    def unassign(self, doc_ids: Iterable[int]) -> int:
        """Take the documents back from whoever has them; returns how many."""
        n = 0
        with self.project.transaction() as db:
            for doc_id in doc_ids:
                n += db.execute(
                    "UPDATE documents SET assigned_to = NULL WHERE id = ?"
                    " AND assigned_to IS NOT NULL",
                    (doc_id,),
                ).rowcount
        return n

    def assigned_to(self, doc_id: int) -> str | None:
        row = self.db.execute("SELECT assigned_to FROM documents WHERE id = ?", (doc_id,))
        found = row.fetchone()
        if found is None:
            raise KeyError(f"no document {doc_id}")
        return found[0]

    def people(self) -> list[Person]:
        """Everyone who has documents or has decided anything, by name."""
        count_if = self.project.dialect.count_if
        assigned = {
            r[0]: (r[1], r[2])
            for r in self.db.execute(
                f"SELECT assigned_to, COUNT(*), COALESCE({count_if('reviewed != 0')}, 0)"
                " FROM documents WHERE assigned_to IS NOT NULL GROUP BY assigned_to"
            )
        }
        decided = {
            r[0]: r[1]
            for r in self.db.execute(
                "SELECT author, COUNT(*) FROM decisions"
                " WHERE table_name IN ('annotations', 'entity_links') GROUP BY author"
            )
        }
        names = sorted(set(assigned) | set(decided))
        return [
            Person(n, assigned.get(n, (0, 0))[0], assigned.get(n, (0, 0))[1], decided.get(n, 0))
            for n in names
        ]

    # -- what others did meanwhile ----------------------------------------------------

    def mark(self) -> int:
        """Where :meth:`changes_since` starts: now."""
        return self.db.execute("SELECT COALESCE(MAX(id), 0) FROM decisions").fetchone()[0]

    def changes_since(self, mark: int) -> Changes:
        """The documents that other people's decisions (edits, undo, redo,
        review marks) touched after ``mark``: a window polls this and
        redraws only those."""
        rows = self.db.execute(
            "SELECT id, doc_id, author FROM decisions WHERE id > ? ORDER BY id", (mark,)
        ).fetchall()
        docs = dict.fromkeys(r[1] for r in rows if r[2] != self.project.user)
        return Changes(rows[-1][0] if rows else mark, tuple(docs))

    # -- database roles (a server only) ------------------------------------------------

    def grant(self, role: str) -> None:
        """Let the database role ``role`` (made if missing, without a
        password: set one with ALTER ROLE, or use the server's own
        authentication) read and write this project's tables and nothing
        else of the database. Needs a role that may create roles."""
        server = self.project.server
        if server is None:
            raise BadInput(f"{self.project.location}: roles exist only on a server")
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", role):
            raise BadInput(f"role name {role!r}: lower-case letters, digits and _ only")
        db = self.db
        exists = db.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (role,)).fetchone()
        # Identifiers cannot be parameters; both were checked against a strict pattern.
        schema = f'"{server.schema}"'
        statements = [] if exists else [f'CREATE ROLE "{role}" LOGIN']
        statements += [
            f'GRANT USAGE ON SCHEMA {schema} TO "{role}"',
            f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO "{role}"',
            f'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO "{role}"',
            f'REVOKE CREATE ON SCHEMA {schema} FROM "{role}"',
        ]
        with self.project.transaction():
            for statement in statements:
                db.execute(statement)
