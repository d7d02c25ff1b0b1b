"""SQuAD v1.1-layout files (CMRC 2018, DRCD): reading with the JSON path of a
bad record in the message, and the prediction file (question id -> answer).

Layout: ``{"version", "data": [{"title"?, "paragraphs": [{"context", "qas":
[{"id", "question", "answers": [{"text", "answer_start"}]}]}]}]}``. A question
may carry no answers (``"answers": []``) in a file that is only to be answered.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.formats.errors import FormatError, describe
from core.formats.jsonl import atomic_write_text


@dataclass(frozen=True)
class Reference:
    text: str
    start: int  # character offset in the context as given; may be wrong in the data


@dataclass
class Question:
    id: str
    question: str
    context: str
    answers: list[Reference] = field(default_factory=list)
    article: str = ""  # the article's title or position: the unit of held-out splits

    def answer_texts(self) -> list[str]:
        return [a.text for a in self.answers]

    def located_answer(self) -> tuple[int, int] | None:
        """The ``[start, end)`` characters of the first reference found in the
        context: at its ``answer_start``, or else its first occurrence."""
        for a in self.answers:
            if a.text and self.context[a.start : a.start + len(a.text)] == a.text:
                return a.start, a.start + len(a.text)
        for a in self.answers:
            found = self.context.find(a.text) if a.text else -1
            if found >= 0:
                return found, found + len(a.text)
        return None


class _Path:
    """A JSON path in the making, for messages: ``data[3].paragraphs[0].qas[2].id``."""

    def __init__(self, parts: tuple[str, ...] = ()) -> None:
        self.parts = parts

    def key(self, name: str) -> _Path:
        return _Path((*self.parts, f".{name}" if self.parts else name))

    def index(self, i: int) -> _Path:
        return _Path((*self.parts, f"[{i}]"))

    def __str__(self) -> str:
        return "".join(self.parts) or "(top level)"


def _expect(value: Any, kind: type | tuple[type, ...], where: _Path, path: Path, what: str) -> Any:
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        raise FormatError(path, None, f"{where}: expected {what}, got {describe(value)}")
    return value


def read_squad(path: str | Path, require_answers: bool = False) -> list[Question]:
    """Every question of the file, in order. A bad record raises
    :class:`FormatError` naming the file and the record's JSON path."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise FormatError(
            path, line, f"expected UTF-8 text, got the byte 0x{raw[e.start]:02x}"
        ) from None
    try:
        top = json.loads(text)
    except json.JSONDecodeError as e:
        raise FormatError(path, e.lineno, f"not valid JSON ({e.msg})") from None
    root = _Path()
    _expect(top, dict, root, path, 'an object with "data" (SQuAD v1.1 layout)')
    data = _expect(top.get("data"), list, root.key("data"), path, "a list of articles")
    questions: list[Question] = []
    seen: dict[str, str] = {}
    for a, article in enumerate(data):
        at = root.key("data").index(a)
        _expect(article, dict, at, path, 'an article object with "paragraphs"')
        title = article.get("title", "")
        _expect(title, str, at.key("title"), path, "a string")
        paragraphs = _expect(
            article.get("paragraphs"), list, at.key("paragraphs"), path, "a list of paragraphs"
        )
        for p, paragraph in enumerate(paragraphs):
            pt = at.key("paragraphs").index(p)
            _expect(paragraph, dict, pt, path, 'a paragraph object with "context" and "qas"')
            context = _expect(paragraph.get("context"), str, pt.key("context"), path, "a string")
            qas = _expect(paragraph.get("qas"), list, pt.key("qas"), path, "a list of questions")
            for q, qa in enumerate(qas):
                qt = pt.key("qas").index(q)
                _expect(qa, dict, qt, path, 'a question object with "id" and "question"')
                qid = _expect(qa.get("id"), str, qt.key("id"), path, "a string")
                if qid in seen:
                    raise FormatError(path, None, f"{qt.key('id')}: {qid!r} repeats {seen[qid]}")
                seen[qid] = str(qt.key("id"))
                question = _expect(qa.get("question"), str, qt.key("question"), path, "a string")
                answers = _expect(
                    qa.get("answers", []), list, qt.key("answers"), path, "a list of answers"
                )
                refs = []
                for r, ans in enumerate(answers):
                    rt = qt.key("answers").index(r)
                    _expect(ans, dict, rt, path, 'an answer object with "text"')
                    refs.append(
                        Reference(
                            _expect(ans.get("text"), str, rt.key("text"), path, "a string"),
                            _expect(
                                ans.get("answer_start", -1),
                                int,
                                rt.key("answer_start"),
                                path,
                                "a whole number (a character offset in the context)",
                            ),
                        )
                    )
                if require_answers and not refs:
                    raise FormatError(
                        path, None, f"{qt.key('answers')}: expected at least one answer"
                    )
                questions.append(Question(qid, question, context, refs, title or f"#{a}"))
    return questions


def write_squad(path: str | Path, questions: Iterable[Question], version: str = "v1.0") -> None:
    """Questions grouped back into articles and paragraphs (same context, same
    article, in a row), written atomically."""
    data: list[dict[str, Any]] = []
    for q in questions:
        if not data or data[-1]["title"] != q.article:
            data.append({"title": q.article, "paragraphs": []})
        paragraphs = data[-1]["paragraphs"]
        if not paragraphs or paragraphs[-1]["context"] != q.context:
            paragraphs.append({"context": q.context, "qas": []})
        paragraphs[-1]["qas"].append(
            {
                "id": q.id,
                "question": q.question,
                "answers": [{"text": a.text, "answer_start": a.start} for a in q.answers],
            }
        )
    with atomic_write_text(path) as f:
        json.dump({"version": version, "data": data}, f, ensure_ascii=False, indent=1)


def read_predictions(path: str | Path) -> dict[str, str]:
    """A CMRC 2018 prediction file: one object mapping question ids to answers."""
    path = Path(path)
    try:
        obj = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise FormatError(path, None, f"expected UTF-8 text ({e.reason})") from None
    except json.JSONDecodeError as e:
        raise FormatError(path, e.lineno, f"not valid JSON ({e.msg})") from None
    _expect(obj, dict, _Path(), path, "an object mapping question ids to answer strings")
    for key, value in obj.items():
        _expect(value, str, _Path((key,)), path, "an answer string")
    return obj


def write_predictions(path: str | Path, answers: Mapping[str, str]) -> None:
    with atomic_write_text(path) as f:
        json.dump(dict(answers), f, ensure_ascii=False, indent=1)
