"""Linking in a child process: the same links as in-process, batches handed
over as they come, bad KB files named, cancellation, no TensorFlow in the
parent."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from core.linking.baseline import link_by_prior
from core.linking.candidates import AliasIndex
from core.linking.kb import Entity, KnowledgeBase, entity_to_json
from core.linking.link_process import BASELINE_ORIGIN, LinkProcess
from core.runtime.jobs import Cancelled, JobContext
from tests.conftest import ROOT, TINY, write_jsonl

ENTITIES = [
    Entity("1", "苹果", ("平安果",), ("Thing",), (("摘要", "苹果是一种水果，味甜。"),)),
    Entity("2", "苹果", ("苹果公司",), ("Org",), (("摘要", "苹果公司是美国的科技公司。"),)),
    Entity("3", "香蕉", (), ("Thing",), (("摘要", "香蕉是热带水果。"),)),
]
TEXTS = ["我吃了苹果和香蕉", "苹果公司发布了手机", "今天天气很好", "平安夜送平安果"]


@pytest.fixture(scope="module")
def kb_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kb")
    return write_jsonl(folder / "kb.jsonl", [entity_to_json(e) for e in ENTITIES])


@pytest.fixture(scope="module")
def process():
    p = LinkProcess()
    yield p
    p.close()


def test_the_baseline_in_the_child_links_like_in_process(process, kb_file) -> None:
    parts, progress = [], []
    ctx = JobContext(lambda d, t, m: progress.append((d, t)), parts.append)
    documents = [(10 + i, t) for i, t in enumerate(TEXTS)]
    origin, n = process.link_documents(kb_file, None, documents, ctx, batch_size=3)
    assert (origin, n) == (BASELINE_ORIGIN, len(TEXTS))
    assert [len(batch) for _, batch in parts] == [3, 1]  # handed over batch by batch
    assert all(o == BASELINE_ORIGIN for o, _ in parts)
    got = {doc: mentions for _, batch in parts for doc, mentions in batch}
    kb = KnowledgeBase(ENTITIES)
    expected = link_by_prior(TEXTS, AliasIndex.build(kb))
    assert [got[10 + i] for i in range(len(TEXTS))] == expected
    assert progress[-1] == (len(TEXTS), len(TEXTS))


def test_a_bad_kb_is_named_with_its_line_and_the_process_goes_on(
    process, kb_file, tmp_path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(kb_file.read_text(encoding="utf-8") + '{"subject_id": "9"}\n', encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"bad\.jsonl:4: expected a non-empty \"subject\""):
        process.link_documents(bad, None, [(1, "苹果")])
    with pytest.raises(RuntimeError, match="not a folder"):
        process.link_documents(kb_file, tmp_path / "no-linker", [(1, "苹果")])
    assert process.link_documents(kb_file, None, [(1, "苹果")])[1] == 1


def test_cancel_stops_between_batches(process, kb_file) -> None:
    documents = [(i, TEXTS[i % len(TEXTS)] * 20) for i in range(4000)]
    seen = []

    def on_partial(part) -> None:
        seen.append(part)
        ctx.cancel()

    ctx = JobContext(on_partial=on_partial)
    with pytest.raises(Cancelled):
        process.link_documents(kb_file, None, documents, ctx, batch_size=1)
    assert seen
    # the next request is answered as usual
    assert process.link_documents(kb_file, None, documents[:2])[1] == 2


def test_a_failure_storing_one_batch_leaves_nothing_for_the_next_request(process, kb_file) -> None:
    """The Linking panel stores each batch as it arrives. A store that fails on
    the first of 50 batches must not leave the other 49 to be taken for the
    answer to the next request."""
    import sqlite3

    def store(part) -> None:
        raise sqlite3.OperationalError("database is locked")

    documents = [(i, TEXTS[i % len(TEXTS)]) for i in range(50)]
    with pytest.raises(sqlite3.OperationalError):
        process.link_documents(kb_file, None, documents, JobContext(on_partial=store), 1)
    parts = []
    asked = [(1000 + i, text) for i, text in enumerate(TEXTS[:3])]
    _, n = process.link_documents(kb_file, None, asked, JobContext(on_partial=parts.append))
    assert n == 3
    assert [doc for _, batch in parts for doc, _ in batch] == [1000, 1001, 1002]


def test_a_cancel_before_the_child_answers_is_prompt(kb_file) -> None:
    p = LinkProcess()
    try:
        ctx = JobContext()
        ctx.cancel()
        with pytest.raises(Cancelled):
            p.link_documents(kb_file, None, [(1, "苹果")], ctx)
    finally:
        p.close()


@pytest.mark.slow
def test_a_linker_folder_links_in_the_child_like_in_process(
    process, kb_file, bert_tokenizer, tmp_path
) -> None:
    from core.compat import set_seed
    from core.encoder.tokenizer import Tokenizer, cut_vocabulary
    from core.linking.model import LinkerInfo, LinkerModel

    set_seed(3)
    vocab, _ = cut_vocabulary(bert_tokenizer, TEXTS + [e.description() for e in ENTITIES])
    info = LinkerInfo(
        maxlen=32, pair_maxlen=64, mention_start=0.3, mention_end=0.3, name="tiny", version="7"
    )
    folder = LinkerModel.create(info, TINY, Tokenizer(vocab)).save(tmp_path / "linker")
    parts = []
    origin, n = process.link_documents(
        kb_file, folder, list(enumerate(TEXTS)), JobContext(on_partial=parts.append)
    )
    assert (origin, n) == ("tiny@7", len(TEXTS))
    got = {doc: ms for _, batch in parts for doc, ms in batch}
    kb = KnowledgeBase(ENTITIES)
    expected = LinkerModel.load(folder).link(TEXTS, kb, AliasIndex.build(kb))
    for i, ms in enumerate(expected):
        assert [(m.start, m.end, m.kb_id) for m in got[i]] == [
            (m.start, m.end, m.kb_id) for m in ms
        ]


def test_the_window_side_of_linking_never_imports_tensorflow(tmp_path) -> None:
    code = textwrap.dedent(
        """
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        import gui.linking_panel, core.store.links, core.linking.link_process
        assert "tensorflow" not in sys.modules, "tensorflow imported"
        print("ok")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.strip() == "ok", out.stderr


def test_reading_a_kb_reports_lines_of_lines(kb_file) -> None:
    from core.linking.kb import read_kb
    from core.linking.link_process import KbReadingContext

    seen = []
    ctx = KbReadingContext(kb_file, JobContext(lambda d, t, m: seen.append((d, t))))
    ctx.report(2, kb_file.stat().st_size, "reading the knowledge base")  # read_kb's units
    ctx.report(1, 6, "indexing aliases")  # other reports pass through
    assert seen == [(2, 3), (1, 6)]
    assert len(list(read_kb(kb_file, ctx))) == 3
