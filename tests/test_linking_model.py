"""The linker: query files, demo data generation, scores, the network on a
tiny encoder (save / load, another KB at run time, training and resuming)."""

from __future__ import annotations

import json

import pytest

from core.errors import BadInput
from core.formats.errors import FormatError
from core.linking.candidates import AliasIndex
from core.linking.dataset import SPLITS, make_linking_data
from core.linking.evaluation import score_links
from core.linking.folder import check_linker_folder
from core.linking.kb import Entity, KnowledgeBase, read_kb
from core.linking.model import ScoredMention
from core.linking.queries import NIL, Mention, Query, read_queries, write_queries
from tests.conftest import RESOURCES, TINY, write_jsonl

LINKING = RESOURCES / "data" / "linking"


def _entity(i: str, name: str, abstract: str, aliases=(), types=("Thing",)) -> Entity:
    return Entity(i, name, tuple(aliases), tuple(types), (("摘要", abstract),))


KB_A = [
    _entity("1", "苹果", "苹果是一种水果，味甜，富含维生素。", ("平安果",)),
    _entity("2", "苹果", "苹果公司是美国的科技公司，生产手机和电脑。", ("苹果公司",), ("Org",)),
    _entity("3", "香蕉", "香蕉是热带水果。"),
]
KB_B = [
    _entity("x9", "香蕉", "香蕉是一种长形的热带水果。"),
    _entity("x7", "橘子", "橘子是柑橘类水果。"),
]


# -- files -------------------------------------------------------------------------------


def test_queries_round_trip_with_offsets_as_strings(tmp_path) -> None:
    q = Query("7", "我吃了苹果和香蕉", [Mention(3, 5, "苹果", "1"), Mention(6, 8, "香蕉", NIL)])
    path = tmp_path / "q.jsonl"
    write_queries(path, [q])
    line = json.loads(path.read_text(encoding="utf-8"))
    assert line["mention_data"][0] == {"kb_id": "1", "mention": "苹果", "offset": "3"}
    (back,) = read_queries(path, annotated=True)
    assert back.mentions == q.mentions and back.text == q.text


def test_a_mention_not_at_its_offset_is_reported_with_its_line(tmp_path) -> None:
    path = write_jsonl(
        tmp_path / "q.jsonl",
        [
            {"text_id": "1", "text": "我吃苹果", "mention_data": []},
            {
                "text_id": "2",
                "text": "我吃苹果",
                "mention_data": [{"kb_id": "1", "mention": "苹果", "offset": "1"}],
            },
        ],
    )
    with pytest.raises(FormatError, match=r"q.jsonl:2: .*苹果.* not at offset 1"):
        list(read_queries(path))


def _demo_data(seed: int = 3):
    from core.linking.dataset import corpus_sentence

    corpus = [
        corpus_sentence("她在医院里回忆起那段爱情，那是深刻的一天", []),
        corpus_sentence("《爱情》是解晓东演唱的歌曲", ["爱情", "解晓东"]),
    ] * 40
    return make_linking_data(list(read_kb(LINKING / "kb.jsonl")), {"train": corpus, "eval": corpus})


def test_generated_data_links_each_split_against_its_own_disjoint_kb() -> None:
    data = _demo_data()
    ids = {split: {e.id for e in kb} for split, kb in data.kbs.items()}
    assert not ids["train"] & ids["dev"] and not ids["train"] & ids["test"]
    assert not ids["dev"] & ids["test"]
    owners = [{q.text_id.rsplit("-", 1)[0] for q in data.queries[s]} for s in SPLITS]
    assert not (owners[0] & owners[1]) and not (owners[0] & owners[2])
    for split in SPLITS:
        kb = data.kbs[split]
        assert not ids[split] & set(data.nil_entities[split])
        abstracts = "".join(dict(e.data).get("摘要", "") for e in kb)
        for q in data.queries[split]:
            if q.extra["source"] == "kb":
                assert q.mentions
                assert q.text not in abstracts  # never found inside a description
            for m in q.mentions:
                assert q.text[m.start : m.end] == m.text
                assert m.kb_id == NIL or m.kb_id in ids[split]
        # Some names are shared by two entities of the KB, and some NIL
        # mentions have a namesake in the KB: only the context can tell.
        names: dict[str, set[str]] = {}
        for e in kb:
            names.setdefault(e.name, set()).add(e.id)
        assert any(len(v) > 1 for v in names.values())
        nil_names = {m.text for q in data.queries[split] for m in q.mentions if m.is_nil}
        assert nil_names & set(names)


