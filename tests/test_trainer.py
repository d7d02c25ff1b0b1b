"""The shared trainer: a run interrupted (cancel, Ctrl-C) and resumed ends
with the weights and records of a run never interrupted; every model family
keeps its state in the same layout; a state of the earlier layouts resumes."""

from __future__ import annotations

import json
import os
import shutil
import signal

import numpy as np
import pytest

from core.runtime.jobs import Cancelled, JobContext
from core.runtime.training_state import state_folder
from tests.conftest import TINY

SUBJECTS = [a + b for a in "春夏秋冬" for b in "山水风月云雨"]
PEOPLE = [a + b for a in "张王李赵" for b in "明华强芳丽军"]


def _eager(model) -> None:
    """Keras' compiled step rounds differently depending on the batch shapes
    traced before it, which a resumed run meets in another order; eager steps
    do not, so resumed and uninterrupted runs compare bit for bit."""
    compile_model = model.compile
    model.compile = lambda **kwargs: compile_model(run_eagerly=True, **kwargs)


def _sentences():
    from core.formats.duie import Sentence, Span, Triple

    out = []
    for k, (book, person) in enumerate(zip(SUBJECTS, PEOPLE, strict=True)):
        text = f"{book}是{person}写的书" if k % 2 else f"{person}写了{book}"
        s, o = text.index(book), text.index(person)
        triple = Triple(
            book,
            "作者",
            person,
            subject_type="图书作品",
            object_type="人物",
            subject_span=Span(s, s + 2),
            object_span=Span(o, o + 2),
        )
        out.append(Sentence(text, [triple]))
    return out


@pytest.fixture(scope="module")
def triple_setup(bert_tokenizer):
    from core.compat import set_seed
    from core.encoder.tokenizer import Tokenizer, cut_vocabulary
    from core.triples.model import TripleModel, TripleModelInfo

    sentences = _sentences()
    vocab, _ = cut_vocabulary(bert_tokenizer, [s.text + "。" for s in sentences])
    info = TripleModelInfo(
        predicates=["作者", "导演"],
        schema=[{"subject_type": "图书作品", "predicate": "作者", "object_type": "人物"}],
        maxlen=16,
    )
    set_seed(3)
    model = TripleModel.create(info, TINY, Tokenizer(vocab))
    _eager(model.network.train_model)
    return model, model.network.train_model.get_weights(), sentences


def _train_triples(setup, out, ctx=None):
    from core.triples.training import TrainSettings, train_triples

    model, initial, sentences = setup
    model.network.train_model.set_weights(initial)
    settings = TrainSettings(
        epochs=3,
        batch_size=8,
        warmup_steps=2,
        ema_momentum=0.5,
        ema_start=2,
        entity_swap_rate=0.5,
        save_every=2,
    )
    return train_triples(model, sentences[:-4], sentences[-4:], out, settings, ctx)


def _without_time(history):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in history]


def _cancel_at(step: int) -> JobContext:
    def on_progress(done: int, total: int, message: str) -> None:
        if done == step:
            ctx.cancel()

    ctx = JobContext(on_progress)
    return ctx


def test_a_cancelled_triple_run_resumes_to_the_same_weights_and_records(
    triple_setup, tmp_path
) -> None:
    model = triple_setup[0]
    whole = _train_triples(triple_setup, tmp_path / "whole" / "m")
    expected = [w.copy() for w in model.network.train_model.get_weights()]
    out = tmp_path / "parts" / "m"
    # 20 sentences in batches of 8: 3 steps an epoch; cancelled inside the second.
    with pytest.raises(Cancelled):
        _train_triples(triple_setup, out, _cancel_at(4))
    saved = json.loads((state_folder(out) / "progress.json").read_text())
    assert (saved["epoch"], saved["step_in_epoch"], saved["step"]) == (1, 1, 4)
    resumed = _train_triples(triple_setup, out)
    assert _without_time(resumed["history"]) == _without_time(whole["history"])
    assert [r["epoch"] for r in resumed["history"]] == [1, 2, 3]
    for got, want in zip(model.network.train_model.get_weights(), expected, strict=True):
        np.testing.assert_array_equal(got, want)
    assert json.loads((out.parent / "m.history.json").read_text()) == resumed["history"]


