"""The network, model folders and batched extraction, on tiny encoders."""

from __future__ import annotations

import numpy as np
import pytest

from core.encoder.tokenizer import Tokenizer, cut_vocabulary
from core.triples.model import TripleModel
from tests.conftest import TEXTS, TINY


def test_save_then_load_gives_identical_predictions(tiny_model: TripleModel, tmp_path) -> None:
    before = tiny_model.extract(TEXTS)
    assert sum(map(len, before)) > 0
    folder = tiny_model.save(tmp_path / "model")
    assert {p.name for p in folder.iterdir()} == {
        "model.json",
        "bert_config.json",
        "vocab.txt",
        "weights.h5",
    }
    loaded = TripleModel.load(folder)
    after = loaded.extract(TEXTS)
    assert [[(t.key(), t.subject_span, t.object_span) for t in ts] for ts in after] == [
        [(t.key(), t.subject_span, t.object_span) for t in ts] for ts in before
    ]
    # float16 storage: scores agree to storage precision
    for a, b in zip(before, after, strict=True):
        assert [t.score for t in a] == pytest.approx([t.score for t in b], abs=2e-3)


def test_every_span_is_an_exact_slice_of_the_original_text(tiny_model: TripleModel) -> None:
    texts = ["ＡＢＣ\u3000甲乙😀丙\u0301丁 Hello 2019年 cafe\u0301"]
    for text, triples in zip(texts, tiny_model.extract(texts), strict=True):
        assert triples
        for t in triples:
            assert text[t.subject_span.start : t.subject_span.end] == t.subject
            assert text[t.object_span.start : t.object_span.end] == t.object
            assert t.subject_type and t.object_type


