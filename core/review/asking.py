"""What the Ask tab does, without a window: which answerers there are, a
question put to each of them over one passage, and a templated question put
to every document of the project, its answers stored as predicted triples.

The answerers run in child processes (:class:`core.mrc.process.MrcProcess`),
one per model folder, so the caller's process never imports TensorFlow and
each answerer stays loaded between questions. A folder is checked here
without TensorFlow before a child ever sees it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import BadInput
from core.modelcheck import check_model_folder
from core.mrc.ask_documents import SLOT, Slot, ask_every_document, check_template, plan_questions
from core.mrc.windows import METHODS
from core.runtime.jobs import Cancelled, JobContext
from core.runtime.model_folder import read_header

if TYPE_CHECKING:
    from core.mrc.model import Answer
    from core.mrc.process import MrcProcess
    from core.store.project import Project

KIND = "KG Studio reading-comprehension model folder"
METHOD_LABELS = {"mlm": "MLM", "seq2seq": "seq2seq", "pointer": "pointer"}
# The shipped answerers: the best one as mrc-demo, the other two by method.
DEMO_FOLDERS = ("mrc-demo", "mrc-mlm-demo", "mrc-seq2seq-demo", "mrc-pointer-demo")


@dataclass(frozen=True)
class Answerer:
    """A reading-comprehension model folder, as its model.json describes it."""

    folder: Path
    method: str
    name: str
    version: str
    best_f1: float | None = None  # dev F1 recorded by its training

    @property
    def identity(self) -> str:
        """The origin of the triples it stores."""
        return f"{self.name}@{self.version}"

    @property
    def label(self) -> str:
        return f"{METHOD_LABELS.get(self.method, self.method)} · {self.folder.name}"


def read_answerer(folder: str | Path, full: bool = True) -> Answerer:
    """The answerer in ``folder``, or BadInput saying in one line why it is
    none. ``full`` also checks every file the way loading would (the
    weights included); without it only ``model.json`` is read."""
    folder = Path(folder)
    if full:
        check_model_folder(folder, BadInput, KIND)
    where = folder / "model.json"
    meta = read_header(folder, "mrc", 1, KIND)
    method = meta.get("method")
    if method not in METHODS:
        raise BadInput(f'{where}: "method": expected one of {", ".join(METHODS)}, got {method!r}')
    best = (meta.get("training") or {}).get("best_dev") or {}
    f1 = best.get("f1") if isinstance(best, dict) else None
    return Answerer(
        folder=folder,
        method=method,
        name=str(meta.get("name", folder.name)),
        version=str(meta.get("version", "1")),
        best_f1=float(f1) if isinstance(f1, int | float) else None,
    )


def demo_answerers(models: Path) -> list[Answerer]:
    """The shipped answerers found in ``models`` (resources/models), in the
    order MLM, seq2seq, pointer; a folder that does not read is left out."""
    found = []
    for name in DEMO_FOLDERS:
        try:
            found.append(read_answerer(models / name, full=False))
        except BadInput:
            continue
    order = {m: k for k, m in enumerate(METHODS)}
    return sorted(found, key=lambda a: (order.get(a.method, len(order)), a.folder.name))


@dataclass
class Choice:
    """An answerer in the tab's list; ``on``: asked when a question is asked."""

    answerer: Answerer
    on: bool = True


def restore_choices(saved: str | None, models: Path) -> tuple[list[Choice], list[str]]:
    """The answerers kept in the settings (``save_choices``), else the demo
    ones, all on. Returns the choices and a message for each kept folder
    that no longer reads (it is dropped)."""
    if saved:
        try:
            entries = json.loads(saved)
        except ValueError:
            entries = None
        if isinstance(entries, list) and entries:
            choices, problems = [], []
            for entry in entries:
                if not isinstance(entry, dict) or not isinstance(entry.get("folder"), str):
                    continue
                try:
                    answerer = read_answerer(entry["folder"], full=False)
                except BadInput as e:
                    problems.append(f"Answerer {entry['folder']} left out: {e}")
                    continue
                choices.append(Choice(answerer, bool(entry.get("on", True))))
            if choices:
                return choices, problems
            return [Choice(a) for a in demo_answerers(models)], problems
    return [Choice(a) for a in demo_answerers(models)], []


