"""What the trainer must get right: the weight average, per-source label masks,
and scores on each source's own predicates."""

from __future__ import annotations

import numpy as np

from core.evaluation import score_by_source
from tests.conftest import TINY


def _tiny_bert_model(vocab_size: int = 40):
    from core.compat import bert4keras
    from core.encoder.bert import build_bert

    b4k = bert4keras()
    keras = b4k.keras
    bert = build_bert({**TINY, "vocab_size": vocab_size})
    out = keras.layers.Lambda(lambda x: b4k.K.mean(x, axis=[1, 2]))(bert.model.output)
    model = keras.models.Model(bert.model.inputs, out)
    return model


def test_the_average_starts_late_and_updates_gathered_embeddings_once_per_step() -> None:
    from core.compat import set_seed
    from core.encoder.optimizer import WeightAverage, make_optimizer

    set_seed(0)
    model = _tiny_bert_model()
    model.compile(optimizer=make_optimizer(1e-2, 1, 100), loss="mse")
    embedding = next(w for w in model.weights if "Embedding-Token" in w.name)
    average = WeightAverage(model, momentum=0.9, start_step=3)
    ids = np.array([[2, 5, 7, 9, 3]])
    x, y = [ids, np.zeros_like(ids)], np.array([1.0])
    expected = None
    for step in range(1, 9):
        model.train_on_batch(x, y)
        average.update(step)
        raw = embedding.numpy()
        if step < 3:
            assert not average.active
        elif step == 3:
            expected = raw.copy()
        else:
            expected = 0.9 * expected + 0.1 * raw
    raw = embedding.numpy()
    with average.applied():
        # Gathered (sparse) variables are averaged exactly once per step: no
        # drift of the averaged embeddings away from the raw ones.
        np.testing.assert_allclose(embedding.numpy(), expected, rtol=1e-5, atol=1e-7)
        ratio = np.linalg.norm(embedding.numpy()) / np.linalg.norm(raw)
        assert 0.9 < ratio < 1.1
    np.testing.assert_array_equal(embedding.numpy(), raw)


def test_an_unannotated_predicate_adds_no_loss() -> None:
    from core.compat import set_seed
    from core.triples.network import build_triple_network

    set_seed(0)
    net = build_triple_network({**TINY, "vocab_size": 40}, 3)
    net.train_model.compile(optimizer="adam")
    ids = np.array([[2, 5, 7, 9, 3], [2, 6, 8, 3, 0]])
    subject_labels = np.zeros((2, 5, 2), "float32")
    subject_ids = np.array([[1, 2], [1, 1]], "int32")
    labels = np.zeros((2, 5, 3, 2), "float32")
    other = labels.copy()
    other[:, 1:3, 2, :] = 1  # predicate 2: positives here, absent there
    masked = np.array([[1, 1, 0], [1, 1, 0]], "float32")
    full = np.ones((2, 3), "float32")

    def loss(object_labels, mask):
        inputs = [ids, np.zeros_like(ids), subject_labels, subject_ids, object_labels, mask]
        return float(net.train_model.test_on_batch(inputs))

    assert loss(labels, masked) == loss(other, masked)
    assert loss(labels, full) < loss(other, full)


def test_each_source_is_scored_on_the_predicates_it_annotates() -> None:
    gold = [
        ("duie1", [("甲", "出生地", "北京"), ("乙", "作者", "丙")]),
        ("duie2", [("丁", "作者", "戊")]),
    ]
    predicted = [
        [("甲", "出生地", "北京"), ("乙", "作者", "丙")],
        [("丁", "作者", "戊"), ("丁", "出生地", "上海")],  # duie2 never labels 出生地
    ]
    sources = {"duie2": frozenset({"作者"})}
    scores = score_by_source(gold, predicted, sources)
    assert scores["own"].f1 == 1.0
    assert scores["together"].n_pred == 4 and scores["together"].n_correct == 3
    assert scores["duie2"].n_pred == 1 and scores["duie1"].n_gold == 2


def test_some_training_sentences_end_with_a_full_stop_and_keep_their_spans() -> None:
    from core.formats.duie import Sentence, Span, Triple
    from core.triples.training import with_full_stops

    t = Triple("甲", "作者", "乙", subject_span=Span(0, 1), object_span=Span(2, 3))
    sentences = [Sentence(f"甲写乙{k}", [t]) for k in range(400)] + [Sentence("甲写乙。", [t])]
    out = with_full_stops(sentences, 0.5, seed=1)
    stopped = [s for s in out[:400] if s.text.endswith("。")]
    assert 150 < len(stopped) < 250
    assert out[400].text == "甲写乙。"
    assert all(s.triples[0].subject_span == Span(0, 1) for s in out)
    assert with_full_stops(sentences, 0.5, seed=1) == out
