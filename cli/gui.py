"""`gui` (the default with no sub-command) and `screenshot`."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from cli.errors import UsageError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the window (the default with no command)")
    p.add_argument(
        "--project", help="project to open: a file (.kgs) or postgresql://user@host/db?project=NAME"
    )
    p.add_argument("--user", help="your name, recorded with every decision (kept in the settings)")
    p.add_argument("--model", help="model folder to pre-annotate with")
    p.set_defaults(handler=run)
    s = sub.add_parser("screenshot", help="render a panel offscreen with demo content to a PNG")
    s.add_argument(
        "--panel",
        choices=["triples", "statistics", "graph", "linking", "compare", "ask"],
        default="triples",
        help="compare: two people's decisions on the document side by side; ask: a held-out "
        "CMRC 2018 question answered by each answerer",
    )
    s.add_argument(
        "--project",
        help="show this project (a .kgs file or postgresql://...?project=NAME) instead of "
        "a fresh copy of the demo project",
    )
    s.add_argument("--user", help="with --project: whose window it is")
    s.add_argument(
        "--graph", help="with --panel graph: a graph file (default: the demo project's triples)"
    )
    s.add_argument(
        "--answerer",
        action="append",
        help="with --panel ask: an answerer's model folder (repeat for several; default: "
        "the demo answerers)",
    )
    s.add_argument("--out", required=True, help="PNG file to write")
    s.add_argument("--size", type=window_size, default="1280x800", help="window size, WIDTHxHEIGHT")
    s.set_defaults(handler=screenshot)


def window_size(text: str) -> tuple[int, int]:
    """argparse type: ``WIDTHxHEIGHT`` in pixels."""
    width, sep, height = text.lower().partition("x")
    if sep and width.isdigit() and height.isdigit():
        w, h = int(width), int(height)
        if 100 <= w <= 10000 and 100 <= h <= 10000:
            return w, h
    raise argparse.ArgumentTypeError(
        f"{text!r}: expected WIDTHxHEIGHT in pixels, each 100 to 10000 (for example 1280x800)"
    )


def run(args: argparse.Namespace) -> int:
    from gui.app import run as run_gui

    project = getattr(args, "project", None) or None
    model = Path(args.model) if getattr(args, "model", None) else None
    return run_gui(project, model, getattr(args, "user", None))


def screenshot(args: argparse.Namespace) -> int:
    from core.outputs import check_output

    check_output(args.out, [(args.graph, "the graph")])
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings

    from gui.app import application, build_window, demo_project_path

    width, height = args.size
    app = application()
    with tempfile.TemporaryDirectory() as tmp:
        # A private settings file and demo project: the user's own stay untouched.
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        project = args.project or demo_project_path(Path(tmp))
        window = build_window(project, settings=settings, user=args.user)
        refused = window.banner.label.text()
        if args.project and refused.startswith("Cannot open"):
            raise UsageError(refused)
        window.resize(width, height)
        window.show()
        panel = window.triples
        best = max(panel.doc_model.rows, key=lambda d: d.n_annotations, default=None)
        if best is not None:
            panel.show_document(best.id, row=0)
        if args.panel == "statistics":
            panel.views.setCurrentWidget(panel.statistics)
        if args.panel == "graph":
            window.tabs.setCurrentWidget(window.graph)
            if args.graph:
                if not window.graph.open_file(args.graph):
                    raise UsageError(window.graph.summary.text())
            else:
                window.graph.graph_from_project()
            window.graph.run(wait=True)
            nodes = window.graph.nodes
            if nodes:
                busiest = max(nodes, key=window.graph.graph.degree)
                window.graph.show_node(busiest)
        if args.panel == "linking":
            _show_linking(window, app)
        if args.panel == "ask":
            _show_ask(window, args.answerer or [])
        target = window
        if args.panel == "compare":
            from gui.team_view import CompareDialog

            if panel.doc is None:
                raise UsageError("the project has no document to compare decisions on")
            target = CompareDialog(window.project, panel.doc.id, window)
            target.show()
        for _ in range(5):
            app.processEvents()
        ok = target.grab().save(args.out)
        window.close()
    if not ok:
        raise UsageError(f"{args.out}: could not write the PNG")
    print(args.out)
    return 0


def _show_linking(window, app) -> None:
    """The demo KB and the demo project's documents linked now by the demo
    linker (in the linking process): a document with linked and NIL
    mentions, its mention with the most candidates selected."""
    from gui.kb_browser import SEARCH_OWNER
    from gui.linking_panel import DEMO_KB, DEMO_LINKER

    panel = window.linking
    window.tabs.setCurrentWidget(panel)
    panel.open_kb(DEMO_KB, wait=True)
    panel.set_model_dir(DEMO_LINKER if DEMO_LINKER.is_dir() else None)
    panel.link_project(only_unlinked=False, wait=True)
    store = panel.store

    def linked(doc_id: int) -> tuple[bool, int, int, int]:
        # Linked and NIL mentions side by side show both highlights; then
        # mentions with a choice of entities, then the most distinct entities.
        found = store.links(doc_id)
        kb_ids = {x.kb_id for x in found if not x.is_nil}
        has_nil = any(x.is_nil for x in found)
        choices = sum(len(x.candidates) > 1 for x in found)
        return (bool(kb_ids) and has_nil, choices, len(kb_ids), len(found))

    best = max(window.project.all_document_ids(), key=linked, default=None)
    if best is None:
        return
    found = store.links(best)
    row = max(
        range(len(found)), key=lambda k: (not found[k].is_nil, len(found[k].candidates)), default=0
    )
    panel.show_document(best, row)
    panel.search_box.setText(found[row].mention if found else "")
    panel.search()
    while window.runner.is_busy(SEARCH_OWNER):
        app.processEvents()


def _show_ask(window, folders: list[str]) -> None:
    """The shortest passage of the held-out CMRC 2018 questions and its first
    question, answered now by each answerer (in their processes)."""
    from core.mrc.squad import read_squad
    from gui.ask_panel import MODELS

    panel = window.ask
    window.tabs.setCurrentWidget(panel)
    if folders:
        panel.choices.clear()
        for folder in folders:
            if not panel.add_answerer(folder):
                raise UsageError(panel.notice_text)
    if not panel.chosen():
        raise UsageError(
            f"no answerer: the demo answerers are not in {MODELS} (give --answerer DIR)"
        )
    held_out = MODELS.parent / "data" / "mrc" / "test_cmrc.json"
    questions = [q for q in read_squad(held_out) if q.answers]
    if not questions:
        raise UsageError(f"{held_out}: no question with an answer")
    shortest = min(questions, key=lambda q: (len(q.context), q.id))
    panel.source_box.setCurrentIndex(2)  # pasted text
    panel.pasted.setPlainText(shortest.context)
    panel.question_box.setText(shortest.question)
    panel.answerers.warm(panel.chosen())  # the times shown are answering, not loading
    panel.ask(wait=True)
    reference = shortest.answers[0].text
    panel.show_notice(
        f"{panel.notice_text} Held-out CMRC 2018 question; its reference answer: {reference}"
    )
    panel.update_plan(wait=True)
