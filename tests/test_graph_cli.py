"""The `cluster` command: one JSON summary line, result files, exit code 2 on bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cli.app import main
from core.graph.io import read_clu, read_tree
from tests.conftest import ROOT

KEYS = {
    "method",
    "nodes",
    "edges",
    "levels",
    "modules",
    "codelength",
    "modularity",
    "nmi",
    "ami",
    "seconds",
}


def _summary(capsys) -> dict:
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_infomap_on_football_with_truth_writes_a_clu(data_dir, tmp_path, capsys) -> None:
    out = tmp_path / "football.clu"
    football = data_dir / "networks" / "football.gml"
    assert (
        main(["cluster", "--input", str(football), "--truth", "value", "--output", str(out)]) == 0
    )
    summary = _summary(capsys)
    assert set(summary) == KEYS
    assert summary["method"] == "infomap" and summary["nodes"] == 115 and summary["edges"] == 613
    assert summary["nmi"] > 0.9 and summary["ami"] > 0.85 and summary["codelength"] > 0
    assert len(read_clu(out)) == 115


def test_multilevel_tree_and_truth_file(data_dir, tmp_path, capsys) -> None:
    out = tmp_path / "nine.tree"
    args = ["cluster", "--input", str(data_dir / "networks" / "ninetriangles.net")]
    assert main([*args, "--trials", "10", "--output", str(out)]) == 0
    summary = _summary(capsys)
    assert summary["levels"] == 3 and summary["modules"] == 5
    assert summary["codelength"] == pytest.approx(3.371875, abs=1e-6)
    assert summary["nmi"] is None and summary["ami"] is None
    tree = read_tree(out)
    assert len(tree) == 27 and max(len(p) for p in tree.values()) == 2
    assert out.read_text(encoding="utf-8").startswith("# codelength 3.37187503 bits")
    # the tree just written serves as ground truth for a two-level run
    assert (
        main([*args, "--two-level", "--truth", str(out), "--output", str(tmp_path / "t.clu")]) == 0
    )
    assert _summary(capsys)["nmi"] < 1.0


def test_louvain_json_has_no_codelength(data_dir, tmp_path, capsys) -> None:
    out = tmp_path / "karate.json"
    karate = data_dir / "networks" / "karate.net"
    args = ["cluster", "--input", str(karate), "--method", "louvain", "--seed", "1"]
    assert main([*args, "--output", str(out)]) == 0
    summary = _summary(capsys)
    assert summary["codelength"] is None and summary["modularity"] > 0.4
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["summary"] == summary and data["method"] == "louvain"
    assert len(data["nodes"]) == 34 and sum(m["size"] for m in data["modules"]) == 34


def test_directed_flag_reads_links_as_arcs(data_dir, tmp_path, capsys) -> None:
    two = data_dir / "networks" / "twotriangles.net"
    out = str(tmp_path / "d.clu")
    assert main(["cluster", "--input", str(two), "--output", out]) == 0
    undirected = _summary(capsys)["codelength"]
    assert main(["cluster", "--input", str(two), "--directed", "--output", out]) == 0
    directed = _summary(capsys)["codelength"]
    assert directed == pytest.approx(1.808241, abs=1e-6) and undirected != directed


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--output", "x.png"], "expected a .clu, .tree or .json file"),
        (["--method", "lpa", "--trials", "3", "--output", "x.clu"], "only for --method infomap"),
        (["--trials", "0", "--output", "x.clu"], "--trials 0"),
        (["--markov-time", "-1", "--output", "x.clu"], "--markov-time"),
        (["--truth", "conference", "--output", "x.clu"], "neither a .clu/.tree file"),
    ],
)
def test_bad_options_exit_with_code_2(data_dir, tmp_path, capsys, extra, message) -> None:
    karate = str(data_dir / "networks" / "karate.net")
    extra = [str(tmp_path / e) if e.startswith("x.") else e for e in extra]
    assert main(["cluster", "--input", karate, *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err
    assert len(captured.err.strip().splitlines()) == 1


def test_bad_input_files_exit_with_code_2(data_dir, tmp_path, capsys) -> None:
    bad = tmp_path / "bad.net"
    bad.write_text("1 2\n2 three four\n", encoding="utf-8")
    assert main(["cluster", "--input", str(bad), "--output", str(tmp_path / "o.clu")]) == 2
    assert f"{bad}:2: expected 'source target [weight]'" in capsys.readouterr().err
    states = data_dir / "networks" / "states.net"
    assert main(["cluster", "--input", str(states), "--output", str(tmp_path / "o.clu")]) == 2
    assert "unsupported section *States" in capsys.readouterr().err
    missing = tmp_path / "absent.gml"
    assert main(["cluster", "--input", str(missing), "--output", str(tmp_path / "o.clu")]) == 2
    assert not (tmp_path / "o.clu").exists()


def test_the_command_loads_no_tensorflow_and_no_qt(data_dir, tmp_path) -> None:
    code = (
        "import sys; from cli.app import main; "
        f"rc = main(['cluster', '--input', {str(data_dir / 'networks' / 'karate.net')!r}, "
        f"'--output', {str(tmp_path / 'k.clu')!r}]); "
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('tensorflow', 'keras', 'PySide6', 'pyqtgraph', 'gui')]; "
        "print(heavy); sys.exit(rc)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"
