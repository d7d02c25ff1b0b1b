"""Asking every document about the entities it mentions: which questions
are asked, which answers become triples, and how they are stored (a person's
decisions and other predictions stay; a new run replaces the old answers)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.errors import BadInput
from core.mrc.ask_documents import (
    PlannedQuestion,
    Slot,
    answer_planned,
    answer_triple,
    ask_every_document,
    plan_questions,
)
from core.mrc.model import Answer
from core.runtime.jobs import JobContext
from core.store.project import Project
from tests.conftest import write_jsonl

SLOT = Slot("{subject}的出生日期是？", "人物", "出生日期", "Date")


def test_one_question_per_document_and_name_it_mentions():
    docs = [(1, "王安石与王安相见。"), (2, "没有人名。"), (3, "苏轼，王安石")]
    planned = plan_questions(docs, ["王安", "王安石", "苏轼"], SLOT)
    assert [(q.doc_id, q.subject, q.subject_start) for q in planned] == [
        (1, "王安石", 0),
        (1, "王安", 4),  # the 王安 inside 王安石 is not asked about, the one after is
        (3, "苏轼", 0),
        (3, "王安石", 3),
    ]
    assert planned[0].question == "王安石的出生日期是？"
    with pytest.raises(BadInput, match="no {subject}"):
        plan_questions(docs, ["王安"], Slot("出生日期是？", "人物", "出生日期"))


def test_answers_become_triples_with_both_spans_unless_they_say_nothing():
    q = PlannedQuestion(1, "王安石", 0, "王安石的出生日期是？")
    t = answer_triple(q, Answer("1021年", 6, 11, 0.8, 0.01), SLOT)
    assert (t.subject, t.predicate, t.object, t.object_type) == (
        "王安石",
        "出生日期",
        "1021年",
        "Date",
    )
    assert (t.subject_span.start, t.subject_span.end, t.object_span.start, t.score) == (
        0,
        3,
        6,
        0.8,
    )
    assert answer_triple(q, Answer("", None, None, 0.0, 0.0), SLOT) is None
    assert answer_triple(q, Answer("王安", 0, 2, 0.9, 0.0), SLOT) is None  # the name itself
    low = Slot(SLOT.template, "人物", "出生日期", min_score=0.5)
    assert answer_triple(q, Answer("1021年", 6, 11, 0.4, 0.0), low) is None


class YearAnswerer:
    """Answers with the first year of the passage (or nothing)."""

    identity = "years@1"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def answer_many(self, pairs, batch_size=32, ctx=None):
        out = []
        for question, context in pairs:
            self.asked.append(question)
            m = re.search(r"\d+年", context)
            out.append(
                Answer(m.group(), m.start(), m.end(), 0.7, 0.0)
                if m
                else Answer("", None, None, 0.0, 0.0)
            )
        return out


LINES = [
    {
        "text": "王安石生于1021年，苏轼是他的朋友。",
        "spo_list": [
            {
                "subject": "苏轼",
                "subject_type": "人物",
                "predicate": "朋友",
                "object": "王安石",
                "object_type": "人物",
            }
        ],
    },
    {"text": "苏轼生于1037年。", "spo_list": []},
    {"text": "这一句没有名字，1990年。", "spo_list": []},
]


@pytest.fixture
def project(tmp_path) -> Project:
    with Project.open(tmp_path / "p.kgs") as p:
        p.import_file(write_jsonl(tmp_path / "in.jsonl", LINES))
        yield p


def _triples(p: Project, doc_id: int) -> set[tuple]:
    return {
        (a.subject, a.predicate, a.object, a.status, a.origin)
        for a in p.document(doc_id).annotations
    }


def test_every_document_is_asked_and_a_person_s_decisions_stay(project: Project):
    docs = project.all_document_ids()
    model = YearAnswerer()
    run = lambda planned, texts, slot, ctx: answer_planned(model, planned, texts, slot, ctx, 2)  # noqa: E731
    stored_ids: list[int] = []
    result = ask_every_document(project, run, SLOT, JobContext(on_partial=stored_ids.extend))
    assert result == {"names": 2, "documents": 2, "questions": 3, "triples": 3, "origin": "years@1"}
    assert sorted(model.asked) == [
        "王安石的出生日期是？",
        "苏轼的出生日期是？",
        "苏轼的出生日期是？",
    ]
    assert sorted(stored_ids) == docs[:2]
    assert ("王安石", "出生日期", "1021年", "predicted", "years@1") in _triples(project, docs[0])
    assert ("苏轼", "出生日期", "1037年", "predicted", "years@1") in _triples(project, docs[1])
    assert not _triples(project, docs[2])
    # A person rejects one answer, and the triple model adds a prediction of its own.
    wrong = next(
        a
        for a in project.document(docs[0]).annotations
        if a.subject == "苏轼" and a.predicate == "出生日期"
    )
    project.set_status(wrong.id, "rejected")
    from core.formats.duie import Triple

    project.replace_predictions_many(
        [(docs[1], [Triple("苏轼", "国籍", "宋", "人物", "国家", score=0.9)])],
        "triples@1",
        predicate="国籍",
    )
    ask_every_document(project, run, SLOT)
    first = _triples(project, docs[0])
    assert ("苏轼", "出生日期", "1021年", "rejected", "years@1") in first  # not asked back
    assert ("苏轼", "朋友", "王安石", "accepted", "import") in first
    assert sum(t[1] == "出生日期" for t in first) == 2  # one predicted, one rejected: no copies
    assert ("苏轼", "国籍", "宋", "predicted", "triples@1") in _triples(project, docs[1])


def test_a_cancelled_run_keeps_the_batches_it_stored(project: Project):
    model = YearAnswerer()
    ctx = JobContext()

    def run(planned, texts, slot, inner):
        def stop_after_first(batch):
            inner_partial(batch)
            ctx.cancel()

        inner_partial = inner.partial
        inner.partial = stop_after_first
        return answer_planned(model, planned, texts, slot, inner, 1)

    with pytest.raises(Exception) as e:
        ask_every_document(project, run, SLOT, ctx)
    assert type(e.value).__name__ == "Cancelled"
    docs = project.all_document_ids()
    assert any(t[1] == "出生日期" for t in _triples(project, docs[0]))
    assert not any(t[1] == "出生日期" for t in _triples(project, docs[1]))


def test_the_answerer_runs_in_a_child_process(tmp_path: Path, data_dir: Path):
    """The real answerer behind the child's protocol (a folder made from the
    tiny TF1 checkpoint, untrained for the task): answers are runs of the
    passage with their spans, and asking documents hands batches back."""
    from core.encoder.bert import prepare_encoder
    from core.mrc.model import MrcModel, MrcModelInfo
    from core.mrc.process import AnswererSet, MrcProcess
    from core.mrc.windows import Layout

    setup = prepare_encoder(data_dir / "tiny_ckpt")
    folders = []
    for method in ("pointer", "mlm"):
        info = MrcModelInfo(method, Layout(3, 6, 2, 4), name=f"tiny-{method}")
        model = MrcModel.create(info, setup.config, setup.tokenizer, setup.checkpoint)
        folders.append(model.save(tmp_path / method))
    folder = folders[0]
    context = "all work and no play makes jack a dull boy"
    with AnswererSet(folders) as each:
        side_by_side = each.answer_each("makes", context)
    assert list(side_by_side) == [str(f) for f in folders]
    for answer in side_by_side.values():
        assert answer.text and context[answer.start : answer.end] == answer.text
    with MrcProcess() as child:
        (answer,) = child.answer_many(folder, [("makes", context)])
        assert answer.text and context[answer.start : answer.end] == answer.text
        slot = Slot("{subject} makes", "x", "p")
        planned = plan_questions([(7, context)], ["jack"], slot)
        batches: list = []
        run = child.runner(folder)
        origin, done = run(planned, {7: context}, slot, JobContext(on_partial=batches.append))
    assert (origin, done) == ("tiny-pointer@1", 1)
    assert [doc_id for _, batch in batches for doc_id, _ in batch] == [7]
