"""The Linking panel: entity mentions of the project's documents linked to a
knowledge base, corrected with one key press.

Left, the documents; in the middle, the text with every mention highlighted
by status and the document's mentions; right, the selected mention's
candidates (type, score, description) and a search of the knowledge base.
Every decision is an operation on the project store (``core.store.links``),
one step of the project's undo history. Linking the whole project runs in a
child process (``core.linking.link_process``), so the window never imports
TensorFlow and never freezes.
"""

from __future__ import annotations

import gc
import html
import json
from itertools import islice
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import BadInput
from core.jobs import JobContext
from core.linking.link_process import KbReadingContext, LinkProcess
from core.linking.queries import NIL
from core.store.links import Links
from gui.jobs import JobRunner, PartialsTo
from gui.linking_models import (
    CandidateTableModel,
    EntityTableModel,
    LinkDocumentListModel,
    MentionTableModel,
)
from gui.linking_text import LinkTextView, MentionHighlight, legend_html

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
DEMO_KB = RESOURCES / "data" / "linking" / "kb.jsonl"
DEMO_LINKER = RESOURCES / "models" / "linker-demo"
OWNER = "linking"  # linking the project
KB_OWNER = "linking-kb"  # loading a knowledge base
SEARCH_OWNER = "linking-search"  # searching it
COALESCE_MS = 150
SEARCH_LIMIT = 200
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


def _table(model: Any, stretch_last: bool = True) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(stretch_last)
    return view


