"""Where a project lives: a file (``P.kgs``, SQLite) or a PostgreSQL server
(``postgresql://user@host:port/db?project=NAME``).

On a server each project is a schema of its own in the database, named
``kgs_NAME``. A password may be written in the URL but is better kept in the
libpq password file (``~/.pgpass``, or the file ``PGPASSFILE`` names), which
the driver reads by itself; either way :func:`shown` never prints it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from core.errors import BadInput

SCHEMES = ("postgresql", "postgres")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,50}")
SCHEMA_PREFIX = "kgs_"


@dataclass(frozen=True)
class ServerProject:
    conninfo: str  # the URL without ``project``, as libpq reads it
    name: str  # the project's name; its tables are in schema kgs_<name>

    @property
    def schema(self) -> str:
        return SCHEMA_PREFIX + self.name

    def __str__(self) -> str:
        return shown(self.url)

    @property
    def url(self) -> str:
        parts = urlsplit(self.conninfo)
        query = parse_qsl(parts.query, keep_blank_values=True) + [("project", self.name)]
        return urlunsplit(parts._replace(query=urlencode(query)))


def is_url(location: str | Path) -> bool:
    return isinstance(location, str) and location.split(":", 1)[0].lower() in SCHEMES


def parse(location: str | Path) -> Path | ServerProject:
    """A file path, or the server project a ``postgresql://`` URL names
    (BadInput, without the password, for a URL that names none)."""
    if not is_url(location):
        return Path(location)
    text = str(location)
    parts = urlsplit(text)
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = [v for k, v in query if k == "project"]
    if len(names) != 1:
        raise BadInput(
            f"{shown(text)}: expected one ?project=NAME naming the project on the server"
        )
    if not _NAME.fullmatch(names[0]):
        raise BadInput(
            f"{shown(text)}: project name {names[0]!r} must be lower-case letters, digits"
            " and _ (starting with a letter, at most 51)"
        )
    if not parts.path.strip("/"):
        raise BadInput(f"{shown(text)}: expected the database's name after the host")
    rest = urlencode([(k, v) for k, v in query if k != "project"])
    return ServerProject(urlunsplit(parts._replace(query=rest)), names[0])


def shown(location: str | Path) -> str:
    """The location as it may be printed: a URL's password replaced by ``***``."""
    if not is_url(location):
        return str(location)
    parts = urlsplit(str(location))
    netloc = parts.netloc
    if "@" in netloc:
        credentials, host = netloc.rsplit("@", 1)
        if ":" in credentials:
            credentials = credentials.split(":", 1)[0] + ":***"
        netloc = f"{credentials}@{host}"
    query = [
        (k, "***" if k == "password" else v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe="*")))


def without_password(location: str) -> str:
    """The location as it may be kept (in settings): a URL without its password."""
    if not is_url(location):
        return location
    parts = urlsplit(location)
    netloc = parts.netloc
    if "@" in netloc:
        credentials, host = netloc.rsplit("@", 1)
        netloc = f"{credentials.split(':', 1)[0]}@{host}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "password"]
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query)))
