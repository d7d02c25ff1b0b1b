"""The messages between a parent and its child process.

Every message names the request it belongs to, so that whatever a child still
sends for a request the parent has given up on is recognised and dropped
instead of being taken for the answer to the next request.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Message(NamedTuple):
    id: int  # the request this message belongs to (0: none)
    kind: str  # a handler's name, or one of the kinds below
    payload: Any = None


# From the parent, besides a handler's name.
CANCEL = "cancel"
STOP = "stop"
# From the child.
PROGRESS = "progress"
PARTIAL = "partial"
RESULT = "result"
ERROR = "error"
CANCELLED = "cancelled"
FINAL = frozenset({RESULT, ERROR, CANCELLED})
RESERVED = frozenset({CANCEL, STOP, PROGRESS, PARTIAL}) | FINAL


class Progress(NamedTuple):
    """The one shape of progress, whatever the child is doing."""

    done: int
    total: int
    message: str = ""
