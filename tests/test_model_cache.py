"""The child's model slot: one model, reloaded when its folder's content changes."""

from __future__ import annotations

import os

from core.runtime.model_cache import SingleSlot, folder_key


def test_the_model_slot_keeps_one_model_keyed_on_the_folder_s_content(tmp_path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        folder.mkdir()
        (folder / "model.json").write_text('{"thresholds": {"subject_start": 0.6}}')
        (folder / "weights.h5").write_bytes(b"w" * 10)
    loads: list[str] = []
    slot: SingleSlot[str] = SingleSlot()

    def get(folder) -> str:
        return slot.get(folder_key(folder), lambda: loads.append(folder.name) or folder.name)

    assert get(a) == get(a) == "a" and loads == ["a"]
    # the same size, the same second: only the content tells
    meta = a / "model.json"
    stat = meta.stat()
    meta.write_text('{"thresholds": {"subject_start": 0.7}}')
    os.utime(meta, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert get(a) == "a" and loads == ["a", "a"]
    (a / "weights.h5").write_bytes(b"w" * 11)
    assert get(a) == "a" and loads == ["a", "a", "a"]
    assert get(b) == "b" and get(a) == "a" and loads[3:] == ["b", "a"]  # one slot