def save_choices(choices: Iterable[Choice]) -> str:
    return json.dumps([{"folder": str(c.answerer.folder), "on": c.on} for c in choices])


def add_choice(choices: list[Choice], folder: str | Path) -> Choice:
    """A folder the user picked joins the list (checked in full, on), or
    BadInput; a folder already listed is switched on instead."""
    answerer = read_answerer(folder, full=True)
    for c in choices:
        if c.answerer.folder.resolve() == answerer.folder.resolve():
            c.on = True
            return c
    choice = Choice(answerer)
    choices.append(choice)
    return choice


def check_question(question: str, passage: str) -> tuple[str, str]:
    """The question and passage stripped, or BadInput with what is missing."""
    question, passage = question.strip(), passage.strip()
    if not question:
        raise BadInput("Type a question first.")
    if not passage:
        raise BadInput("There is no passage to read: choose a document, an entity or paste a text.")
    return question, passage


@dataclass(frozen=True)
class Reply:
    """One answerer's answer to the question (None, with ``error``, when
    the answerer could not be asked)."""

    answerer: Answerer
    answer: Answer | None
    error: str = ""


class Answerers:
    """The child processes of the answerers, one per folder, started on
    first use; at most ``keep`` run at once (the least recently used stops)."""

    def __init__(self, factory: Callable[[], MrcProcess] | None = None, keep: int = 4) -> None:
        self.factory = factory
        self.keep = keep
        self._processes: dict[Path, MrcProcess] = {}
        self._lock = threading.Lock()  # jobs ask on worker threads; closing is on another
        self._loaded: set[Path] = set()  # folders whose process has answered once

    def process(self, folder: Path) -> MrcProcess:
        with self._lock:
            return self._process(Path(folder).resolve())

    def _process(self, key: Path) -> MrcProcess:
        found = self._processes.pop(key, None)
        if found is None:
            if self.factory is None:
                from core.mrc.process import MrcProcess

                found = MrcProcess()
            else:
                found = self.factory()
            while len(self._processes) >= self.keep:
                oldest = next(iter(self._processes))
                self._loaded.discard(oldest)
                self._processes.pop(oldest).close()
        self._processes[key] = found  # the most recently used last
        return found

    def processes(self) -> list[MrcProcess]:
        with self._lock:
            return list(self._processes.values())

    def ask(
        self,
        answerers: Sequence[Answerer],
        question: str,
        passage: str,
        ctx: JobContext | None = None,
        together: bool | None = None,
    ) -> list[Reply]:
        """Each answerer's answer to ``question`` over ``passage``, in the
        order given, each in its own process; one that fails (a broken
        folder) gives its error, the others still answer. Cancelling stops
        them all (Cancelled is raised). Answerers not loaded yet load at the
        same time (the slow part: importing TensorFlow, reading weights);
        loaded ones answer one after the other, since each model's
        arithmetic already uses every core (bench/ask_tab.py measured no
        clear difference on two busy cores: 0.56 to 1.21 sequential /
        parallel across runs). ``together`` forces one way or the other."""
        ctx = ctx or JobContext.null()
        question, passage = check_question(question, passage)

        def answer(a: Answerer, inner: JobContext) -> Answer:
            return self.process(a.folder).answer(a.folder, question, passage, inner)

        if together is None:
            together = not all(a.folder.resolve() in self._loaded for a in answerers)
        return self._each(answerers, answer, ctx, "answered", together)

    def warm(self, answerers: Sequence[Answerer], ctx: JobContext | None = None) -> list[Reply]:
        """Load the answerers now and answer a question of one character, so
        that the first real question is answered at once (a child loads its
        model on its first request, and the first answer prepares the
        network's functions)."""

        def load(a: Answerer, inner: JobContext) -> None:
            self.process(a.folder).answer_many(a.folder, [("问", "答")], inner)

        return self._each(answerers, load, ctx or JobContext.null(), "loaded", together=True)

    def _each(
        self,
        answerers: Sequence[Answerer],
        call: Callable[[Answerer, JobContext], Any],
        ctx: JobContext,
        verb: str,
        together: bool,
    ) -> list[Reply]:
        """``call`` for every answerer (``together``: all at once), each reply
        handed to ``ctx.partial`` as it comes; the replies in the answerers'
        order."""
        from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

        if not answerers:
            return []
        ctx.report(0, len(answerers), f"asking {len(answerers)} answerers")
        inner = ctx.silent()
        replies: dict[int, Reply] = {}
        workers = len(answerers) if together else 1
        with ThreadPoolExecutor(workers, thread_name_prefix="kgstudio-answerer") as pool:
            futures = {pool.submit(call, a, inner): k for k, a in enumerate(answerers)}
            pending = set(futures)
            while pending:
                finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                for future in finished:
                    k = futures[future]
                    try:
                        replies[k] = Reply(answerers[k], future.result())
                        self._loaded.add(answerers[k].folder.resolve())
                    except Cancelled:
                        continue
                    except Exception as e:  # a broken folder, a child that died: said in its row
                        replies[k] = Reply(answerers[k], None, _one_line(e))
                    ctx.partial(replies[k])
                done = len(futures) - len(pending)
                ctx.report(done, len(answerers), f"{done} of {len(answerers)} {verb}")
        ctx.check_cancelled()
        return [replies[k] for k in range(len(answerers))]

    def ask_every_document(
        self,
        project: Project,
        answerer: Answerer,
        slot: Slot,
        ctx: JobContext | None = None,
        batch_size: int = 32,
    ) -> dict[str, Any]:
        """:func:`core.mrc.ask_documents.ask_every_document` with this
        answerer's child: the answers stored as its predicted triples."""
        run = self.process(answerer.folder).runner(answerer.folder, batch_size)
        return ask_every_document(project, run, slot, ctx)

    def close(self) -> None:
        from core.runtime.process import close_all

        with self._lock:
            running, self._processes = list(self._processes.values()), {}
            self._loaded.clear()
        close_all(running)


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def default_template(predicate: str) -> str:
    return f"{SLOT}的{predicate}是？" if predicate else f"{SLOT}的"


