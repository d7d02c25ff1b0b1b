"""The alias prior and the ranker's calibration: what a user of the Linking
tab relies on when common words are left alone and one NIL threshold holds."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import BadInput
from core.linking.alias_prior import AliasPrior, text_counts
from core.linking.calibration import (
    IDENTITY,
    apply_calibration,
    candidate_pairs,
    expected_calibration_error,
    fit_calibration,
)
from core.linking.model import LinkerInfo, ScoredMention
from core.linking.queries import NIL, UNLINKED, Mention, Query


def _texts():
    # 曝光 occurs in ordinary sentences and is a mention once, as a title;
    # 梅兰芳 is annotated wherever it occurs.
    ordinary = [text_counts(f"这件事被曝光了{i}", []) for i in range(9)]
    titled = text_counts("《曝光》是一首歌", [(1, 3)])
    names = [text_counts(f"梅兰芳演出{i}", [(0, 3)]) for i in range(3)]
    return ordinary + [titled] + names


def test_a_common_word_has_a_low_prior_and_a_name_a_high_one() -> None:
    prior = AliasPrior.learn(_texts())
    common, evidence = prior.of("曝光")
    name, _ = prior.of("梅兰芳")
    assert common < 0.2 and name > 0.8
    assert 0 < evidence <= 1
    assert prior.of("从未见过") == (0.0, 0.0)  # unknown: no evidence either way


def test_a_training_text_does_not_read_its_own_label() -> None:
    texts = _texts()
    prior = AliasPrior.learn(texts)
    titled = texts[9]
    # Without the text itself, 曝光 was never a mention.
    assert prior.of("曝光", titled)[0] < prior.of("曝光")[0]
    lonely = AliasPrior.learn([text_counts("孤例出现", [(0, 2)])], min_texts=1)
    assert lonely.of("孤例")[0] > 0.5
    assert lonely.of("孤例", text_counts("孤例出现", [(0, 2)])) == (0.0, 0.0)


def test_unannotated_spans_do_not_count_as_occurrences() -> None:
    counts = text_counts("我爱北京天安门", [], ignored=[(2, 4)])
    assert "北京" not in counts.occurs and "天安" in counts.occurs


def test_the_prior_round_trips_and_a_damaged_file_is_refused(tmp_path) -> None:
    prior = AliasPrior.learn(_texts())
    path = tmp_path / "alias_prior.json"
    path.write_text(prior.to_json(), encoding="utf-8")
    assert AliasPrior.read(path).counts == prior.counts
    path.write_text('{"format": 1, "strings": {"曝光": [1]}}', encoding="utf-8")
    with pytest.raises(BadInput, match="曝光"):
        AliasPrior.read(path)


def test_calibration_turns_overconfident_scores_into_probabilities() -> None:
    rng = np.random.default_rng(0)
    # Ranker scores far surer than the truth, and spans the mention head
    # doubts are rarely right whatever the ranker says.
    raw = rng.uniform(0.02, 0.999, 5000)
    mention = rng.uniform(0.02, 0.999, 5000)
    truth = rng.random(5000) < apply_calibration(raw, mention, (0.5, -1.8, 1.0))
    before = expected_calibration_error(raw, truth)
    fitted = fit_calibration(raw, mention, truth)
    after = expected_calibration_error(apply_calibration(raw, mention, fitted), truth)
    assert before > 0.2 and after < 0.05
    assert fitted == pytest.approx((0.5, -1.8, 1.0), abs=0.2)
    assert fit_calibration([0.3, 0.8], [0.9, 0.9], [1, 1]) == IDENTITY  # one label: left alone


def test_calibration_pairs_count_spans_that_are_no_mention_as_wrong() -> None:
    gold = [
        Query("1", "曝光了苹果", [Mention(3, 5, "苹果", "1")], {UNLINKED: [[0, 2]]}),
        Query("2", "香蕉", [Mention(0, 2, "香蕉", NIL)]),
        Query("3", "爱情很好", []),
    ]
    scored = [
        [
            ScoredMention(3, 5, "苹果", 0.9, [("1", 0.7), ("2", 0.6)]),
            ScoredMention(0, 2, "曝光", 0.5, [("9", 0.4)]),  # unlinked span: left out
        ],
        [ScoredMention(0, 2, "香蕉", 0.9, [("3", 0.4)])],
        [ScoredMention(0, 2, "爱情", 0.3, [("5", 0.8)])],  # an ordinary word
    ]
    scores, mentions, labels = candidate_pairs(scored, gold)
    assert list(zip(scores, labels, strict=True)) == [(0.7, 1), (0.6, 0), (0.4, 0), (0.8, 0)]
    assert mentions == [0.9, 0.9, 0.9, 0.3]


def test_a_linker_folder_written_before_the_prior_reads_three_features() -> None:
    old = {"task": "link", "format_version": 1, "maxlen": 64}
    info = LinkerInfo.from_json(old, "model.json")
    assert info.alias_features == 3 and not info.reads_prior and info.pair_features == 0
    assert not info.sense_first
    assert info.calibration == IDENTITY
    assert LinkerInfo().reads_prior and LinkerInfo().pair_features == 4
    two = LinkerInfo.from_json({**old, "calibration": [0.5, -1.0]}, "model.json")
    assert two.calibration == (0.5, -1.0, 0.0)


def test_context_that_shares_a_fact_with_a_description_scores_higher() -> None:
    from core.linking.pair_features import pair_features

    text = "《记忆》是钢琴家理查德演奏的曲子"
    singer = "摘要：记忆是歌手王菲演唱的歌曲；歌曲原唱：王菲"
    pianist = "摘要：记忆是理查德演奏的钢琴曲；乐器：钢琴"
    a = pair_features(text, 1, 3, singer)
    b = pair_features(text, 1, 3, pianist)
    assert (b[:3] > a[:3]).all() and b[3] > a[3]


def test_the_mention_score_is_written_beside_the_link_score() -> None:
    m = ScoredMention(0, 2, "苹果", 0.83, [("1", 0.71)]).decide(0.5)
    assert m.to_json()["score"] == 0.71 and m.to_json()["mention_score"] == 0.83
