"""The alias index is cached by the KB's content in the cache folder."""

from __future__ import annotations

import shutil

from core.linking.candidates import index_path_for, load_or_build_index
from core.linking.kb import KnowledgeBase
from tests.conftest import write_jsonl

KB = [{"subject_id": "1", "subject": "齐秦", "alias": ["小齐"], "type": [], "data": []}]


def test_the_index_follows_the_content_not_the_file(tmp_path, private_cache) -> None:
    kb_path = write_jsonl(tmp_path / "kb.jsonl", KB)
    first = load_or_build_index(KnowledgeBase.load(kb_path), kb_path)
    saved = index_path_for(kb_path)
    assert saved.is_file() and saved.is_relative_to(private_cache)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kb.jsonl"]  # nothing beside the KB

    copy = tmp_path / "copy.jsonl"
    shutil.copy(kb_path, copy)
    assert index_path_for(copy) == saved  # same content, same entry

    write_jsonl(kb_path, [*KB, {"subject_id": "2", "subject": "张三", "alias": []}])
    assert index_path_for(kb_path) != saved  # new content, never the stale entry
    second = load_or_build_index(KnowledgeBase.load(kb_path), kb_path)
    assert len(first) == 2 and len(second) == 3
    assert [c.entity_id for c in second.get_candidates("张三")] == ["2"]
    assert not list(private_cache.rglob("*.tmp"))
