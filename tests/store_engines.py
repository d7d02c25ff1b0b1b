"""Fixtures that run the store's tests on both engines: a SQLite file and a
project on a real PostgreSQL server, a throwaway cluster started once per
test run (initdb + pg_ctl in a temporary folder, 127.0.0.1, a free port) and
stopped after it. No database is mocked."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ENGINES = ["sqlite", "postgresql"]
_names = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    from core.store.throwaway_server import ThrowawayServer

    server = ThrowawayServer(durable=False).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pg_url(pg_server) -> str:
    """A database on the test server; each test's projects are schemas in it."""
    return pg_server.create_database("kgs_tests")


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    return request.param


@pytest.fixture
def where(engine, tmp_path, request) -> Callable[[str], str | Path]:
    """``where(name)``: the location of a project named ``name`` on this
    test's engine: a file in tmp_path, or a fresh project on the server. The
    same name gives the same project within a test (to reopen it)."""
    if engine == "sqlite":
        return lambda name="p": tmp_path / f"{name}.kgs"
    url = request.getfixturevalue("pg_url")
    prefix = f"t{next(_names)}"
    return lambda name="p": f"{url}?project={prefix}_{name.lower()}"
