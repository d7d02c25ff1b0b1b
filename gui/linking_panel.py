"""The Linking panel: entity mentions of the project's documents linked to a
knowledge base, corrected with one key press.

Left, the documents; in the middle, the text with every mention highlighted
by status and the document's mentions; right, the selected mention's
candidates (type, score, description) and a search of the knowledge base.
What each key does is decided in :mod:`core.review.links` (every decision one
step of the project's undo history); the panel forwards keys there and draws
what it holds afterwards. Linking the whole project runs in a child process
(``core.linking.link_process``), so the window never imports TensorFlow and
never freezes.
"""

from __future__ import annotations

import gc
import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import BadInput
from core.linking.folder import check_linker_folder
from core.linking.link_process import KbReadingContext, LinkProcess
from core.review.links import LinkReview, Step, link_documents
from core.review.moves import step_document, step_row
from core.runtime.jobs import JobContext
from gui.changed_documents import ChangedDocuments
from gui.document_list import DocumentList
from gui.jobs import JobRunner
from gui.kb_browser import KbBrowser, entity_html, readable_table
from gui.linking_models import CandidateTableModel, LinkDocumentListModel, MentionTableModel
from gui.linking_text import LinkTextView, MentionHighlight, legend_html
from gui.status_line import StatusLine

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
DEMO_KB = RESOURCES / "data" / "linking" / "kb.jsonl"
DEMO_LINKER = RESOURCES / "models" / "linker-demo"
OWNER = "linking"  # linking the project
KB_OWNER = "linking-kb"  # loading a knowledge base
FILTERS = [
    ("All documents", "all"),
    ("Links not reviewed", "unreviewed"),
    ("Not linked yet", "unlinked"),
    ("Has NIL mentions", "nil"),
]
SHORTCUTS = [
    ("1 – 9", "Linking: link the selected mention to that candidate"),
    ("0", "Linking: the mention is NIL (not in the knowledge base)"),
    ("A", "Linking: accept the mention's link as it is"),
    ("X", "Linking: not a mention (removes one you added)"),
    ("J / K", "Linking: next / previous mention"),
    ("N / P", "Linking: next / previous document"),
    ("M", "Linking: add the selected text as a mention"),
    ("Enter", "Linking: accept the rest, go to the next document not reviewed"),
    ("Ctrl+F", "Linking: search the knowledge base"),
    ("L", "Linking: link the mention to the entity selected in the search"),
]


