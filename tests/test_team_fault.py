"""The team benchmark's checks in small: annotators on a server that
restarts in the middle lose no acknowledged decision, duplicate none, and
report every conflict."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_a_server_restart_loses_no_acknowledged_decision() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "team_load.py"), "--clients", "2",
         "--decisions", "30", "--documents", "200", "--pause", "0.01", "--hot", "0.5",
         "--timeout", "120"],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    phases = {
        r["phase"]: r for r in (json.loads(x) for x in out.stdout.splitlines() if x.startswith("{"))
    }
    assert set(phases) == {"steady", "fault"}, out.stdout + out.stderr
    for phase in phases.values():
        assert phase["client_exit_codes"] == [0, 0]
        assert phase["decisions"] == 60
        assert phase["acknowledged"] + phase["conflicts"] == 60
        assert phase["conflicts_reported"] == phase["conflicts"]
        assert (phase["lost"], phase["duplicated"]) == (0, 0)
    # The restart cut the clients' connections; they reconnected and carried on.
    assert phases["fault"]["retried"] >= 1
    assert "server restarted after" in out.stdout
