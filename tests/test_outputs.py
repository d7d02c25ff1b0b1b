"""The output guard: refused outputs, missing and read-only folders, atomic writes."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

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


NOBODY = 65534


def _check_output_as_nobody(path: Path) -> str:
    """check_output run in a child process that has given up root (whom a
    folder's permissions do not stop): its error message, or "" when it passed."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            try:
                os.setgid(NOBODY)
                os.setuid(NOBODY)
                check_output(path)
                message = ""
            except OutputError as e:
                message = str(e)
            except BaseException as e:  # reported to the parent, which shows it
                message = f"the child failed: {e!r}"
            os.write(write, message.encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        message = f.read().decode()
    os.waitpid(pid, 0)
    return message


def test_a_read_only_folder_is_refused_before_anything_runs() -> None:
    # A folder of its own under the system's temporary folder, so that a
    # user other than root can reach it; owned by the user who writes.
    base = Path(tempfile.mkdtemp())
    folder = base / "ro"
    folder.mkdir()
    try:
        if os.geteuid() == 0:
            base.chmod(0o755)
            os.chown(folder, NOBODY, NOBODY)
            assert _check_output_as_nobody(folder / "out.jsonl") == ""
            folder.chmod(0o555)
            message = _check_output_as_nobody(folder / "out.jsonl")
        else:
            assert check_output(folder / "out.jsonl") == folder / "out.jsonl"
            folder.chmod(0o555)
            with pytest.raises(OutputError) as e:
                check_output(folder / "out.jsonl")
            message = str(e.value)
        assert message.startswith(f"{folder / 'out.jsonl'}: cannot write in the folder")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)
        shutil.rmtree(base)


def test_atomic_writes_name_the_users_path_and_leave_no_temporary_file(tmp_path) -> None:
    target = tmp_path / "missing" / "out.jsonl"
    with pytest.raises(OutputError) as e, atomic_write_text(target) as f:
        f.write("x")
    assert str(target) in str(e.value) and ".tmp" not in str(e.value)
    with pytest.raises(RuntimeError), atomic_write_text(tmp_path / "out.txt") as f:
        f.write("half")
        raise RuntimeError("stop")
    assert list(tmp_path.iterdir()) == []