class LinkingPanel(QWidget):
    message = Signal(str)  # one line for the status bar
    error = Signal(str)  # something went wrong: the window shows it plainly

    def __init__(
        self,
        runner: JobRunner,
        linker: LinkProcess | None = None,
        settings: QSettings | None = None,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.linker = linker or LinkProcess()
        self.settings = settings
        self.project: Any = None
        self.review: LinkReview | None = None
        self.kb: Any = None
        self.kb_path: Path | None = None
        self.loading_kb: Path | None = None
        self.model_dir: Path | None = DEMO_LINKER if DEMO_LINKER.is_dir() else None
        self.batch_size = 32  # documents per batch sent to the linking process
        self._list_dirty = False
        self.changed = ChangedDocuments(self._show_changed, self)  # linked, not shown yet
        self._build()
        self._build_actions()
        self._restore_settings()

    # The document shown, as the review holds it.
    @property
    def store(self) -> Any:
        return self.review.store if self.review is not None else None

    @property
    def doc_id(self) -> int | None:
        return self.review.doc_id if self.review is not None else None

    @property
    def doc_text(self) -> str:
        return self.review.text if self.review is not None else ""

    @property
    def doc_links(self) -> list[Any]:
        return self.review.links if self.review is not None else []

    # -- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._build_top())
        self.documents = DocumentList(FILTERS, LinkDocumentListModel(self))
        self.documents.filter_changed.connect(lambda _: self.refresh_documents())
        self.documents.chosen.connect(self.show_document)
        self.doc_list, self.doc_model = self.documents.view, self.documents.model
        self.filter_box = self.documents.filter_box

        # middle: text and mentions
        middle = QWidget()
        mv = QVBoxLayout(middle)
        mv.setContentsMargins(0, 0, 0, 0)
        self.header = StatusLine("Open a project to link its documents.", lines=2)
        mv.addWidget(self.header)
        self.text_view = LinkTextView()
        self.mention_model = MentionTableModel(self._entity_label, self)
        self.mention_table = readable_table(self.mention_model, stretch_last=False)
        header = self.mention_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, 150)  # a long proposed span is elided, not the table widened
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.mention_table.selectionModel().currentRowChanged.connect(
            lambda *_: self._on_mention_changed()
        )
        text_box = QWidget()
        tv = QVBoxLayout(text_box)
        tv.setContentsMargins(0, 0, 0, 0)
        tv.addWidget(self.text_view, 1)
        keys = "1–9 link · 0 NIL · A accept · X reject · M add · J/K mentions · N/P documents"
        self.legend = QLabel(f"{legend_html()} &nbsp; <span style='color:#666'>{keys}</span>")
        self.legend.setWordWrap(True)
        tv.addWidget(self.legend)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(text_box)
        split.addWidget(self.mention_table)
        split.setSizes([300, 220])
        mv.addWidget(split, 1)
        buttons = QHBoxLayout()
        for label, slot in (
            ("Accept (A)", self.accept),
            ("NIL (0)", self.mark_nil),
            ("Reject (X)", self.reject),
            ("Add mention (M)", self.add_mention),
            ("Accept rest ⏎", self.accept_rest),
        ):
            b = QPushButton(label)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        mv.addLayout(buttons)

        # right: candidates, then the knowledge base
        cands = QWidget()
        cv = QVBoxLayout(cands)
        cv.setContentsMargins(0, 0, 0, 0)
        self.candidate_title = StatusLine("<b>Candidates</b>", lines=2)
        cv.addWidget(self.candidate_title)
        self.candidate_model = CandidateTableModel(self)
        self.candidate_table = readable_table(self.candidate_model)
        self.candidate_table.selectionModel().currentRowChanged.connect(
            lambda *_: self._show_candidate_description()
        )
        self.candidate_table.doubleClicked.connect(lambda i: self.choose(i.row() + 1))
        cv.addWidget(self.candidate_table, 3)
        self.candidate_description = QTextBrowser()
        cv.addWidget(self.candidate_description, 2)
        self.browser = KbBrowser(self.runner)
        self.browser.link_requested.connect(self.link_to_search_result)
        self.search_box = self.browser.search_box
        self.entity_model, self.entity_table = self.browser.model, self.browser.table
        self.entity_description = self.browser.description

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(cands)
        right.addWidget(self.browser)
        right.setSizes([380, 340])
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.documents)
        split.addWidget(middle)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 2)
        split.setSizes([250, 560, 460])
        layout.addWidget(split, 1)

    def _build_top(self) -> QHBoxLayout:
        """The knowledge base, the linker, and what runs over the whole project."""
        top = QHBoxLayout()
        top.addWidget(QLabel("Knowledge base:"))
        self.kb_label = QLabel("none")
        self.kb_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(self.kb_label, 1)
        open_kb = QPushButton("Open KB…")
        open_kb.clicked.connect(self.open_kb_dialog)
        top.addWidget(open_kb)
        top.addSpacing(12)
        top.addWidget(QLabel("Linker:"))
        self.linker_box = QComboBox()
        self.linker_box.setMinimumWidth(170)
        self.linker_box.activated.connect(self._linker_chosen)
        top.addWidget(self.linker_box)
        self.link_button = QToolButton()
        self.link_button.setText("Link project")
        self.link_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.link_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        menu = QMenu(self.link_button)
        menu.addAction("Link documents not linked yet", lambda: self.link_project(True))
        menu.addAction("Link all documents (keeps decisions)", lambda: self.link_project(False))
        self.link_button.setMenu(menu)
        self.link_button.clicked.connect(lambda: self.link_project(True))
        top.addWidget(self.link_button)
        importer = QPushButton("Import CCKS…")
        importer.clicked.connect(self.import_dialog)
        top.addWidget(importer)
        exporter = QToolButton()
        exporter.setText("Export CCKS ▾")
        exporter.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        # The style's own menu arrow is drawn over the text's last letter.
        exporter.setStyleSheet("QToolButton::menu-indicator { image: none; width: 0px; }")
        menu = QMenu(exporter)
        menu.addAction("All documents (statuses, scores, candidates)…", self.export_dialog)
        menu.addAction(
            "Reviewed documents, clean (training data)…", lambda: self.export_dialog(True)
        )
        exporter.setMenu(menu)
        top.addWidget(exporter)
        for w in (open_kb, importer, exporter, self.link_button, self.linker_box):
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the review
        return top

    def _build_actions(self) -> None:
        def add(keys: str | list[str], slot) -> QAction:
            action = QAction(self)
            seqs = [keys] if isinstance(keys, str) else keys
            action.setShortcuts([QKeySequence(k) for k in seqs])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)
            return action

        for n in range(1, 10):
            add(str(n), lambda _=False, n=n: self.choose(n))  # triggered passes checked
        add("0", self.mark_nil)
        add("A", self.accept)
        add("X", self.reject)
        add("J", lambda: self.move_mention(1))
        add("K", lambda: self.move_mention(-1))
        add("N", lambda: self.move_document(1))
        add("P", lambda: self.move_document(-1))
        add("M", self.add_mention)
        add("L", self.link_to_search_result)
        add(["Return", "Enter"], self._enter)
        add("Ctrl+F", self.browser.focus_search)

    def _restore_settings(self) -> None:
        kb = self.settings.value("linking/kb") if self.settings is not None else None
        self.default_kb = Path(kb) if kb and Path(kb).is_file() else DEMO_KB
        model = self.settings.value("linking/model") if self.settings is not None else None
        if model == "":
            self.model_dir = None
        elif model and Path(model).is_dir():
            self.model_dir = Path(model)
        self._fill_linker_box()

    # -- the linker --------------------------------------------------------------------

    def _fill_linker_box(self) -> None:
        self.linker_box.blockSignals(True)
        self.linker_box.clear()
        folders = [f for f in (DEMO_LINKER, self.model_dir) if f is not None and f.is_dir()]
        for folder in dict.fromkeys(folders):
            self.linker_box.addItem(folder.name, str(folder))
        self.linker_box.addItem("Dictionary baseline (no model)", "")
        self.linker_box.addItem("Choose a linker folder…", "choose")
        current = str(self.model_dir) if self.model_dir is not None else ""
        self.linker_box.setCurrentIndex(max(0, self.linker_box.findData(current)))
        self.linker_box.blockSignals(False)

    def _linker_chosen(self, index: int) -> None:
        data = self.linker_box.itemData(index)
        if data == "choose":
            folder = QFileDialog.getExistingDirectory(self, "Choose a linker folder")
            if folder:
                self.set_model_dir(folder)
            self._fill_linker_box()
        else:
            self.set_model_dir(data or None)

    def set_model_dir(self, folder: str | Path | None) -> bool:
        """The linker for "Link project" (None: the dictionary baseline). A
        folder that is no linker is refused with a message; the old one stays."""
        if folder is not None:
            folder = Path(folder)
            try:
                check_linker_folder(folder)
            except BadInput as e:
                self.error.emit(f"{folder} is not a KG Studio linker folder: {e}")
                self._fill_linker_box()
                return False
        self.model_dir = folder
        if self.settings is not None:
            self.settings.setValue("linking/model", str(folder) if folder else "")
        self._fill_linker_box()
        self.message.emit(f"Linker: {folder.name if folder else 'dictionary baseline'}")
        return True

    # -- the knowledge base ------------------------------------------------------------

    def ensure_kb(self) -> None:
        """Load the last knowledge base (or the demo one) unless one is loaded
        or loading."""
        if self.kb is None and self.loading_kb is None and self.default_kb.is_file():
            self.open_kb(self.default_kb)

    def open_kb_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a knowledge base (CCKS kb_data)", "", "JSON lines (*.json *.jsonl);;All (*)"
        )
        if path:
            self.open_kb(path)

    def open_kb(self, path: str | Path, wait: bool = False) -> None:
        """Load a CCKS ``kb_data`` file in the background (``wait``: now). A bad
        file leaves the current knowledge base loaded and says where it went
        wrong. The window needs no alias automaton (building one holds the
        interpreter lock for seconds on a large KB): a mention's candidates are
        the entities of its exact name; the linking process keeps the index."""
        from core.linking.kb import KnowledgeBase

        path = Path(path)

        def job(ctx: JobContext) -> tuple:
            if not path.is_file():
                raise BadInput(f"{path}: no such file")
            # The cyclic garbage collector would scan the growing KB again and
            # again, holding the interpreter lock (and the window) for most of
            # a second each time on a large one; entities are plain tuples that
            # reference counting frees. Once loaded, the KB is set aside from
            # later collections (freeze) for the same reason.
            collecting = gc.isenabled()
            gc.disable()
            try:
                kb = KnowledgeBase.load(path, KbReadingContext(path, ctx))
            finally:
                if collecting:
                    gc.enable()
            gc.freeze()
            return path, kb

        if wait:
            try:
                result = job(JobContext.null())
            except Exception as e:
                self._kb_failed(path, str(e) or type(e).__name__)
                self.error.emit(f"Knowledge base not opened: {e}")
                return
            self._kb_loaded(result)
            return
        self.loading_kb = path
        self.kb_label.setText(f"loading {path.name}…")
        self.runner.submit(
            KB_OWNER,
            job,
            name=f"Loading the knowledge base {path.name}",
            on_result=self._kb_loaded,
            on_error=lambda message, tb: self._kb_failed(path, message),
            on_cancelled=lambda: self._kb_failed(path, "cancelled"),
        )

    def _kb_loaded(self, result: tuple) -> None:
        path, kb = result
        self.loading_kb = None
        self.kb, self.kb_path = kb, path
        self.default_kb = path
        if self.review is not None:
            self.review.set_kb(kb)
        if self.settings is not None:
            self.settings.setValue("linking/kb", str(path.resolve()))
        self.kb_label.setText(f"<b>{html.escape(path.name)}</b> — {len(kb):,} entities")
        self.kb_label.setToolTip(str(path))
        self.message.emit(f"Knowledge base {path.name}: {len(kb):,} entities")
        self.mention_model.layoutChanged.emit()  # entity names
        self._on_mention_changed()
        self.browser.set_kb(kb)

    def _kb_failed(self, path: Path, message: str) -> None:
        self.loading_kb = None
        still = f"still using {self.kb_path.name}" if self.kb_path else "no knowledge base loaded"
        self.kb_label.setText(
            f"<span style='color:#8a1120'>could not open {html.escape(path.name)} "
            f"({html.escape(message)})</span> — {still}"
        )
        self.message.emit(f"Knowledge base not opened: {message}")

    def _entity_label(self, entity_id: str) -> str:
        return self.review.entity_label(entity_id) if self.review is not None else entity_id

    def search(self) -> None:
        self.browser.search()

    # -- project and documents -----------------------------------------------------------

    def set_project(self, project: Any) -> None:
        if project is not self.project:
            self.runner.cancel(OWNER)
        self.project = project
        self.review = LinkReview(project, self.kb) if project is not None else None
        self.changed.clear()
        if self.isVisible():
            self._open_first()
        else:
            self._list_dirty = True  # read when the tab is first shown

    def _open_first(self) -> None:
        self._list_dirty = False
        self.refresh_documents()
        first = self.review.first_document() if self.review is not None else None
        if first is not None:
            self.show_document(first)
        else:
            self._show_empty()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.ensure_kb()
        if self.project is None:
            return
        if self._list_dirty or self.doc_id is None:
            self._open_first()
        else:  # the Triples tab may have undone a link edit meanwhile
            self.refresh_document_row(self.doc_id)
            self.show_document(self.doc_id, self.mention_table.currentIndex().row())

    def current_filter(self) -> str:
        return self.documents.current_filter()

    def refresh_documents(self) -> None:
        if self.review is None:
            self.documents.clear()
            return
        rows = self.review.store.summaries(self.current_filter())
        self.documents.set_rows(rows, self.project.count_documents())
        if self.doc_id is not None:
            self.documents.select(self.doc_id)

    def refresh_document_row(self, doc_id: int) -> None:
        if self.review is not None:
            for summary in self.review.store.summaries(doc_ids=[doc_id]):
                self.documents.update_row(summary)

    def show_document(self, doc_id: int, row: int = 0) -> None:
        """Show a document with its ``row``-th mention selected."""
        if self.review is None:
            return
        if self._list_dirty:
            self._list_dirty = False
            self.refresh_documents()
        if not self.review.open(doc_id):
            self._show_empty()
            return
        self._draw(row)

    def _draw(self, row: int) -> None:
        """The document the review holds, its ``row``-th mention selected."""
        links = self.doc_links
        self.mention_model.set_rows(links)
        if links:
            self.mention_table.selectRow(max(0, min(row, len(links) - 1)))
        self.documents.select(self.doc_id)
        self._on_mention_changed()
        self._show_header()

    def _show_header(self) -> None:
        s = self.review.summary() if self.review is not None else None
        if s is None:
            return
        state = "links reviewed" if s.reviewed else "links not reviewed"
        by = f"linked by {s.linked_by}" if s.linked_by else "not linked yet"
        counts: dict[str, int] = {}
        for x in self.doc_links:
            counts[x.status] = counts.get(x.status, 0) + 1
        summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no mentions"
        nil = f", {s.n_nil} NIL" if s.n_nil else ""
        self.header.setText(f"<b>Document {s.position + 1}</b> — {state} — {by} — {summary}{nil}")

    def _show_empty(self) -> None:
        self.mention_model.set_rows([])
        self.text_view.show_mentions("", [])
        self.candidate_model.set_rows([])
        self.candidate_description.clear()
        self.header.setText("This project has no documents: import a CCKS or DuIE file.")

    def current_row(self) -> int:
        return self.mention_table.currentIndex().row()

    def current_link(self) -> Any:
        return self.review.link_at(self.current_row()) if self.review is not None else None

    def _on_mention_changed(self) -> None:
        if self.doc_id is None:
            return
        current = self.current_link()
        highlights = [
            MentionHighlight(x.start, x.end, x.status, x.is_nil, x is current)
            for x in self.doc_links
        ]
        self.text_view.show_mentions(self.doc_text, highlights)
        self._show_candidates(current)

    def _show_candidates(self, link: Any) -> None:
        if link is None:
            self.candidate_title.setText("<b>Candidates</b> — select a mention")
            self.candidate_model.set_rows([])
            self.candidate_description.clear()
            return
        rows = self.review.candidates(link)
        self.candidate_model.chosen = link.kb_id
        self.candidate_model.set_rows(rows)
        e = html.escape
        target = (
            "NIL (not in the knowledge base)" if link.is_nil else e(self._entity_label(link.kb_id))
        )
        self.candidate_title.setText(
            f"<b>Candidates of “{e(link.mention)}”</b> — {target} "
            f"<span style='color:#666'>· {link.status}</span>"
        )
        if rows:
            chosen = next((k for k, r in enumerate(rows) if r.entity_id == link.kb_id), 0)
            self.candidate_table.selectRow(chosen)
        self._show_candidate_description()

    def _show_candidate_description(self) -> None:
        row = self.candidate_table.currentIndex().row()
        if not (0 <= row < len(self.candidate_model.rows)):
            self.candidate_description.clear()
            return
        found = self.candidate_model.rows[row]
        if found.entity is None:
            self.candidate_description.setHtml(
                f"{html.escape(found.entity_id)}: not in the loaded knowledge base"
            )
        else:
            self.candidate_description.setHtml(entity_html(found.entity, found.score))

    # -- review --------------------------------------------------------------------------

    def _apply(self, step: Step) -> None:
        """Show what a step of the review left: its message, the lines it
        changed, the document with the mention it chose (or the same row)."""
        if step.message:
            self.message.emit(step.message)
        for doc_id in step.changed:
            self.refresh_document_row(doc_id)
        if self.doc_id is None:
            return
        self._draw(step.select if step.select is not None else self.current_row())
        if step.search is not None:
            self.search_box.setText(step.search)

    def move_mention(self, step: int) -> None:
        row = step_row(self.current_row(), step, len(self.doc_links))
        if row is not None:
            self.mention_table.selectRow(row)

    def move_document(self, step: int) -> None:
        summary = self.review.summary() if self.review is not None else None
        if summary is not None:
            row = self.documents.row_of(summary.id)
            found = step_document(self.documents.rows, row, summary.position, step)
            if found is not None:
                self.show_document(found)

    def choose(self, n: int) -> None:
        """Link the selected mention to its ``n``-th candidate (1-based)."""
        if self.review is not None:
            self._apply(self.review.choose(self.current_row(), n))

    def mark_nil(self) -> None:
        if self.review is not None:
            self._apply(self.review.mark_nil(self.current_row()))

    def accept(self) -> None:
        if self.review is not None:
            self._apply(self.review.accept(self.current_row()))

    def reject(self) -> None:
        if self.review is not None:
            self._apply(self.review.reject(self.current_row()))

    def link_to_search_result(self) -> None:
        if self.review is None:
            return
        if not self.browser.answers_the_box():
            # The list still answers an earlier search (the search box was
            # just typed in or filled by M): never link to one of those.
            self.browser.search_now()
            query = self.search_box.text().strip()
            self.message.emit(f"Searching for “{query}”: press L again when the results show.")
            return
        entity = self.browser.selected_entity()
        if entity is None:
            self.message.emit("Search the knowledge base (Ctrl+F) and select an entity first.")
            return
        self._apply(self.review.link_to(self.current_row(), entity.id))

    def add_mention(self) -> None:
        """The text selected with the mouse becomes a mention (NIL until its
        entity is chosen from the candidates or the search, which is filled
        with the mention)."""
        if self.review is None:
            return
        step = self.review.add_mention(self.text_view.selected_span())
        self._apply(step)
        if step.search is not None:
            self.mention_table.setFocus()

    def _enter(self) -> None:
        if self.search_box.hasFocus():
            self.browser.search_now()
        else:
            self.accept_rest()

    def accept_rest(self) -> None:
        """Accept the document's remaining proposals, mark its links reviewed
        and go to the next document whose links nobody reviewed."""
        if self.review is not None:
            self._apply(self.review.accept_rest())

    # -- undo --------------------------------------------------------------------------

    def undo(self) -> None:
        if self.review is not None:
            self._apply(self.review.undo(self.current_row()))

    def redo(self) -> None:
        if self.review is not None:
            self._apply(self.review.redo(self.current_row()))

    # -- linking the project -----------------------------------------------------------

    def link_project(self, only_unlinked: bool = True, wait: bool = False) -> None:
        """Link the project's documents (those not linked yet, or all) in the
        linking process (:func:`core.review.links.link_documents`), with
        progress and Cancel in the status bar; decisions a person made stay."""
        if self.project is None:
            self.message.emit("Open a project first.")
            return
        kb_path = self.kb_path or self.loading_kb or self.default_kb
        if kb_path is None or not Path(kb_path).is_file():
            self.message.emit("Open a knowledge base first.")
            return
        project, linker = self.project, self.linker
        folder, batch_size = self.model_dir, self.batch_size

        def job(ctx: JobContext) -> tuple[str, int]:
            return link_documents(project, linker, kb_path, folder, ctx, only_unlinked, batch_size)

        if wait:
            self._link_done(project, job(JobContext.null()), cancelled=False)
            return
        which = "documents not linked yet" if only_unlinked else "all documents"
        self.runner.submit(
            OWNER,
            job,
            name=f"Linking {which}",
            on_partial=self.changed.add,
            on_result=lambda result: self._link_done(project, result, cancelled=False),
            on_cancelled=lambda: self._link_done(project, None, cancelled=True),
        )

    def _show_changed(self, doc_ids: set[int]) -> None:
        if self.review is None:
            return
        for summary in self.review.store.summaries(doc_ids=doc_ids):
            self.documents.update_row(summary)
        if self.doc_id in doc_ids:
            self.show_document(self.doc_id, self.current_row())

    def _link_done(self, project: Any, result: tuple | None, cancelled: bool) -> None:
        if project is not self.project:
            return
        self.changed.flush()
        self.refresh_documents()
        if self.doc_id is not None:
            self.show_document(self.doc_id, self.current_row())
        elif self.documents.rows:
            self.show_document(self.documents.rows[0].id)
        if cancelled:
            self.message.emit("Linking cancelled; the documents done so far are kept.")
        elif result is not None:
            origin, n = result
            self.message.emit(f"Linked {n} documents" + (f" with {origin}." if origin else "."))

    # -- files ---------------------------------------------------------------------------

    def export_dialog(self, reviewed_only: bool = False) -> None:
        if self.store is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Export links (CCKS queries)", "", "JSON lines (*.jsonl *.json)"
        )
        if path:
            self.export_file(path, reviewed_only=reviewed_only, clean=reviewed_only)

    def export_file(
        self, path: str | Path, reviewed_only: bool = False, clean: bool = False
    ) -> int:
        try:
            n = self.store.export_file(path, reviewed_only=reviewed_only, clean=clean)
        except Exception as e:
            self.error.emit(f"Export failed: {e}")
            return 0
        self.message.emit(f"Exported {n} documents to {path}")
        return n

    def import_dialog(self) -> None:
        if self.store is None:
            self.error.emit("Open or create a project first (File → New project).")
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Import CCKS queries", "", "JSON lines (*.json *.jsonl);;All files (*)"
        )
        if path:
            self.import_file(path)

    def import_file(self, path: str | Path) -> int:
        """Texts and mention_data of a CCKS file become documents with links;
        a bad line leaves the project as it was and names file:line."""
        try:
            n = self.store.import_file(path)
        except Exception as e:
            self.error.emit(f"Nothing was imported: {e}")
            return 0
        self.message.emit(f"Imported {n} documents from {Path(path).name}")
        self.refresh_documents()
        if self.doc_id is None and self.documents.rows:
            self.show_document(self.documents.rows[0].id)
        return n

    def shutdown(self) -> None:
        """Stop the linking process (the window is closing, and with it the
        project: a job's late signals find no project to show)."""
        self.runner.cancel(OWNER)
        self.linker.close()
        self.project = self.review = None
