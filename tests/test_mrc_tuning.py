"""The stride rule: a denser stride must pay for the windows it adds."""

from types import SimpleNamespace

import pytest

import core.mrc.tuning as tuning
from core.mrc.windows import Layout


def _tune(monkeypatch, f1_by_stride: dict[int, float], questions: int = 10) -> dict:
    def scripted(model, qs, stride, ctx):
        return f1_by_stride[stride]

    monkeypatch.setattr(tuning, "f1_with_stride", scripted)
    layout = Layout(question_len=8, passage_len=100, answer_len=8, stride=75)
    model = SimpleNamespace(info=SimpleNamespace(layout=layout))
    return tuning.tune_stride(model, list(range(questions)))


def test_a_smaller_stride_that_wins_by_less_than_a_question_is_not_chosen(monkeypatch):
    # 5 questions choose: one question is 0.2 of F1.
    result = _tune(monkeypatch, {75: 0.40, 50: 0.45, 25: 0.55})
    assert result["stride"] == 75
    assert [row["stride"] for row in result["grid"]] == [75, 50, 25]


def test_a_smaller_stride_that_wins_by_a_question_or_more_is_chosen(monkeypatch):
    assert _tune(monkeypatch, {75: 0.40, 50: 0.45, 25: 0.66})["stride"] == 25
    # It must beat every larger stride, not only the one chosen so far.
    assert _tune(monkeypatch, {75: 0.40, 50: 0.62, 25: 0.70})["stride"] == 50


@pytest.mark.parametrize("questions", [0, 1])
def test_too_few_questions_are_refused(monkeypatch, questions):
    with pytest.raises(Exception, match="at least 2"):
        _tune(monkeypatch, {75: 0.4, 50: 0.4, 25: 0.4}, questions)