def test_a_renamed_entity_reads_as_its_new_name_everywhere() -> None:
    from core.linking.dataset import renamed

    e = _entity("1", "曝光", "《曝光》是王晶演唱的歌曲，曝光收录于专辑。", ("曝光歌",))
    r = renamed(e, "回忆")
    assert r.names() == ("回忆",)
    assert dict(r.data)["摘要"] == "《回忆》是王晶演唱的歌曲，回忆收录于专辑。"


def test_corpus_aliases_are_negatives_unless_annotated() -> None:
    data = _demo_data()
    corpus = [q for q in data.queries["train"] if q.extra["source"] == "corpus"]
    assert corpus and all(not q.mentions for q in corpus)
    titled = [q for q in corpus if q.text.startswith("《爱情》")]
    plain = [q for q in corpus if q.text.startswith("她在医院")]
    assert titled and all(q.unlinked() == [(1, 3)] for q in titled)
    assert plain and all(not q.unlinked() for q in plain)


def test_the_shipped_demo_data_matches_its_generator() -> None:
    stats = json.loads((LINKING / "stats.json").read_text())
    for split in SPLITS:
        queries = list(read_queries(LINKING / f"{split}.jsonl"))
        assert stats[f"{split}_kb_queries"] + stats[f"{split}_corpus_queries"] == len(queries)
        kb = sum(1 for _ in read_kb(LINKING / f"kb_{split}.jsonl"))
        assert stats[f"{split}_kb_entities"] == kb


# -- scores ------------------------------------------------------------------------------


def test_scores_count_links_and_nil_separately() -> None:
    gold = [[Mention(0, 2, "苹果", "1"), Mention(3, 5, "香蕉", NIL)]]
    pred = [[Mention(0, 2, "苹果", "2"), Mention(3, 5, "香蕉", NIL), Mention(6, 8, "橘子", "3")]]
    s = score_links(gold, pred)
    assert (s.n_gold, s.n_pred, s.n_correct) == (1, 2, 0)
    assert s.nil_accuracy == 1.0
    assert s.mention_counts.n_correct == 2


def test_below_the_threshold_the_best_candidate_becomes_nil() -> None:
    m = ScoredMention(0, 2, "苹果", 0.9, [("2", 0.7), ("1", 0.2)])
    assert m.decide(0.5).kb_id == "2"
    assert m.decide(0.8).kb_id == NIL
    assert m.decide(0.8).candidates == (("2", 0.7), ("1", 0.2))
    assert ScoredMention(0, 2, "梨子", 0.9, []).decide(0.0).kb_id == NIL


# -- the network -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_linker(bert_tokenizer):
    from core.compat import set_seed
    from core.encoder.tokenizer import Tokenizer, cut_vocabulary
    from core.linking.model import LinkerInfo, LinkerModel

    set_seed(2)
    texts = [e.description() for e in KB_A + KB_B] + ["【】我吃了苹果和香蕉，还买了苹果手机。"]
    vocab, _ = cut_vocabulary(bert_tokenizer, texts)
    # Low thresholds so that an untrained network proposes mentions.
    info = LinkerInfo(maxlen=32, pair_maxlen=64, mention_start=0.3, mention_end=0.3)
    return LinkerModel.create(info, TINY, Tokenizer(vocab))


