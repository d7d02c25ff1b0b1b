"""Entity swapping keeps every training label true to the new text."""

from __future__ import annotations

import numpy as np

from core.formats.duie import Sentence, Span, Triple
from core.triples.augment import entity_pools, swap_entities, with_swapped_entities


def _pools() -> dict[str, list[str]]:
    people = [f"人{i:02d}号" for i in range(30)]
    films = [f"片{i:02d}" for i in range(30)]
    return entity_pools(
        [
            Sentence(
                f"《{f}》由{p}执导",
                [Triple(f, "导演", p, "影视作品", "人物")],
            )
            for f, p in zip(films, people, strict=True)
        ]
    )


def test_swapped_sentence_keeps_labels_at_their_new_places() -> None:
    text = "《霸王别姬》是陈凯歌执导的电影，陈凯歌因此获奖"
    s = Sentence(
        text,
        [
            Triple(
                "霸王别姬",
                "导演",
                "陈凯歌",
                "影视作品",
                "人物",
                subject_span=Span(1, 5),
                object_span=Span(16, 19),
            )
        ],
    )
    out = swap_entities(s, _pools(), np.random.default_rng(0))
    t = out.triples[0]
    assert (t.subject, t.object) != ("霸王别姬", "陈凯歌")
    assert t.subject.startswith("片") and t.object.endswith("号")
    # every occurrence got the same new name, the rest of the text is intact
    assert out.text == f"《{t.subject}》是{t.object}执导的电影，{t.object}因此获奖"
    assert out.text[t.subject_span.start : t.subject_span.end] == t.subject
    # the recorded span is the second mention, moved with the text
    assert out.text[t.object_span.start : t.object_span.end] == t.object
    assert t.object_span.start > out.text.index(t.object)
    # the original is untouched
    assert s.text == text and s.triples[0].subject == "霸王别姬"


def test_overlapping_names_are_left_alone() -> None:
    # 周杰伦 lies inside 周杰伦演唱会: swapping one would break the other's label.
    s = Sentence(
        "周杰伦演唱会由周杰伦主办",
        [Triple("周杰伦演唱会", "主办", "周杰伦", "影视作品", "人物")],
    )
    assert swap_entities(s, _pools(), np.random.default_rng(0)) is s


def test_types_without_a_pool_and_rate_zero_change_nothing() -> None:
    s = Sentence("甲公司成立于北京", [Triple("甲公司", "总部", "北京", "企业", "地点")])
    assert swap_entities(s, _pools(), np.random.default_rng(0)) is s
    films = [
        Sentence("《片01》由人02号执导", [Triple("片01", "导演", "人02号", "影视作品", "人物")])
    ]
    assert with_swapped_entities(films, _pools(), 0.0, np.random.default_rng(0)) == films


def test_same_seed_same_sentences() -> None:
    s = [
        Sentence("《片01》由人02号执导", [Triple("片01", "导演", "人02号", "影视作品", "人物")])
    ] * 5
    a = with_swapped_entities(s, _pools(), 1.0, np.random.default_rng([42, 3]))
    b = with_swapped_entities(s, _pools(), 1.0, np.random.default_rng([42, 3]))
    assert [x.text for x in a] == [x.text for x in b]
    assert len({x.text for x in a}) > 1
