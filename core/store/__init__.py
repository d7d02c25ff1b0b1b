"""The project store: one SQLite file per project."""

from core.store.history import History
from core.store.project import Project, ProjectLockedError
from core.store.records import STATUSES, Annotation, Document, DocumentSummary, Edit

__all__ = [
    "STATUSES",
    "Annotation",
    "Document",
    "DocumentSummary",
    "Edit",
    "History",
    "Project",
    "ProjectLockedError",
]