def _force_mentions(model, monkeypatch, spans) -> None:
    monkeypatch.setattr(
        model, "propose", lambda texts, index, batch_size=32: [list(spans) for _ in texts]
    )


def test_candidates_come_from_the_kb_given_at_run_time(tiny_linker, monkeypatch) -> None:
    text = "我吃了苹果和香蕉"
    _force_mentions(tiny_linker, monkeypatch, [(3, 5, 0.9), (6, 8, 0.9)])
    for entities in (KB_A, KB_B):
        kb = KnowledgeBase(entities)
        ((apple, banana),) = tiny_linker.link([text], kb, AliasIndex.build(kb))
        assert {c for c, _ in apple.candidates} == ({"1", "2"} if entities is KB_A else set())
        assert [c for c, _ in banana.candidates] == (["3"] if entities is KB_A else ["x9"])
        assert apple.kb_id in {"1", "2", NIL} and banana.kb_id in {"3", "x9", NIL}


def test_the_linker_asks_any_candidate_generator(tiny_linker, monkeypatch) -> None:
    """The alias index finds what the mention head reads; a mention's
    candidates come from whatever answers get_candidates."""
    from core.linking.candidates import Candidate

    class OneEntity:
        def get_candidates(self, mention: str) -> list[Candidate]:
            return [Candidate("x9", mention, 1.0)]

    _force_mentions(tiny_linker, monkeypatch, [(3, 5, 0.9), (6, 8, 0.9)])
    kb = KnowledgeBase(KB_A)
    ((apple, banana),) = tiny_linker.score(
        ["我吃了苹果和香蕉"], kb, AliasIndex.build(kb), candidates=OneEntity()
    )
    assert [c for c, _ in apple.candidates] == ["x9"] == [c for c, _ in banana.candidates]


def test_save_then_load_links_the_same(tiny_linker, tmp_path) -> None:
    from core.linking.model import LinkerModel

    kb = KnowledgeBase(KB_A)
    index = AliasIndex.build(kb)
    texts = ["我吃了苹果和香蕉，还买了苹果手机。", "香蕉"]
    before = tiny_linker.score(texts, kb, index)
    folder = tiny_linker.save(tmp_path / "linker")
    after = LinkerModel.load(folder).score(texts, kb, index)
    assert [[(m.start, m.end) for m in ms] for ms in after] == [
        [(m.start, m.end) for m in ms] for ms in before
    ]
    for a, b in zip(before, after, strict=True):
        for x, y in zip(a, b, strict=True):
            # float16 storage: scores agree to storage precision
            ids = sorted(dict(x.candidates))
            assert ids == sorted(dict(y.candidates))
            assert [dict(x.candidates)[i] for i in ids] == pytest.approx(
                [dict(y.candidates)[i] for i in ids], abs=3e-3
            )


def test_a_free_span_across_punctuation_is_not_proposed(tiny_linker, monkeypatch) -> None:
    import numpy as np

    text = "张东健高小英夫妇、权相宇出席"

    def probabilities(fn, ids, segs, feats):
        p = np.zeros((*ids.shape, 2), dtype="float32")
        p[:, 1, 0] = p[:, 11, 1] = 0.9  # 张东健高小英夫妇、权相: runs over 、
        p[:, 10, 0] = 0.9  # 权相 (ending where the long one does): no punctuation
        return p

    monkeypatch.setattr(tiny_linker, "_run", probabilities)
    (found,) = tiny_linker.propose([text], AliasIndex.build(KnowledgeBase([])))
    assert [text[s:e] for s, e, _ in found] == ["权相"]


def test_a_linker_without_its_alias_prior_is_refused(tiny_linker, tmp_path) -> None:
    from core.linking.model import LinkerFolderError, LinkerModel

    folder = tiny_linker.save(tmp_path / "linker")
    (folder / "alias_prior.json").unlink()
    with pytest.raises(LinkerFolderError, match="alias_prior.json"):
        LinkerModel.load(folder)


