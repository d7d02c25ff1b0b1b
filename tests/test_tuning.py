"""One rule for every model: settings are chosen on one half of the held-out
data and reported on the other."""

from __future__ import annotations

import pytest

from core.errors import BadInput
from core.runtime.tuning import require_two_halves, split_held_out
from tests.test_trainer import tiny_linker


def test_even_items_choose_and_odd_items_report() -> None:
    assert split_held_out(list("abcde")) == (list("ace"), list("bd"))
    with pytest.raises(BadInput, match="at least 2"):
        require_two_halves(1, "sentences")


@pytest.fixture(scope="module")
def linker(bert_tokenizer):
    # Low thresholds so that an untrained network proposes mentions.
    return tiny_linker(bert_tokenizer, 5, seed=5, mention_start=0.3, mention_end=0.3)


def test_linker_thresholds_are_chosen_on_one_half_and_reported_on_the_other(
    linker, monkeypatch
) -> None:
    from core.linking.thresholds import ALIAS_GRID, FREE_SPAN_GRID, tune_thresholds

    model, kb, index, queries = linker
    seen: list[list[str]] = []
    score = model.score

    def recording(texts, *args, **kwargs):
        seen.append(list(texts))
        return score(texts, *args, **kwargs)

    monkeypatch.setattr(model, "score", recording)
    result = tune_thresholds(model, queries, kb, index)
    choose, report = split_held_out([q.text for q in queries])
    assert (result["tune_queries"], result["report_queries"]) == (3, 2)
    # Every alias threshold, then every other free-span threshold, on one half.
    tried = len(ALIAS_GRID) + len(FREE_SPAN_GRID) - 1
    assert seen[:tried] == [choose] * tried
    assert seen[tried:] and all(texts == report for texts in seen[tried:])
    assert result["tune_f1"] == max(g["f1"] for g in result["grid"])
    assert (model.info.alias_threshold, model.info.nil_threshold, model.info.mention_start) == (
        result["alias_threshold"],
        result["nil_threshold"],
        result["free_span_threshold"],
    )
    assert len(model.info.calibration) == 3 and "ece_calibrated" in result["report_calibration"]
    assert {"report_f1_before", "report_f1_after"} <= set(result)


def test_the_linker_s_nil_threshold_is_chosen_on_one_half_of_the_dev_queries_while_training(
    linker, monkeypatch
) -> None:
    import core.linking.training as training

    model, kb, index, queries = linker
    chosen_on: list[int] = []
    choose = training.calibrate_and_choose

    def recording(scored, gold):
        chosen_on.append(len(gold))
        return choose(scored, gold)

    monkeypatch.setattr(training, "calibrate_and_choose", recording)
    scores = training.evaluate_linker(model, queries, kb, index, tune=True)
    assert chosen_on == [3] and scores.n_gold == 2