def test_a_state_of_the_earlier_triple_loop_resumes(triple_setup, tmp_path) -> None:
    """The loop before the shared trainer kept no global step and called the
    best score best_f1: a run it left half-way continues to the same end."""
    model = triple_setup[0]
    whole = _train_triples(triple_setup, tmp_path / "whole" / "m")
    expected = [w.copy() for w in model.network.train_model.get_weights()]
    out = tmp_path / "old" / "m"
    with pytest.raises(Cancelled):
        _train_triples(triple_setup, out, _cancel_at(5))
    path = state_folder(out) / "progress.json"
    saved = json.loads(path.read_text())
    best = saved.pop("best_score")
    del saved["step"], saved["seconds"]
    path.write_text(json.dumps({**saved, "best_f1": -1.0 if best is None else best}))
    resumed = _train_triples(triple_setup, out)
    assert _without_time(resumed["history"]) == _without_time(whole["history"])
    for got, want in zip(model.network.train_model.get_weights(), expected, strict=True):
        np.testing.assert_array_equal(got, want)


QUERIES = [
    ("a", "我吃了苹果", 3, "苹果", "1"),
    ("b", "苹果公司发布了手机", 0, "苹果公司", "2"),
    ("c", "香蕉很甜", 0, "香蕉", "3"),
    ("d", "平安果是苹果", 0, "平安果", "1"),
    ("e", "他买了香蕉", 3, "香蕉", "3"),
]


def tiny_linker(bert_tokenizer, n_queries: int, seed: int, **info):
    """A tiny linker, the knowledge base it links to, its alias index, and
    ``n_queries`` annotated queries."""
    from core.compat import set_seed
    from core.encoder.tokenizer import Tokenizer, cut_vocabulary
    from core.linking.candidates import AliasIndex
    from core.linking.kb import KnowledgeBase
    from core.linking.model import LinkerInfo, LinkerModel
    from core.linking.queries import Mention, Query
    from tests.test_linking_model import KB_A

    kb = KnowledgeBase(KB_A)
    queries = [
        Query(i, text, [Mention(at, at + len(name), name, kb_id)])
        for i, text, at, name, kb_id in QUERIES[:n_queries]
    ]
    texts = [q.text for q in queries] + [e.description() for e in KB_A] + ["【】"]
    vocab, _ = cut_vocabulary(bert_tokenizer, texts)
    set_seed(seed)
    info = LinkerInfo(maxlen=32, pair_maxlen=64, **info)
    return LinkerModel.create(info, TINY, Tokenizer(vocab)), kb, AliasIndex.build(kb), queries


@pytest.fixture(scope="module")
def linker_setup(bert_tokenizer):
    model, kb, index, queries = tiny_linker(bert_tokenizer, 4, seed=4)
    # Dropout draws from TensorFlow's own random stream, which a resumed run
    # starts afresh: like the encoder (TINY), the tiny ranker drops nothing.
    model.network.train_model.get_layer("ranker_dropout").rate = 0.0
    _eager(model.network.train_model)
    return model, model.network.train_model.get_weights(), kb, index, queries


def _train_linker(setup, out, ctx=None):
    from core.linking.training import LinkTrainSettings, train_linker

    model, initial, kb, index, queries = setup
    model.network.train_model.set_weights(initial)
    settings = LinkTrainSettings(
        epochs=2, batch_size=2, warmup_steps=1, random_negatives=1, save_every=3
    )
    return train_linker(model, kb, index, queries, queries, out, settings, ctx)