def test_a_broken_linker_folder_is_refused_clearly(tmp_path, tiny_linker) -> None:
    from core.linking.model import LinkerFolderError, LinkerModel

    folder = tiny_linker.save(tmp_path / "linker")
    (folder / "model.json").write_text('{"task": "triples"}')
    with pytest.raises(LinkerFolderError, match="expected 'link'"):
        LinkerModel.load(folder)
    (folder / "weights.h5").unlink()
    with pytest.raises(LinkerFolderError, match="missing weights.h5"):
        LinkerModel.load(folder)


def test_a_folder_that_is_not_a_linker_is_refused_with_the_reason(tmp_path) -> None:
    with pytest.raises(BadInput, match="cannot read"):
        check_linker_folder(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps({"task": "triples"}), encoding="utf-8")
    with pytest.raises(BadInput, match="expected 'link'"):
        check_linker_folder(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps({"task": "link", "format_version": 9}))
    with pytest.raises(BadInput, match="newer"):
        check_linker_folder(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps({"task": "link", "format_version": 1}))
    check_linker_folder(tmp_path)


def test_training_writes_the_best_epoch_and_resumes(bert_tokenizer, tmp_path) -> None:
    from core.encoder.tokenizer import Tokenizer, cut_vocabulary
    from core.linking.model import LinkerInfo, LinkerModel
    from core.linking.training import LinkTrainSettings, train_linker

    kb = KnowledgeBase(KB_A)
    index = AliasIndex.build(kb)
    train = [
        Query("a", "我吃了苹果", [Mention(3, 5, "苹果", "1")]),
        Query("b", "苹果公司发布了手机", [Mention(0, 4, "苹果公司", "2")]),
        Query("c", "香蕉很甜", [Mention(0, 2, "香蕉", "3")]),
    ]
    texts = [q.text for q in train] + [e.description() for e in KB_A] + ["【】"]
    vocab, _ = cut_vocabulary(bert_tokenizer, texts)

    def model():
        return LinkerModel.create(LinkerInfo(maxlen=32, pair_maxlen=64), TINY, Tokenizer(vocab))

    settings = LinkTrainSettings(epochs=1, batch_size=4, warmup_steps=1, random_negatives=1)
    out = tmp_path / "linker"
    first = train_linker(model(), kb, index, train, train, out, settings)
    assert (out / "weights.h5").is_file() and first["history"][0]["epoch"] == 1
    saved = json.loads((out / "model.json").read_text())
    assert saved["task"] == "link" and saved["training"]["epochs_trained"] == 1
    # Asked for two epochs now, the run continues from the saved one.
    settings.epochs = 2
    second = train_linker(model(), kb, index, train, train, out, settings)
    assert [r["epoch"] for r in second["history"]] == [1, 2]


def test_the_nil_threshold_is_chosen_where_f1_is_best() -> None:
    from core.linking.thresholds import choose_nil_threshold

    gold = [
        Query("1", "苹果", [Mention(0, 2, "苹果", "1")]),
        Query("2", "香蕉", [Mention(0, 2, "香蕉", NIL)]),
        Query("3", "橘子", [Mention(0, 2, "橘子", "9")]),
    ]
    scored = [
        [ScoredMention(0, 2, "苹果", 0.9, [("1", 0.8)])],
        [ScoredMention(0, 2, "香蕉", 0.9, [("3", 0.4)])],  # a wrong candidate, fairly sure
        [ScoredMention(0, 2, "橘子", 0.9, [("9", 0.3)])],  # right, but less sure
    ]
    th, scores = choose_nil_threshold(scored, gold)
    # Above 0.3 the right 橘子 link is lost; at or below 0.4 the wrong 香蕉 link is
    # made: 0.3 keeps both right links (F1 0.8) and beats 0.45 (F1 0.67).
    assert th <= 0.3 and scores.n_correct == 2 and scores.n_pred == 3


