"""What each span of the Triples tab looks like, decided without Qt."""

from __future__ import annotations

from core.formats.duie import Span
from core.store.records import Annotation
from gui.triple_looks import arcs_for, position_key, position_label, span_styles

TEXT = "《红豆》是王菲演唱的歌曲，收录在专辑《唱游》中"


def triple(
    ann_id: int,
    s: tuple[int, int],
    o: tuple[int, int],
    status: str,
    predicate: str = "歌手",
    others: list[tuple[tuple[int, int], tuple[int, int]]] = (),
) -> Annotation:
    extra = {"occurrences": [{"subject_span": list(a), "object_span": list(b)} for a, b in others]}
    return Annotation(
        ann_id, 1, TEXT[s[0] : s[1]], "", predicate, TEXT[o[0] : o[1]], "",
        Span(*s), Span(*o), 0.9, "model@1", status, extra,
    )  # fmt: skip


def looks(styles, start: int, end: int) -> list[tuple[str, str]]:
    return [(x.look, x.mark) for x in styles if (x.start, x.end) == (start, end)]


def test_each_decision_has_its_own_look() -> None:
    styles = span_styles(
        [
            triple(1, (1, 3), (5, 7), "accepted"),
            triple(2, (1, 3), (19, 21), "predicted", "所属专辑"),
            triple(3, (5, 7), (19, 21), "rejected", "代表作品"),
        ]
    )
    assert looks(styles, 5, 7) == [("confirmed", "")]  # the rejected subject 王菲 is live elsewhere
    assert looks(styles, 19, 21) == [("tentative", "")]  # so is its object 唱游
    assert looks(styles, 1, 3) == [("tentative", ""), ("confirmed", "")]  # confirmed drawn last
    assert [x.look for x in styles] == sorted(
        (x.look for x in styles), key=["rejected", "tentative", "confirmed"].index
    )


def test_a_rejected_span_is_rejected_only_where_no_live_span_covers_it() -> None:
    styles = span_styles(
        [
            triple(1, (5, 7), (1, 3), "edited"),
            triple(2, (5, 9), (1, 3), "rejected"),  # 王菲演唱: overlaps the live 王菲
        ]
    )
    assert looks(styles, 7, 9) == [("rejected", "")]
    assert looks(styles, 5, 9) == []
    assert [(x.start, x.end) for x in styles if x.look == "rejected"] == [(7, 9)]


def test_the_selected_triple_marks_every_place_it_was_found() -> None:
    a = triple(1, (1, 3), (5, 7), "predicted", others=[((19, 21), (5, 7)), ((1, 3), (19, 21))])
    styles = span_styles([a], selected_id=1)
    marks = [(x.start, x.end, x.role, x.mark) for x in styles if x.mark]
    assert marks[-2:] == [(1, 3, "subject", "primary"), (5, 7, "object", "primary")]
    assert sorted(marks[:-2]) == [
        (1, 3, "subject", "other"),
        (5, 7, "object", "other"),
        (19, 21, "object", "other"),
        (19, 21, "subject", "other"),
    ]
    arcs = arcs_for(a)
    assert [(x.subject, x.object, x.label, x.primary) for x in arcs] == [
        ((1, 3), (5, 7), "歌手", True),
        ((19, 21), (5, 7), "", False),
        ((1, 3), (19, 21), "", False),
    ]
    assert {x.look for x in arcs} == {"tentative"}


def test_a_rejected_triple_keeps_its_look_when_selected() -> None:
    a = triple(1, (1, 3), (5, 7), "rejected")
    assert {(x.look, x.mark) for x in span_styles([a], selected_id=1) if x.mark} == {
        ("rejected", "primary")
    }
    assert [x.look for x in arcs_for(a)] == ["rejected"]


def test_position_counts_characters_from_one_and_places() -> None:
    a = triple(1, (1, 3), (5, 7), "predicted", others=[((19, 21), (5, 7)), ((1, 3), (19, 21))])
    assert position_label(a) == "2–7 ×3"
    assert position_label(triple(2, (19, 21), (5, 7), "accepted")) == "6–21"
    assert position_key(a) < position_key(triple(2, (5, 7), (19, 21), "accepted"))
