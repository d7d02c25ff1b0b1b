"""Who works on a project: each decision and each edit is recorded under a
person's name, and undo walks only one's own edits."""

from __future__ import annotations

import getpass
import os

from core.errors import BadInput

USER_VARIABLE = "KGSTUDIO_USER"


def check_name(name: str) -> str:
    """A person's name as stored: stripped, 1 to 64 printable characters."""
    if not isinstance(name, str) or not name.strip():
        raise BadInput("a person's name must not be empty")
    name = name.strip()
    if len(name) > 64 or not name.isprintable():
        raise BadInput(f"a person's name must be at most 64 printable characters, got {name!r}")
    return name


def default_user() -> str:
    """The name to record when none is given: ``KGSTUDIO_USER``, else the login name."""
    name = os.environ.get(USER_VARIABLE)
    if not name:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "me"
    return check_name(name)