def test_a_nil_floor_trades_links_for_nils() -> None:
    from core.linking.thresholds import choose_nil_threshold

    gold = [
        Query("1", "苹果", [Mention(0, 2, "苹果", "1")]),
        Query("2", "香蕉", [Mention(0, 2, "香蕉", NIL)]),
    ]
    scored = [
        [ScoredMention(0, 2, "苹果", 0.9, [("1", 0.5)])],
        [ScoredMention(0, 2, "香蕉", 0.9, [("3", 0.4)])],  # a namesake, fairly sure
    ]
    th, best_f1 = choose_nil_threshold(scored, gold)
    assert best_f1.f1 == 1.0 and best_f1.nil_accuracy == 1.0  # 0.45 or 0.5 does both
    scored[1] = [ScoredMention(0, 2, "香蕉", 0.9, [("3", 0.6)])]  # surer than the right link
    th, best_f1 = choose_nil_threshold(scored, gold)
    assert th <= 0.5 and best_f1.nil_accuracy == 0.0
    th, floor = choose_nil_threshold(scored, gold, min_nil_accuracy=0.5)
    assert th > 0.6 and floor.nil_accuracy == 1.0 and floor.f1 == 0.0


def test_predictions_on_unannotated_spans_are_not_scored() -> None:
    gold = [[Mention(0, 2, "苹果", "1")]]
    pred = [[Mention(0, 2, "苹果", "1"), Mention(3, 5, "香蕉", "3"), Mention(6, 8, "橘子", "4")]]
    assert score_links(gold, pred).precision == pytest.approx(1 / 3)
    s = score_links(gold, pred, [[(3, 5)]])
    assert (s.n_pred, s.n_correct) == (2, 1)


def test_other_kb_names_in_a_query_are_marked_unannotated() -> None:
    data = _demo_data()
    marked = [q for q in data.queries["train"] if q.unlabelled()]
    assert marked
    for q in marked:
        for a, b in q.unlabelled():
            assert all(b <= m.start or a >= m.end for m in q.mentions)


def test_the_demo_linker_beats_the_dictionary_on_held_out_queries() -> None:
    from core.linking.baseline import link_by_prior
    from core.linking.candidates import AliasIndex
    from core.linking.model import LinkerModel

    kb = KnowledgeBase.load(LINKING / "kb_test.jsonl")  # disjoint from the training KB
    index = AliasIndex.build(kb)
    test = list(read_queries(LINKING / "test.jsonl", annotated=True))
    model = LinkerModel.load(RESOURCES / "models" / "linker-demo")
    texts = [q.text for q in test]
    gold = [q.mentions for q in test]
    unlabelled = [q.unscored() for q in test]
    ours = score_links(gold, model.link(texts, kb, index), unlabelled)
    dictionary = score_links(gold, link_by_prior(texts, index), unlabelled)
    assert ours.f1 > dictionary.f1 + 0.1
    assert ours.nil_accuracy >= 0.5 and dictionary.nil_accuracy == 0.0
    # The figures TRAINING.md and README give.
    assert (ours.f1, ours.nil_accuracy) == pytest.approx((0.765, 0.591), abs=0.01)
    # Ordinary words: in corpus sentences every scored link is wrong.
    corpus = [q for q in test if q.extra["source"] == "corpus"]
    assert len(corpus) == 95
    linked = model.link([q.text for q in corpus], kb, index)
    on_words = score_links([q.mentions for q in corpus], linked, [q.unscored() for q in corpus])
    baseline = link_by_prior([q.text for q in corpus], index)
    on_words_before = score_links(
        [q.mentions for q in corpus], baseline, [q.unscored() for q in corpus]
    )
    assert on_words.n_pred <= 2 and on_words_before.n_pred > 50