def _fake_pointer_network(model: TripleModel, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replace the network by exact pointers: subjects are the character 甲,
    objects of predicate 0 the character 乙 (any 乙 in the window)."""
    vocab = model.tokenizer.vocab

    def fake(fn, first, second):
        if fn is model._encoder_fn:  # (token ids, segments) -> subject probs, "hidden states"
            tokens = np.vectorize(lambda i: vocab[i])(first)
            probs = np.zeros(first.shape + (2,))
            probs[tokens == "甲"] = 1.0
            return probs, first[..., None].astype("float32")  # hidden states carry the ids
        tokens = np.vectorize(lambda i: vocab[i])(first[..., 0].astype(int))
        probs = np.zeros(tokens.shape + (3, 2))
        probs[tokens == "乙", 0, :] = 1.0
        return probs

    monkeypatch.setattr(model, "_predict", fake)


def test_long_text_is_read_in_windows_and_merged(tiny_model: TripleModel, monkeypatch) -> None:
    _fake_pointer_network(tiny_model, monkeypatch)
    filler = "子丑寅卯辰巳午未申酉戌亥"
    # maxlen 16 -> windows of 14 tokens, stride 11: the pair at 10..13 sits in the
    # overlap of the first two windows and must come out once.
    text = "子丑寅卯辰巳午未申酉甲乙子丑" + filler * 3 + "甲午乙"
    (triples,) = tiny_model.extract([text])
    assert len(triples) == 1  # one (甲, 作者, 乙), found at several places
    (t,) = triples
    places = [(t.subject_span, t.object_span)] + [
        (o.subject_span, o.object_span) for o in t.occurrences
    ]
    found = [(s.start, o.start) for s, o in places]
    last_jia, last_yi = text.rindex("甲"), text.rindex("乙")
    assert (10, 11) in found
    assert (last_jia, last_yi) in found
    assert len(found) == len(set(found))
    assert all(text[s.start : s.end] == "甲" and text[o.start : o.end] == "乙" for s, o in places)


def test_a_document_is_read_sentence_by_sentence(tiny_model: TripleModel, monkeypatch) -> None:
    seen: list[list[str]] = []
    real = tiny_model._predict

    def spy(fn, *arrays):
        if fn is tiny_model._encoder_fn:
            tok = tiny_model.tokenizer
            seen.extend([tok.vocab[i] for i in row if i > 0] for row in arrays[0])
        return real(fn, *arrays)

    monkeypatch.setattr(tiny_model, "_predict", spy)
    sentences = ["甲是乙的作者。", "丙丁戊己！", "“子丑？”寅卯", "辰巳午未"]
    tiny_model.extract(["".join(sentences[:3]) + "\n" + sentences[3]])
    # Every model input is one sentence between [CLS] and [SEP].
    expected = ["甲是乙的作者。", "丙丁戊己！", "“子丑？”", "寅卯", "辰巳午未"]
    tok = tiny_model.tokenizer
    assert sorted(seen) == sorted(
        [tok.vocab[i] for i in tok.encode(piece).token_ids] for piece in expected
    )


def test_the_same_triple_in_several_sentences_is_one_triple(tiny_model, monkeypatch) -> None:
    _fake_pointer_network(tiny_model, monkeypatch)
    text = "甲和乙。子丑甲乙！寅卯甲是乙"
    (triples,) = tiny_model.extract([text])
    assert [t.key()[::2] for t in triples] == [("甲", "乙")]
    (t,) = triples
    starts = sorted([t.subject_span.start] + [o.subject_span.start for o in t.occurrences])
    assert starts == [0, 6, 11]
    assert all(text[o.object_span.start] == "乙" for o in t.occurrences)


def test_cancel_stops_a_long_document_between_batches(tiny_model, monkeypatch) -> None:
    from core.runtime.jobs import Cancelled, JobContext

    _fake_pointer_network(tiny_model, monkeypatch)
    calls = []
    ctx = JobContext(on_progress=lambda done, total, msg: calls.append(done))
    real = tiny_model._predict

    def cancel_after_first_batch(fn, *arrays):
        ctx.cancel()
        return real(fn, *arrays)

    monkeypatch.setattr(tiny_model, "_predict", cancel_after_first_batch)
    with pytest.raises(Cancelled):
        tiny_model.extract(["甲和乙。" * 20_000], batch_size=8, ctx=ctx)
    assert max(calls) <= 8 * len("甲和乙。")


def test_batched_extraction_equals_one_text_at_a_time(tiny_model: TripleModel) -> None:
    together = tiny_model.extract(TEXTS, batch_size=2)
    alone = [tiny_model.extract([t], batch_size=1)[0] for t in TEXTS]
    assert [[t.key() for t in ts] for ts in together] == [[t.key() for t in ts] for ts in alone]


def test_a_few_training_steps_reduce_the_loss(bert_tokenizer: Tokenizer) -> None:
    from core.compat import set_seed
    from core.encoder.optimizer import make_optimizer
    from core.formats.duie import Sentence, Triple
    from core.triples.network import build_triple_network
    from core.triples.samples import encode_training_sentence, training_batches

    set_seed(3)
    sentences = [
        Sentence("《红楼梦》的作者是曹雪芹", [Triple("红楼梦", "作者", "曹雪芹")]),
        Sentence("《围城》是钱钟书写的小说", [Triple("围城", "作者", "钱钟书")]),
    ]
    vocab, _ = cut_vocabulary(bert_tokenizer, [s.text for s in sentences])
    tok = Tokenizer(vocab)
    samples = [encode_training_sentence(tok, s, {"作者": 0}, 32) for s in sentences]
    assert all(samples)
    net = build_triple_network({**TINY, "vocab_size": len(tok)}, 1)
    net.train_model.compile(optimizer=make_optimizer(1e-3, 1, 40))
    batch = next(training_batches(samples, 1, 2, np.random.default_rng(0)))
    losses = [float(net.train_model.train_on_batch(batch)) for _ in range(30)]
    assert losses[-1] < 0.5 * losses[0]


def test_fast_object_head_matches_the_end_to_end_object_model(tiny_model: TripleModel) -> None:
    """Decoding reuses the encoder's hidden states for every subject; the result
    must equal running the whole network once per subject, as the article does."""
    from core.triples.decode import decode_objects, decode_subjects

    th = tiny_model.info.thresholds
    net = tiny_model.network
    texts = ["甲是乙的作者", "Hello 世界，甲和乙😀"]  # one window each, as the article needs
    for text, triples in zip(texts, tiny_model.extract(texts), strict=True):
        enc = tiny_model.tokenizer.encode(text, maxlen=tiny_model.info.maxlen)
        ids = np.array([enc.token_ids])
        segs = np.zeros_like(ids)
        n = len(enc.token_ids)
        expected = set()
        for s in decode_subjects(
            net.subject_model.predict([ids, segs], verbose=0)[0], 1, n - 2, th
        ):
            probs = net.object_model.predict([ids, segs, np.array([[s.start, s.end]])], verbose=0)[
                0
            ]
            for o, p in decode_objects(probs, 1, n - 2, th):
                expected.add((enc.offsets[s.start][0], p, enc.offsets[o.start][0]))
        got = {
            (
                t.subject_span.start,
                tiny_model.info.predicates.index(t.predicate),
                t.object_span.start,
            )
            for t in triples
        }
        assert got == expected


def test_thresholds_are_tuned_on_one_half_and_reported_on_the_other(
    tiny_model_dir, tmp_path
) -> None:
    from cli.app import main
    from core.formats.duie import Sentence, Span, Triple
    from core.triples.thresholds import tune_thresholds

    model = TripleModel.load(tiny_model_dir)
    gold = [
        Sentence(t, [Triple("甲", "作者", "乙", subject_span=Span(0, 1), object_span=Span(2, 3))])
        for t in ["甲是乙的作者", "甲和乙", "甲乙丙", "甲与乙"]
    ]
    result = tune_thresholds(model, gold)
    assert result["tune_sentences"] == 2 and result["report_sentences"] == 2
    assert len(result["grid"]) == 25
    assert result["tune_f1"] == max(f for _, _, f in result["grid"])
    # --write keeps the choice in model.json
    import shutil

    folder = tmp_path / "m"
    shutil.copytree(tiny_model_dir, folder)
    from tests.conftest import write_jsonl

    dev = write_jsonl(
        tmp_path / "dev.jsonl",
        [
            {"text": s.text, "spo_list": [{"subject": "甲", "predicate": "作者", "object": "乙"}]}
            for s in gold
        ],
    )
    assert main(["tune", "triples", "--model", str(folder), "--dev", str(dev), "--write"]) == 0
    assert TripleModel.load(folder).info.thresholds == result["thresholds"]
