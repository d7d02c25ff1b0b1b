"""Knowledge base reading and the alias index."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import ahocorasick
import pytest

from core.formats.errors import FormatError
from core.linking.candidates import (
    AliasIndex,
    ExactNames,
    index_path_for,
    load_or_build_index,
)
from core.linking.kb import Entity, KnowledgeBase, read_kb

ENTITIES = [
    {
        "subject_id": "1",
        "subject": "南京",
        "alias": ["金陵"],
        "type": ["Place"],
        "data": [{"predicate": "摘要", "object": "南京是江苏省会。"}],
    },
    {
        "subject_id": "2",
        "subject": "南京市长江大桥",
        "alias": [],
        "type": ["Thing"],
        "data": [{"predicate": "义项描述", "object": "长江上的桥"}],
    },
    {"subject_id": "3", "subject": "长江", "alias": [], "type": ["Place"], "data": []},
    {
        "subject_id": "4",
        "subject": "南京",
        "alias": [],
        "type": ["Movie"],
        "data": [{"predicate": "导演", "object": "某人"}],
    },
]


@pytest.fixture
def kb(tmp_path) -> KnowledgeBase:
    path = tmp_path / "kb_data"
    path.write_text(
        "\n".join(json.dumps(e, ensure_ascii=False) for e in ENTITIES), encoding="utf-8"
    )
    return KnowledgeBase.load(path)


def test_real_ccks_lines_load(data_dir) -> None:
    kb = KnowledgeBase.load(data_dir / "ccks_kb" / "kb_data")
    assert len(kb) == 23
    assert sum(len(ids) for ids in kb.by_name.values()) >= 23
    # two entities share the name 李军, and the last line has no line break
    assert kb.by_name["李军"] == ["10045", "10649"] and kb.get("361139").name == "咸豆浆"
    entity = kb.get("10001")
    assert entity.description().startswith("英雄联盟胜利系列皮肤")


def test_every_occurrence_is_found_with_overlaps_kept(kb) -> None:
    index = AliasIndex.build(kb)
    text = "南京市长江大桥在金陵"
    found = [(m.alias, m.start, m.end) for m in index.find(text)]
    assert ("南京市长江大桥", 0, 7) in found and ("南京", 0, 2) in found and ("长江", 3, 5) in found
    assert ("金陵", 8, 10) in found
    assert all(text[s:e] == a for a, s, e in found)
    longest = [(m.alias, m.start) for m in index.longest_matches(text)]
    assert longest == [("南京市长江大桥", 0), ("金陵", 8)]


def test_shared_aliases_give_every_entity_with_a_prior(kb) -> None:
    index = AliasIndex.build(kb)
    candidates = index.get_candidates("南京")
    assert {c.entity_id for c in candidates} == {"1", "4"}
    assert all(c.prior == 0.5 for c in candidates)
    assert index.get_candidates("北京") == []


def test_a_saved_index_loads_back_with_the_same_matches(kb, tmp_path) -> None:
    index = AliasIndex.build(kb)
    index.save(tmp_path / "kb.index")
    again = AliasIndex.load(tmp_path / "kb.index", kb)
    found = [
        (m.alias, m.start, [c.entity_id for c in m.candidates]) for m in again.find("金陵和南京")
    ]
    assert found == [("金陵", 0, ["1"]), ("南京", 3, ["1", "4"])]


class _Payload:
    """Unpickling one creates a file: the proof that code from the file ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_cached_index_of_pickled_objects_runs_none_and_is_rebuilt(kb, tmp_path) -> None:
    kb_path = tmp_path / "kb_data"
    load_or_build_index(kb, kb_path)
    saved = index_path_for(kb_path)
    # What a tampered cache could hold: the same aliases, in the same order,
    # each with a pickled object instead of its number.
    marker = tmp_path / "code-ran"
    tampered = ahocorasick.Automaton(ahocorasick.STORE_ANY)
    for name, _ in AliasIndex.build(kb).entries:
        tampered.add_word(name, _Payload(marker))
    tampered.make_automaton()
    tampered.save(str(saved), pickle.dumps)

    with pytest.raises(ValueError, match="not an index of alias numbers"):
        AliasIndex.load(saved, kb)
    index = load_or_build_index(kb, kb_path)
    assert not marker.exists()
    assert [
        (m.alias, m.start, [c.entity_id for c in m.candidates]) for m in index.find("金陵和南京")
    ] == [
        ("金陵", 0, ["1"]),
        ("南京", 3, ["1", "4"]),
    ]
    assert AliasIndex.load(saved, kb).get_candidates("长江")[0].entity_id == "3"  # cached again


def test_search_by_id_or_name(kb) -> None:
    assert [e.id for e in kb.search("3")] == ["3"]
    assert [e.id for e in kb.search("南京")][:2] == ["1", "4"]
    assert "2" in [e.id for e in kb.search("长江大桥")]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"subject": "x"}', 'expected a non-empty "subject_id" string, got nothing'),
        (
            '{"subject_id": "9", "subject": "x", "alias": "y"}',
            '"alias": expected a list of strings',
        ),
        ('{"subject_id": "9", "subject": "x", "data": [{"predicate": 1}]}', "data[0]: expected"),
        ('{"subject_id": "1", "subject": "again"}', "appears twice"),
    ],
)
def test_malformed_lines_are_reported_with_their_number(tmp_path, line, expected) -> None:
    path = tmp_path / "kb_data"
    path.write_text(
        json.dumps(ENTITIES[0], ensure_ascii=False) + "\n" + line + "\n", encoding="utf-8"
    )
    with pytest.raises(FormatError, match=rf"kb_data:2: .*{re.escape(expected[:20])}"):
        list(read_kb(path))


POETS = [
    Entity("1", "李白", ("青莲居士",), ("Human",), (("摘要", "唐代诗人。"), ("字", "太白"))),
    Entity("2", "李白", (), ("Song",), (("义项描述", "歌曲"), ("摘要", "李荣浩演唱的歌曲。"))),
    Entity("4", "长安", ("西安",), ("Place",), (("摘要", "唐代都城。"), ("人口", ""))),
]


def test_exact_names_give_the_candidates_the_alias_index_gives() -> None:
    kb = KnowledgeBase(POETS)
    index, names = AliasIndex.build(kb), ExactNames(kb)
    for mention in ("李白", "西安", "青莲居士", "长", "周杰伦"):
        assert names.get_candidates(mention) == index.get_candidates(mention)


def test_an_entity_is_described_by_its_summary_then_its_other_facts() -> None:
    song, _, city = POETS[1], POETS[0], POETS[2]
    assert song.summary() == ["李荣浩演唱的歌曲。", "歌曲"]  # the abstract first
    assert city.other_facts() == []  # a fact that says nothing is left out
    assert POETS[0].description() == "唐代诗人。；字：太白"
    assert song.description(6) == "李荣浩演唱的"