def test_a_linker_run_stopped_by_ctrl_c_resumes_to_the_same_weights_and_records(
    linker_setup, tmp_path
) -> None:
    model = linker_setup[0]
    whole = _train_linker(linker_setup, tmp_path / "whole" / "l")
    expected = [w.copy() for w in model.network.train_model.get_weights()]
    steps = whole["history"][0]["step"]
    assert steps >= 3

    def press_ctrl_c(done: int, total: int, message: str) -> None:
        if done == steps + 1:
            os.kill(os.getpid(), signal.SIGINT)

    out = tmp_path / "parts" / "l"
    with pytest.raises(KeyboardInterrupt):
        _train_linker(linker_setup, out, JobContext(press_ctrl_c))
    saved = json.loads((state_folder(out) / "progress.json").read_text())
    assert (saved["epoch"], saved["step"]) == (1, steps + 1)
    resumed = _train_linker(linker_setup, out)
    assert _without_time(resumed["history"]) == _without_time(whole["history"])
    for got, want in zip(model.network.train_model.get_weights(), expected, strict=True):
        np.testing.assert_array_equal(got, want)


def _pretrain(tmp_path, bert_tokenizer, out, steps):
    from core.encoder.mlm import MlmSettings, pretrain_mlm
    from core.encoder.tokenizer import Tokenizer, cut_vocabulary

    texts = [s.text for s in _sentences()]
    vocab, _ = cut_vocabulary(bert_tokenizer, texts)
    settings = MlmSettings(maxlen=16, batch_size=4, steps=steps, warmup_steps=1)
    return pretrain_mlm(texts, Tokenizer(vocab), TINY, out, settings)


def test_every_family_keeps_its_state_in_one_layout(
    triple_setup, linker_setup, bert_tokenizer, tmp_path
) -> None:
    _train_triples(triple_setup, tmp_path / "t")
    _train_linker(linker_setup, tmp_path / "l")
    summary = _pretrain(tmp_path, bert_tokenizer, tmp_path / "mlm", 3)
    assert summary["steps"] == 3 and (tmp_path / "mlm" / "bert_config.json").is_file()
    assert not (tmp_path / "mlm" / "state").exists()
    layouts = []
    for name in ("t", "l", "mlm"):
        folder = tmp_path / f"{name}.state"
        progress = json.loads((folder / "progress.json").read_text())
        layouts.append(({p.name for p in folder.iterdir()} - {"average.npz"}, set(progress)))
        assert (tmp_path / f"{name}.history.json").is_file()
    assert layouts[0] == layouts[1] == layouts[2]
    assert layouts[0][0] == {"progress.json", "weights.h5", "optimizer.npz"}


def test_pre_training_left_in_the_old_place_is_moved_and_continued(
    bert_tokenizer, tmp_path
) -> None:
    out = tmp_path / "mlm"
    _pretrain(tmp_path, bert_tokenizer, out, 2)
    # What the earlier pre-training left: its state inside the output folder.
    old = out / "state"
    shutil.move(state_folder(out), old)
    os.replace(old / "weights.h5", old / "model.weights.h5")
    (old / "vocab.txt").write_text("[PAD]\n")
    progress = json.loads((old / "progress.json").read_text())
    (old / "progress.json").write_text(
        json.dumps({"step": 2, "history": [], "settings": progress["settings"], "seconds": 7.0})
    )
    summary = _pretrain(tmp_path, bert_tokenizer, out, 4)
    assert summary["steps"] == 4 and summary["seconds"] >= 7.0
    assert not old.exists() and (state_folder(out) / "vocab.txt").is_file()
    # Both places holding a state: neither is guessed at.
    from core.encoder.mlm import mlm_state_folder
    from core.errors import BadInput

    old.mkdir()
    (old / "progress.json").write_text("{}")
    with pytest.raises(BadInput, match="both hold the resume state"):
        mlm_state_folder(out)
    # A state in Keras 3's weights layout cannot be continued: --base is the way on.
    import h5py

    shutil.rmtree(state_folder(out))
    with h5py.File(old / "model.weights.h5", "w") as f:
        f.create_group("layers")
        f.create_group("vars")
    with pytest.raises(BadInput, match="--base"):
        mlm_state_folder(out)
    assert (old / "model.weights.h5").is_file()  # left as it was