def make_slot(
    template: str, subject_type: str, predicate: str, object_type: str = "", min_score: float = 0.0
) -> Slot:
    """The question to ask every document, or BadInput naming what is wrong."""
    template = template.strip()
    if not template:
        raise BadInput(f"Type a question with {SLOT} where the name goes.")
    check_template(template)
    if not subject_type.strip():
        raise BadInput("Choose the type of the names to ask about (for example 人物).")
    if not predicate.strip():
        raise BadInput("Choose the predicate the answers are stored under.")
    return Slot(template, subject_type.strip(), predicate.strip(), object_type.strip(), min_score)


@dataclass(frozen=True)
class Plan:
    names: int
    documents: int
    questions: int

    def describe(self, slot: Slot) -> str:
        if not self.names:
            return f"No names of type {slot.subject_type} in the project's triples yet."
        q = "question" if self.questions == 1 else "questions"
        d = "document" if self.documents == 1 else "documents"
        return (
            f"{self.questions:,} {q} over {self.documents:,} {d} "
            f"({self.names:,} names of type {slot.subject_type})"
        )


def plan_every_document(project: Project, slot: Slot, ctx: JobContext | None = None) -> Plan:
    """How many questions asking every document would put, without asking."""
    ctx = ctx or JobContext.null()
    names = project.names_of_type(slot.subject_type)
    if not names:
        return Plan(0, 0, 0)
    ids = project.all_document_ids()
    questions, documents = 0, 0
    step = 500
    for at in range(0, len(ids), step):
        ctx.check_cancelled()
        planned = plan_questions(project.texts(ids[at : at + step]), names, slot)
        questions += len(planned)
        documents += len({q.doc_id for q in planned})
    return Plan(len(names), documents, questions)
