"""The output guard: refused outputs, missing and read-only folders, atomic writes."""

from __future__ import annotations

import os

import pytest

from core.errors import OutputError
from core.formats.jsonl import atomic_write_text
from core.outputs import check_output


def test_an_output_equal_to_a_protected_path_is_refused(tmp_path) -> None:
    data = tmp_path / "data.jsonl"
    data.write_text("x\n", encoding="utf-8")
    with pytest.raises(OutputError, match="is the input"):
        check_output(data, [(data, "the input")])
    # The same file under another name.
    with pytest.raises(OutputError, match="is the input"):
        check_output(tmp_path / "." / "data.jsonl", [(str(data), "the input")])
    os.link(data, tmp_path / "hard.jsonl")
    with pytest.raises(OutputError, match="is the input"):
        check_output(tmp_path / "hard.jsonl", [(data, "the input")])


def test_folders_that_hold_or_are_held_by_protected_paths_are_refused(tmp_path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    with pytest.raises(OutputError, match="inside the model folder"):
        check_output(model / "out.jsonl", [(model, "the model folder")])
    data = tmp_path / "d" / "train.jsonl"
    data.parent.mkdir()
    data.write_text("x\n", encoding="utf-8")
    with pytest.raises(OutputError, match="contains the training data"):
        check_output(tmp_path / "d", [(data, "the training data")], folder=True)


def test_missing_folders_and_wrong_kinds_are_named_as_given(tmp_path) -> None:
    with pytest.raises(OutputError) as e:
        check_output("no/such/out.jsonl")
    assert str(e.value) == "no/such/out.jsonl: the folder no/such does not exist"
    with pytest.raises(OutputError, match="is a folder, expected a file"):
        check_output(tmp_path)
    (tmp_path / "f").write_text("", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file, expected a folder"):
        check_output(tmp_path / "f", folder=True)
    assert check_output(tmp_path / "new.jsonl") == tmp_path / "new.jsonl"
    assert list(tmp_path.iterdir()) == [tmp_path / "f"]  # the probe is gone


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in read-only folders")
def test_a_read_only_folder_is_refused_before_anything_runs(tmp_path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(OutputError, match="cannot write in the folder"):
            check_output(folder / "out.jsonl")
    finally:
        folder.chmod(0o755)


def test_atomic_writes_name_the_users_path_and_leave_no_temporary_file(tmp_path) -> None:
    target = tmp_path / "missing" / "out.jsonl"
    with pytest.raises(OutputError) as e, atomic_write_text(target) as f:
        f.write("x")
    assert str(target) in str(e.value) and ".tmp" not in str(e.value)
    with pytest.raises(RuntimeError), atomic_write_text(tmp_path / "out.txt") as f:
        f.write("half")
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []
