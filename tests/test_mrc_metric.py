"""The CMRC 2018 metric against examples worked out by hand with the
official rule (segments: Chinese characters one by one, other runs as words
and marks; the script's punctuation list removed; longest common run; best
over the references)."""

from __future__ import annotations

import pytest

from core.mrc.metric import exact_match, f1_score, score_predictions, segments


def test_segments_split_chinese_by_character_and_latin_by_word():
    assert segments("2009年Apple Inc.发布") == ["2009", "年", "apple", "inc", ".", "发", "布"]
    assert segments("《红楼梦》", drop_punctuation=True) == ["红", "楼", "梦"]


@pytest.mark.parametrize(
    ("refs", "pred", "em", "f1"),
    [
        (["北京大学"], "北京", 0.0, 2 / 3),  # common run 2 of 2 predicted, 4 reference
        (["《红楼梦》"], "红楼梦", 1.0, 1.0),  # 《》 are in the official list
        (["1990年", "1990"], "1990", 1.0, 1.0),  # the best reference counts
        (["Apple Inc.公司"], "apple公司", 0.0, 0.5),  # run 公司: P 2/3, R 2/5
        (["甲,乙"], "甲乙", 0.0, 0.4),  # an ASCII comma is not in the list: P 1/2, R 1/3
        (["甲乙"], "", 0.0, 0.0),
        (["乙甲丙"], "甲乙丙", 0.0, 1 / 3),  # a run, not a bag: no two characters in a row agree
    ],
)
def test_hand_computed_scores(refs, pred, em, f1):
    assert exact_match(refs, pred) == em
    assert f1_score(refs, pred) == pytest.approx(f1)


def test_a_question_without_a_prediction_scores_zero():
    gold = {"a": ["北京"], "b": ["上海"], "c": ["广州"]}
    scores = score_predictions(gold, {"a": "北京", "b": "上海市"})
    assert scores.n == 3 and scores.answered == 2
    assert scores.em == pytest.approx(1 / 3)
    assert scores.f1 == pytest.approx((1 + 0.8) / 3)
    assert scores.summary() == {"em": 0.3333, "f1": 0.6, "n": 3}
