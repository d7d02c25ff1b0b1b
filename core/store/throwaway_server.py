"""A throwaway PostgreSQL cluster in a temporary folder, on 127.0.0.1, for the
tests and the team benchmark: ``initdb`` + ``pg_ctl`` from the distribution's
packages, a free port, trust authentication for local connections only.

PostgreSQL refuses to run as root, so when we are root the cluster belongs to
the ``postgres`` system user (made by the distribution's package) and its
commands run through ``runuser``; as anyone else they run as ourselves.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from core.errors import BadInput

SUPERUSER = "kgs"


def bin_dir() -> Path:
    """Where initdb and pg_ctl are: ``pg_config --bindir``, else the newest
    /usr/lib/postgresql/*/bin."""
    found = shutil.which("pg_config")
    if found:
        out = subprocess.run([found, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    for candidate in reversed(versions):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    raise BadInput("no PostgreSQL server binaries (initdb): install the postgresql package")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayServer:
    """``start()`` makes and starts the cluster, ``stop()`` stops it and removes
    its folder; ``restart()`` stops and starts it on the same port (what a
    server restart looks like to its clients)."""

    def __init__(self, durable: bool = True) -> None:
        # Not durable (fsync off): for tests, where a power cut loses nothing of value.
        self.durable = durable
        self.bin = bin_dir()
        self.as_root = os.geteuid() == 0
        # As root, in /tmp: a TMPDIR under root's home is out of the postgres user's reach.
        self.folder = Path(tempfile.mkdtemp(prefix="kgs-pg-", dir="/tmp" if self.as_root else None))
        self.port = _free_port()
        self._started = False

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.folder / "log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{args[0]} failed ({result.returncode}): {result.stderr.strip()}\n{tail}"
            )

    def start(self) -> ThrowawayServer:
        if self.as_root:
            shutil.chown(self.folder, "postgres")
        if not self.data.exists():
            self._run(
                "initdb", "-D", str(self.data), "-A", "trust", "-U", SUPERUSER,
                "-E", "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions",
            )  # fmt: skip
        for attempt in range(3):
            try:
                self._pg_ctl_start()
                break
            except RuntimeError:
                if attempt == 2:
                    raise
                self.port = _free_port()  # someone took the free port meanwhile
        self._started = True
        return self

    def _pg_ctl_start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
            " -c max_connections=60 -c shared_buffers=32MB"
        )
        if not self.durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
            "-w", "-t", "60", "start",
        )  # fmt: skip

    def restart(self, down_for: float = 0.0) -> None:
        """Stop at once (open connections are cut) and start again."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        time.sleep(down_for)
        self._pg_ctl_start()

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if self._started:
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except RuntimeError:
                pass
            self._started = False
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> ThrowawayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