def entity_html(entity: Any, score: float | None = None) -> str:
    """What the knowledge base says about an entity, for the description boxes."""
    e = html.escape
    head = f"<b>{e(entity.name)}</b> &nbsp;<span style='color:#666'>{e(entity.id)}"
    if entity.types:
        head += " · " + e("、".join(entity.types))
    if score is not None:
        head += f" · score {score:.2f}"
    head += "</span>"
    parts = [head]
    if entity.aliases:
        parts.append("<i>aliases:</i> " + e("、".join(entity.aliases)))
    facts = dict(entity.data)
    for key in ("摘要", "义项描述"):
        if facts.get(key):
            parts.append(e(facts[key]))
    others = [f"<i>{e(p)}</i>：{e(o)}" for p, o in entity.data if p not in ("摘要", "义项描述")]
    if others:
        parts.append("；".join(others[:12]))
    return "<br>".join(parts)


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
        self.store: Links | None = None
        self.kb: Any = None
        self.kb_path: Path | None = None
        self.loading_kb: Path | None = None
        self.model_dir: Path | None = DEMO_LINKER if DEMO_LINKER.is_dir() else None
        self.batch_size = 32  # documents per batch sent to the linking process
        self.doc_id: int | None = None
        self.doc_text = ""
        self.doc_links: list[Any] = []
        self._list_dirty = False
        self._pending: set[int] = set()
        self._pending_timer = QTimer(self)
        self._pending_timer.setSingleShot(True)
        self._pending_timer.setInterval(COALESCE_MS)
        self._pending_timer.timeout.connect(self._apply_pending)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self.search)
        self._results_query: str | None = None  # the search the entity list answers
        self._build()
        self._build_actions()
        self._restore_settings()

    # -- layout ------------------------------------------------------------------------

    def _build(self) -> None:
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

        # left: documents
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.filter_box = QComboBox()
        for label, _ in FILTERS:
            self.filter_box.addItem(label)
        self.filter_box.currentIndexChanged.connect(lambda _: self.refresh_documents())
        lv.addWidget(self.filter_box)
        self.doc_model = LinkDocumentListModel(self)
        self.doc_list = QListView()
        self.doc_list.setModel(self.doc_model)
        self.doc_list.setUniformItemSizes(True)
        self.doc_list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.doc_list.selectionModel().currentChanged.connect(self._on_document_chosen)
        lv.addWidget(self.doc_list)
        self.doc_count = QLabel("")
        lv.addWidget(self.doc_count)

        # middle: text and mentions
        middle = QWidget()
        mv = QVBoxLayout(middle)
        mv.setContentsMargins(0, 0, 0, 0)
        self.header = QLabel("Open a project to link its documents.")
        self.header.setWordWrap(True)
        mv.addWidget(self.header)
        self.text_view = LinkTextView()
        self.mention_model = MentionTableModel(self.entity_name, self)
        self.mention_table = _table(self.mention_model, stretch_last=False)
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
        self.candidate_title = QLabel("<b>Candidates</b>")
        self.candidate_title.setWordWrap(True)
        cv.addWidget(self.candidate_title)
        self.candidate_model = CandidateTableModel(self)
        self.candidate_table = _table(self.candidate_model)
        self.candidate_table.selectionModel().currentRowChanged.connect(
            lambda *_: self._show_candidate_description()
        )
        self.candidate_table.doubleClicked.connect(lambda i: self.choose(i.row() + 1))
        cv.addWidget(self.candidate_table, 3)
        self.candidate_description = QTextBrowser()
        cv.addWidget(self.candidate_description, 2)

        kb_box = QWidget()
        kv = QVBoxLayout(kb_box)
        kv.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Knowledge base</b>"))
        self.search_box = QLineEdit()
        self.search_box.setPlaceholderText("search by name, alias or id (Ctrl+F)")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(lambda _: self._search_timer.start())
        self.search_box.returnPressed.connect(self._search_now)
        row.addWidget(self.search_box, 1)
        use = QPushButton("Link mention to it (L)")
        use.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        use.clicked.connect(self.link_to_search_result)
        row.addWidget(use)
        kv.addLayout(row)
        self.entity_model = EntityTableModel(self)
        self.entity_table = _table(self.entity_model)
        header = self.entity_table.horizontalHeader()
        for column, width in ((0, 150), (1, 130)):  # long names and type lists elide: the id shows
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        self.entity_table.selectionModel().currentRowChanged.connect(
            lambda *_: self._show_entity_description()
        )
        self.entity_table.doubleClicked.connect(lambda _: self.link_to_search_result())
        kv.addWidget(self.entity_table, 3)
        self.entity_description = QTextBrowser()
        kv.addWidget(self.entity_description, 2)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(cands)
        right.addWidget(kb_box)
        right.setSizes([380, 340])

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(middle)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 2)
        split.setSizes([250, 560, 460])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(split, 1)

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
        add("Ctrl+F", self.focus_search)

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
                meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
                if meta.get("task") != "link":
                    raise ValueError(f"its task is {meta.get('task')!r}, expected 'link'")
            except (OSError, ValueError) as e:
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
        the entities of its exact alias; the linking process keeps the index."""
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
        if self.settings is not None:
            self.settings.setValue("linking/kb", str(path.resolve()))
        self.kb_label.setText(f"<b>{html.escape(path.name)}</b> — {len(kb):,} entities")
        self.kb_label.setToolTip(str(path))
        self.message.emit(f"Knowledge base {path.name}: {len(kb):,} entities")
        self.mention_model.layoutChanged.emit()  # entity names
        self._on_mention_changed()
        self.search()

    def _kb_failed(self, path: Path, message: str) -> None:
        self.loading_kb = None
        still = f"still using {self.kb_path.name}" if self.kb_path else "no knowledge base loaded"
        self.kb_label.setText(
            f"<span style='color:#8a1120'>could not open {html.escape(path.name)} "
            f"({html.escape(message)})</span> — {still}"
        )
        self.message.emit(f"Knowledge base not opened: {message}")

    def entity_name(self, entity_id: str) -> str:
        entity = self.kb.get(entity_id) if self.kb is not None else None
        return f"{entity.name} ({entity_id})" if entity else entity_id

    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def _search_now(self) -> None:
        self._search_timer.stop()
        self.search()
        self.entity_table.setFocus()

    def search(self) -> None:
        """Entities whose name or alias contains the search text, or with that
        id; the first entities of the KB when it is empty. On a worker thread:
        a substring search of a large KB takes a while."""
        kb, query = self.kb, self.search_box.text().strip()
        if kb is None:
            return

        def job(ctx: JobContext) -> list:
            if not query:
                return list(islice(kb.entities.values(), SEARCH_LIMIT))
            return kb.search(query, limit=SEARCH_LIMIT)

        self.runner.submit(
            SEARCH_OWNER,
            job,
            quiet=True,
            on_result=lambda rows: self._show_results(rows, query) if kb is self.kb else None,
        )

    def _show_results(self, rows: list, query: str | None = None) -> None:
        self._results_query = query
        self.entity_model.set_rows(rows)
        if rows:
            self.entity_table.selectRow(0)
        else:
            self.entity_description.setHtml("<i>nothing found</i>")

    def _show_entity_description(self) -> None:
        row = self.entity_table.currentIndex().row()
        if 0 <= row < len(self.entity_model.rows):
            self.entity_description.setHtml(entity_html(self.entity_model.rows[row]))

    # -- project and documents -----------------------------------------------------------

    def set_project(self, project: Any) -> None:
        if project is not self.project:
            self.runner.cancel(OWNER)
        self.project = project
        self.store = Links(project) if project is not None else None
        self.doc_id = None
        self._pending_timer.stop()
        self._pending.clear()
        if self.isVisible():
            self._open_first()
        else:
            self._list_dirty = True  # read when the tab is first shown

    def _open_first(self) -> None:
        self._list_dirty = False
        self.refresh_documents()
        if self.doc_model.rows:
            first = self.store.next_unreviewed(-1) or self.doc_model.rows[0].id
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
        return FILTERS[self.filter_box.currentIndex()][1]

    def refresh_documents(self) -> None:
        if self.store is None:
            self.doc_model.set_rows([])
            self.doc_count.setText("")
            return
        rows = self.store.summaries(self.current_filter())
        self.doc_model.set_rows(rows)
        self.doc_count.setText(f"{len(rows)} of {self.project.count_documents()} documents")
        if self.doc_id is not None:
            self._select_in_list(self.doc_id)

    def refresh_document_row(self, doc_id: int) -> None:
        if self.store is not None:
            for summary in self.store.summaries(doc_ids=[doc_id]):
                self.doc_model.update_row(summary)

    def _select_in_list(self, doc_id: int) -> None:
        row = self.doc_model.row_of(doc_id)
        if row is None:
            return
        index = self.doc_model.index(row)
        sm = self.doc_list.selectionModel()
        sm.blockSignals(True)
        sm.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        sm.blockSignals(False)
        self.doc_list.scrollTo(index)

    def _on_document_chosen(self, current, previous) -> None:
        if current.isValid():
            self.show_document(self.doc_model.rows[current.row()].id)

    def show_document(self, doc_id: int, row: int = 0) -> None:
        """Show a document with its ``row``-th mention selected."""
        if self.store is None:
            return
        found = self.project.texts([doc_id])
        if not found:
            self._show_empty()
            return
        if self._list_dirty:
            self._list_dirty = False
            self.refresh_documents()
        self.doc_id, self.doc_text = found[0]
        self.doc_links = self.store.links(doc_id)
        self.mention_model.set_rows(self.doc_links)
        if self.doc_links:
            self.mention_table.selectRow(max(0, min(row, len(self.doc_links) - 1)))
        self._select_in_list(doc_id)
        self._on_mention_changed()
        self._show_header()

    def _show_header(self) -> None:
        summaries = self.store.summaries(doc_ids=[self.doc_id])
        if not summaries:
            return
        s = summaries[0]
        state = "links reviewed" if s.reviewed else "links not reviewed"
        by = f"linked by {s.linked_by}" if s.linked_by else "not linked yet"
        counts: dict[str, int] = {}
        for x in self.doc_links:
            counts[x.status] = counts.get(x.status, 0) + 1
        summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no mentions"
        nil = f", {s.n_nil} NIL" if s.n_nil else ""
        self.header.setText(f"<b>Document {s.position + 1}</b> — {state} — {by} — {summary}{nil}")

    def _show_empty(self) -> None:
        self.doc_id, self.doc_text, self.doc_links = None, "", []
        self.mention_model.set_rows([])
        self.text_view.show_mentions("", [])
        self.candidate_model.set_rows([])
        self.candidate_description.clear()
        self.header.setText("This project has no documents: import a CCKS or DuIE file.")

    def current_link(self) -> Any:
        row = self.mention_table.currentIndex().row()
        if self.doc_id is None or not (0 <= row < len(self.doc_links)):
            return None
        return self.doc_links[row]

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

    def candidates_of(self, link: Any) -> list[tuple[str, float | None]]:
        """The linker's scored candidates; for a mention without any (one a
        person added), the knowledge base's entities of that alias by prior."""
        if link.candidates:
            return list(link.candidates)
        return self.alias_candidates(link.mention)

    def alias_candidates(self, mention: str) -> list[tuple[str, float]]:
        """The entities named ``mention`` with their alias prior (as the alias
        index gives them: one over the number of entities of that alias)."""
        ids = list(dict.fromkeys(self.kb.by_name.get(mention, ()))) if self.kb else []
        return [(i, 1.0 / len(ids)) for i in ids]

    def _show_candidates(self, link: Any) -> None:
        if link is None:
            self.candidate_title.setText("<b>Candidates</b> — select a mention")
            self.candidate_model.set_rows([])
            self.candidate_description.clear()
            return
        get = self.kb.get if self.kb is not None else (lambda _: None)
        rows = [(n, i, s, get(i)) for n, (i, s) in enumerate(self.candidates_of(link), 1)]
        self.candidate_model.chosen = link.kb_id
        self.candidate_model.set_rows(rows)
        e = html.escape
        target = (
            "NIL (not in the knowledge base)" if link.is_nil else e(self.entity_name(link.kb_id))
        )
        self.candidate_title.setText(
            f"<b>Candidates of “{e(link.mention)}”</b> — {target} "
            f"<span style='color:#666'>· {link.status}</span>"
        )
        chosen = next((k for k, (_, i, _, _) in enumerate(rows) if i == link.kb_id), 0)
        if rows:
            self.candidate_table.selectRow(chosen)
        self._show_candidate_description()

    def _show_candidate_description(self) -> None:
        row = self.candidate_table.currentIndex().row()
        if not (0 <= row < len(self.candidate_model.rows)):
            self.candidate_description.clear()
            return
        _, entity_id, score, entity = self.candidate_model.rows[row]
        if entity is None:
            self.candidate_description.setHtml(
                f"{html.escape(entity_id)}: not in the loaded knowledge base"
            )
        else:
            self.candidate_description.setHtml(entity_html(entity, score))

    # -- review --------------------------------------------------------------------------

    def move_mention(self, step: int) -> None:
        n = len(self.doc_links)
        if n:
            row = self.mention_table.currentIndex().row()
            self.mention_table.selectRow(max(0, min(n - 1, (row if row >= 0 else -step) + step)))

    def move_document(self, step: int) -> None:
        if self.doc_id is None or not self.doc_model.rows:
            return
        row = self.doc_model.row_of(self.doc_id)
        row = 0 if row is None else max(0, min(len(self.doc_model.rows) - 1, row + step))
        self.show_document(self.doc_model.rows[row].id)

    def _decide(self, verb: str, action, target: str = "") -> None:
        """Run ``action(link)`` on the selected mention, then select the next one."""
        link = self.current_link()
        if link is None:
            self.message.emit("Select a mention first (J / K).")
            return
        try:
            action(link)
        except KeyError:  # a running link job replaced this proposal meanwhile
            self.message.emit("That mention was just re-linked; showing the document as it is now.")
            self.show_document(self.doc_id, self.mention_table.currentIndex().row())
            return
        except BadInput as e:
            self.message.emit(str(e))
            return
        self.message.emit(f"{verb} “{link.mention}”" + (f" to {target}" if target else ""))
        row = self.mention_table.currentIndex().row()
        self.show_document(self.doc_id, row + 1 if row + 1 < len(self.doc_links) else row)
        self.refresh_document_row(self.doc_id)

    def choose(self, n: int) -> None:
        """Link the selected mention to its ``n``-th candidate (1-based)."""
        link = self.current_link()
        rows = self.candidate_model.rows
        if link is not None and not (1 <= n <= len(rows)):
            self.message.emit(f"“{link.mention}” has {len(rows)} candidates; no {n}.")
            return
        entity_id = rows[n - 1][1] if link is not None else ""
        self._decide(
            "Linked",
            lambda x: self.store.choose_candidate(x.id, entity_id),
            self.entity_name(entity_id),
        )

    def mark_nil(self) -> None:
        self._decide("Marked NIL:", lambda x: self.store.mark_nil(x.id))

    def accept(self) -> None:
        self._decide("Accepted", lambda x: self.store.accept(x.id))

    def reject(self) -> None:
        self._decide("Rejected", lambda x: self.store.reject(x.id))

    def link_to_search_result(self) -> None:
        query = self.search_box.text().strip()
        if query != self._results_query:
            # The list still answers an earlier search (the search box was
            # just typed in or filled by M): never link to one of those.
            self._search_now()
            self.message.emit(f"Searching for “{query}”: press L again when the results show.")
            return
        row = self.entity_table.currentIndex().row()
        if not (0 <= row < len(self.entity_model.rows)):
            self.message.emit("Search the knowledge base (Ctrl+F) and select an entity first.")
            return
        entity = self.entity_model.rows[row]
        self._decide(
            "Linked",
            lambda x: self.store.choose_candidate(x.id, entity.id),
            self.entity_name(entity.id),
        )

    def add_mention(self) -> None:
        """The text selected with the mouse becomes a mention (NIL until its
        entity is chosen from the candidates or the search, which is filled
        with the mention)."""
        span = self.text_view.selected_span()
        if self.doc_id is None or span is None:
            self.message.emit("Select the mention's text first, then press M.")
            return
        start, end = span
        mention = self.doc_text[start:end]
        try:
            link = self.store.add_link(self.doc_id, start, end, NIL, self.alias_candidates(mention))
        except BadInput as e:
            self.message.emit(str(e))
            return
        self.show_document(self.doc_id)
        row = next((k for k, x in enumerate(self.doc_links) if x.id == link.id), 0)
        self.mention_table.selectRow(row)
        self.refresh_document_row(self.doc_id)
        self.search_box.setText(mention)
        self.mention_table.setFocus()
        n = len(self.candidate_model.rows)
        choose = f"press 1–{min(n, 9)} to link it, or " if n else ""
        self.message.emit(f"Added “{mention}”: {choose}pick an entity in the search and press L.")

    def _enter(self) -> None:
        if self.search_box.hasFocus():
            self._search_now()
        else:
            self.accept_rest()

    def accept_rest(self) -> None:
        """Accept the document's remaining proposals, mark its links reviewed
        and go to the next document whose links nobody reviewed."""
        if self.doc_id is None:
            return
        position = self.store.summaries(doc_ids=[self.doc_id])[0].position
        self.store.accept_rest(self.doc_id)
        done = self.doc_id
        self.refresh_document_row(done)
        nxt = self.store.next_unreviewed(position)
        if nxt is None:
            self.message.emit("Every document's links are reviewed.")
            self.show_document(done)
        else:
            self.show_document(nxt)

    # -- undo --------------------------------------------------------------------------

    def undo(self) -> None:
        self._jump_to(self.project.undo() if self.project else None, "Undone")

    def redo(self) -> None:
        self._jump_to(self.project.redo() if self.project else None, "Redone")

    def _jump_to(self, edit: Any, verb: str) -> None:
        if edit is None:
            self.message.emit(f"Nothing to {verb.lower()[:-2]}.")
            return
        self.message.emit(f"{verb}: {edit.description}")
        self.refresh_document_row(edit.doc_id)
        row = self.mention_table.currentIndex().row() if edit.doc_id == self.doc_id else 0
        self.show_document(edit.doc_id, max(row, 0))

    # -- linking the project -----------------------------------------------------------

    def link_project(self, only_unlinked: bool = True, wait: bool = False) -> None:
        """Link the project's documents (those not linked yet, or all) in the
        linking process, with progress and Cancel in the status bar. Each
        batch is stored as it arrives; decisions a person made stay."""
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
            with project.second_connection() as writer:
                links = Links(writer)
                documents = writer.texts(links.document_ids(only_unlinked))
                if not documents:
                    return "", 0

                def store(part: tuple[str, list]) -> None:
                    origin, batch = part
                    if ctx.cancelled:  # the project may be closing: keep what is done
                        return
                    links.replace_predictions_many(batch, origin)
                    ctx.partial([doc_id for doc_id, _ in batch])

                inner = PartialsTo(ctx, store)
                return linker.link_documents(kb_path, folder, documents, inner, batch_size)

        if wait:
            self._link_done(project, job(JobContext.null()), cancelled=False)
            return
        which = "documents not linked yet" if only_unlinked else "all documents"
        self.runner.submit(
            OWNER,
            job,
            name=f"Linking {which}",
            on_partial=self._links_stored,
            on_result=lambda result: self._link_done(project, result, cancelled=False),
            on_cancelled=lambda: self._link_done(project, None, cancelled=True),
        )

    def _links_stored(self, doc_ids: list[int]) -> None:
        self._pending.update(doc_ids)
        if not self._pending_timer.isActive():
            self._pending_timer.start()

    def _apply_pending(self) -> None:
        pending, self._pending = self._pending, set()
        if self.store is None or not pending:
            return
        for summary in self.store.summaries(doc_ids=pending):
            self.doc_model.update_row(summary)
        if self.doc_id in pending:
            self.show_document(self.doc_id, self.mention_table.currentIndex().row())

    def _link_done(self, project: Any, result: tuple | None, cancelled: bool) -> None:
        if project is not self.project:
            return
        self._pending_timer.stop()
        self._apply_pending()
        self.refresh_documents()
        if self.doc_id is not None:
            self.show_document(self.doc_id, self.mention_table.currentIndex().row())
        elif self.doc_model.rows:
            self.show_document(self.doc_model.rows[0].id)
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
        if self.doc_id is None and self.doc_model.rows:
            self.show_document(self.doc_model.rows[0].id)
        return n

    def shutdown(self) -> None:
        """Stop the linking process (the window is closing, and with it the
        project: a job's late signals find no project to show)."""
        self.runner.cancel(OWNER)
        self.linker.close()
        self.project = self.store = None
