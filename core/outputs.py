"""The one check every command runs on where it is told to write, and how a
folder it writes replaces the old one.

Run before anything slow (reading a large file, loading a model): a run that
would end by failing to write, or by overwriting its own input, the project,
the knowledge base or the model, is refused at once. Messages name the path
as the user wrote it.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import OutputError

Protected = tuple[str | Path | None, str]  # (path, what it is: "the input", ...)


def _inside(child: Path, parent: Path) -> bool:
    return child != parent and child.is_relative_to(parent)


def _same(a: Path, b: Path) -> bool:
    if a == b:
        return True
    # Hard links and bind mounts resolve to different names for one file.
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _probe(folder: Path, shown: str, user_path: str) -> None:
    """Create and remove a file: os.access is wrong for root and for read-only
    mounts, and only a real write tells."""
    probe = folder / f".kgstudio-probe-{secrets.token_hex(4)}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        reason = e.strerror or type(e).__name__
        raise OutputError(f"{user_path}: cannot write in the folder {shown} ({reason})") from None
    os.close(fd)
    try:
        os.remove(probe)
    except OSError:
        pass


def check_output(
    path: str | Path,
    protect: Iterable[Protected] = (),
    folder: bool = False,
) -> Path:
    """``path`` when it can be written: its folder exists and takes new files,
    it is not (and, for a folder output, does not contain) anything in
    ``protect``, and it does not lie inside a protected folder. ``folder``:
    the output is a folder (a model, a checkpoint), else a file."""
    user = str(path)
    out = Path(path).expanduser().resolve()
    for item, what in protect:
        if item is None or str(item) == "":
            continue
        p = Path(item).expanduser().resolve()
        if _same(out, p):
            raise OutputError(f"{user}: is {what}; choose another output (it would be replaced)")
        if _inside(p, out):
            raise OutputError(f"{user}: contains {what} ({item}); choose another output")
        if p.is_dir() and _inside(out, p):
            raise OutputError(f"{user}: is inside {what} ({item}); choose another output")
    if out.exists():
        if folder and not out.is_dir():
            raise OutputError(f"{user}: is a file, expected a folder")
        if not folder and out.is_dir():
            raise OutputError(f"{user}: is a folder, expected a file")
    parent = out.parent
    shown = str(Path(path).parent) if str(Path(path).parent) != "." else "."
    if not parent.exists():
        raise OutputError(f"{user}: the folder {shown} does not exist")
    if not parent.is_dir():
        raise OutputError(f"{user}: {shown} is not a folder")
    _probe(parent, shown, user)
    if folder and out.is_dir():
        _probe(out, user, user)
    return Path(path)


def check_run_output(path: str | Path, protect: Iterable[Protected], state: Path | None) -> Path:
    """:func:`check_output` for the folder a training or an export writes,
    which also must not replace a folder holding files it did not write (a
    model, a checkpoint): only a run that has its resume state ``state``
    may write over its own output again. ``state`` None: no run resumes."""
    check_output(path, protect, folder=True)
    out = Path(path)
    if out.is_dir() and any(out.iterdir()) and not (state is not None and state.exists()):
        raise OutputError(
            f"{path}: already holds files this run did not write (a model?); choose another "
            "output, or delete it to start anew"
            + (f" (a run continues only from its own state, {state.name}/)" if state else "")
        )
    return out


@contextmanager
def replacing_folder(folder: Path, keep_others: bool = False) -> Iterator[Path]:
    """An empty folder to write ``folder``'s new contents into; once the block
    ends, it takes ``folder``'s place at once, so a reader never sees half of
    the old and half of the new. If the block fails, ``folder`` is as it
    was. With ``keep_others``, files of the old folder not written anew
    are kept."""
    tmp = folder.with_name(folder.name + ".saving")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not folder.exists():
        os.replace(tmp, folder)
        return
    if keep_others:
        for path in folder.iterdir():
            if path.is_file() and not (tmp / path.name).exists():
                shutil.copy2(path, tmp / path.name)
    old = folder.with_name(folder.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    os.replace(folder, old)
    os.replace(tmp, folder)
    shutil.rmtree(old)
