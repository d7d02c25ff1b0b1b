"""The tuning rules: a denser stride must pay for the windows it adds, a
length penalty for what it changes; the pointer has no length penalty."""

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


def _tune_mrc(monkeypatch, method: str, f1_by_penalty: dict[float, float]) -> dict:
    monkeypatch.setattr(tuning, "f1_with_stride", lambda model, qs, stride, ctx: 0.4)
    monkeypatch.setattr(
        tuning, "f1_with_penalty", lambda model, qs, penalty, ctx: f1_by_penalty[penalty]
    )
    monkeypatch.setattr(tuning, "f1_with", lambda *args, **kwargs: 0.5)
    layout = Layout(question_len=8, passage_len=100, answer_len=8, stride=75)
    info = SimpleNamespace(layout=layout, length_penalty=0.0, method=method)
    return tuning.tune_mrc(SimpleNamespace(info=info), list(range(10)))


def test_the_length_penalty_is_chosen_like_a_stride_for_generating_answerers(monkeypatch):
    # 5 questions choose, one is 0.2 of F1: the plainest penalty within 0.2
    # of the best, so a steady climb is followed
    scores = {0.0: 0.30, 0.5: 0.38, 1.0: 0.46, 1.5: 0.54, 2.0: 0.62}
    result = _tune_mrc(monkeypatch, "seq2seq", scores)
    assert result["length_penalty"] == 1.0 and result["stride"] == 75
    assert [r["length_penalty"] for r in result["grid"] if "length_penalty" in r] == [
        0.0,
        0.5,
        1.0,
        1.5,
        2.0,
    ]
    flat = dict.fromkeys(scores, 0.3)
    assert _tune_mrc(monkeypatch, "mlm", {**flat, 2.0: 0.45})["length_penalty"] == 0.0
    # the pointer's two decisions per answer leave nothing to compare
    pointer = _tune_mrc(monkeypatch, "pointer", scores)
    assert pointer["length_penalty"] == 0.0
    assert not any("length_penalty" in r for r in pointer["grid"])
