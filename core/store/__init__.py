"""The project store: a SQLite file or a project on a PostgreSQL server."""

from core.store.history import ConflictError, History
from core.store.project import Project, ProjectLockedError
from core.store.records import STATUSES, Annotation, Document, DocumentSummary, Edit

__all__ = [
    "STATUSES",
    "Annotation",
    "ConflictError",
    "Document",
    "DocumentSummary",
    "Edit",
    "History",
    "Project",
    "ProjectLockedError",
]
