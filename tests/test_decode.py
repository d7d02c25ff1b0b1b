"""Decoding rules on hand-made probability arrays, and window placement."""

from __future__ import annotations

import numpy as np

from core.triples.decode import Thresholds, decode_objects, decode_subjects, window_starts


def test_each_subject_start_takes_the_nearest_end_at_or_after_it() -> None:
    probs = np.zeros((10, 2))
    probs[2, 0] = 0.9  # start
    probs[3, 1] = 0.7  # nearest end
    probs[6, 1] = 0.9  # a later, stronger end: not taken
    probs[5, 0] = 0.8  # second subject ...
    probs[5, 1] = 0.55  # ... one token long
    spans = decode_subjects(probs, 1, 8)
    assert [(s.start, s.end) for s in spans] == [(2, 3), (5, 5)]
    assert spans[0].start_prob == 0.9 and spans[0].end_prob == 0.7


def test_subject_thresholds_are_strict_and_configurable() -> None:
    probs = np.zeros((6, 2))
    probs[1] = [0.6, 0.6]  # exactly at the start threshold: not a start
    assert decode_subjects(probs, 1, 4) == []
    lenient = Thresholds(subject_start=0.5)
    assert [(s.start, s.end) for s in decode_subjects(probs, 1, 4, lenient)] == [(1, 1)]


def test_cls_sep_and_padding_never_start_or_end_a_span() -> None:
    probs = np.ones((8, 2))
    spans = decode_subjects(probs, 1, 3)  # real tokens are 1..3
    assert [(s.start, s.end) for s in spans] == [(1, 1), (2, 2), (3, 3)]


def test_a_start_without_any_end_after_it_gives_nothing() -> None:
    probs = np.zeros((6, 2))
    probs[1, 1] = 0.9
    probs[3, 0] = 0.9
    assert decode_subjects(probs, 1, 4) == []


def test_object_end_must_belong_to_the_same_predicate() -> None:
    probs = np.zeros((10, 3, 2))
    probs[2, 0, 0] = 0.9  # predicate 0 starts at 2
    probs[3, 1, 1] = 0.9  # an end of predicate 1: ignored for predicate 0
    probs[4, 0, 1] = 0.8  # predicate 0 ends at 4
    probs[6, 2, 0] = 0.7  # predicate 2: start and end at 6
    probs[6, 2, 1] = 0.7
    found = decode_objects(probs, 1, 8)
    assert [((s.start, s.end), p) for s, p in found] == [((2, 4), 0), ((6, 6), 2)]


def test_windows_cover_every_token_with_overlap() -> None:
    assert window_starts(10, 16, 12) == [0]
    starts = window_starts(100, 30, 22)
    assert starts[0] == 0 and starts[-1] == 70
    covered = set()
    for s in starts:
        covered.update(range(s, s + 30))
    assert covered == set(range(100))
    assert all(b - a <= 22 for a, b in zip(starts, starts[1:], strict=False))
