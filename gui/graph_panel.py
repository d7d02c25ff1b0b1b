"""The Graph panel: cluster a graph file or the project's triples, look at the
modules, compare runs, and go from a node back to the sentences behind it.

Large graphs are drawn a module at a time (``core.graph.overview``): the
modules of the top level as super-nodes, and a double-click on one (or on its
entry in the hierarchy) opens it; the breadcrumb, the Back button and
Backspace go back up. Layouts and scenes are computed in core jobs."""

from __future__ import annotations

import gc
import os
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from PySide6.QtCore import QModelIndex, Qt, Signal  # noqa: E402
from PySide6.QtGui import QKeySequence, QShortcut  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from core.graph.overview import ROOT, Hierarchy, Scene  # noqa: E402
from gui.graph_models import ModuleTableModel, ModuleTreeModel  # noqa: E402
from gui.graph_view import PALETTE, SceneView  # noqa: E402
from gui.jobs import JobRunner  # noqa: E402

OWNER = "graph"
VIEW_OWNER = "graph-view"  # opening a module: its own job, replaced by the next one
# Infomap runs in a child process above this many nodes plus links (it holds
# the interpreter lock for a whole trial; small graphs are done before that matters).
SEPARATE_PROCESS_ABOVE = 20_000
# Links listed for a click on an edge between two modules.
LINKS_LISTED = 200

__all__ = ["PALETTE", "GraphPanel"]


def _keep_out_of_collections() -> None:
    """Move every object alive now out of the garbage collector's reach. A big
    graph is millions of long-lived objects; a full collection walks them all,
    holding the interpreter lock for a few hundred milliseconds, and any
    thread can trigger one: the window would freeze. They are still freed by
    reference counting when dropped."""
    gc.freeze()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().hide()
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class GraphPanel(QWidget):
    message = Signal(str)
    open_document = Signal(int)  # a document id of the project

    def __init__(self, runner: JobRunner, parent=None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.project: Any = None
        self.graph: Any = None
        self.graph_name = ""
        self.result: Any = None
        self.hierarchy: Hierarchy | None = None
        self.scene: Scene | None = None  # the scene drawn now
        self.scenes: dict[int, Scene] = {}  # module id -> its scene, once computed
        self.nodes: list[Any] = []
        self._build()

    def _build(self) -> None:
        bar = QHBoxLayout()
        open_button = QPushButton("Open graph file…")
        open_button.clicked.connect(self.open_dialog)
        from_project = QPushButton("Graph of the project's triples")
        from_project.clicked.connect(self.graph_from_project)
        self.method = QComboBox()
        self.method.addItems(["infomap", "louvain", "lpa", "greedy"])
        self.two_level = QCheckBox("two-level")
        self.markov = QDoubleSpinBox()
        self.markov.setRange(0.05, 20)
        self.markov.setValue(1.0)
        self.markov.setSingleStep(0.1)
        self.markov.setPrefix("Markov time ")
        self.trials = QSpinBox()
        self.trials.setRange(1, 100)
        self.trials.setValue(5)
        self.trials.setPrefix("trials ")
        self.seed = QSpinBox()
        self.seed.setRange(0, 10**6)
        self.seed.setValue(123)
        self.seed.setPrefix("seed ")
        self.run_button = QPushButton("Cluster")
        self.run_button.clicked.connect(self.run)
        for w in (
            open_button,
            from_project,
            self.method,
            self.two_level,
            self.markov,
            self.trials,
            self.seed,
            self.run_button,
        ):
            bar.addWidget(w)
        bar.addStretch(1)

        self.view = SceneView()
        self.view.item_clicked.connect(self._item_clicked)
        self.view.edge_clicked.connect(self._edge_clicked)
        self.back_button = QPushButton("Back")
        self.back_button.setToolTip("Back to the enclosing module (Backspace)")
        self.back_button.clicked.connect(self.back)
        self.back_button.setEnabled(False)
        self.crumbs = QLabel()
        self.crumbs.setTextFormat(Qt.TextFormat.RichText)
        self.crumbs.linkActivated.connect(lambda href: self.open_module(int(href)))
        QShortcut(
            QKeySequence(Qt.Key.Key_Backspace),
            self,
            self.back,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        trail = QHBoxLayout()
        trail.addWidget(self.back_button)
        trail.addWidget(self.crumbs, 1)
        view_box = QWidget()
        vbox = QVBoxLayout(view_box)
        vbox.setContentsMargins(0, 0, 0, 0)
        vbox.addLayout(trail)
        vbox.addWidget(self.view, 1)

        self.summary = QLabel("Open a graph file, or build the graph of the project's triples.")
        self.summary.setWordWrap(True)
        self.module_model = ModuleTableModel(self)
        self.modules = QTableView()
        self.modules.setModel(self.module_model)
        self.modules.verticalHeader().hide()
        self.modules.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.modules.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.modules.horizontalHeader().setStretchLastSection(True)
        self.modules.doubleClicked.connect(
            lambda index: self.open_module(self.module_model.module_at(index.row()))
        )
        self.runs = _table(["graph", "method", "modules", "levels", "codelength", "modularity"])
        self.details = QListWidget()
        self.details.itemDoubleClicked.connect(self._detail_chosen)

        self.tree_model = ModuleTreeModel(self)
        self.tree = QTreeView()
        self.tree.setModel(self.tree_model)
        self.tree.setUniformRowHeights(True)
        self.tree.setColumnWidth(0, 220)
        self.tree.doubleClicked.connect(self._tree_chosen)
        # The view fetches rows of an expanded module itself when it is on
        # screen; this covers an expand made while it is hidden.
        self.tree.expanded.connect(self._fetch_rows)
        module_views = QTabWidget()
        module_views.addTab(self.modules, "Modules")
        module_views.addTab(self.tree, "Hierarchy")
        export = QPushButton("Export result…")
        export.clicked.connect(self.export_dialog)
        module_box = QWidget()
        box = QVBoxLayout(module_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(module_views)
        box.addWidget(export)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(module_box)
        right.addWidget(self.runs)
        right.addWidget(self.details)
        split = QSplitter()
        split.addWidget(view_box)
        split.addWidget(right)
        split.setSizes([760, 440])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)

    # -- input -------------------------------------------------------------------------

    def set_project(self, project: Any) -> None:
        self.project = project

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open graph",
            "",
            "Graphs (*.net *.gml *.graphml *.gexf *.txt *.edges *.csv);;All files (*)",
        )
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        from core.graph.io import read_graph

        try:
            graph = read_graph(path)
        except Exception as e:
            self.message.emit(f"Cannot read the graph: {e}")
            self.summary.setText(f"<span style='color:#b00020'>{e}</span>")
            return False
        self.set_graph(graph, Path(path).name)
        return True

    def graph_from_project(self) -> None:
        from core.graph.build import graph_from_triples

        if self.project is None:
            return
        docs = [(d, self.project.document(d).annotations) for d in self.project.all_document_ids()]
        self.set_graph(graph_from_triples(docs), f"triples of {self.project.name}")

    def set_graph(self, graph: Any, name: str) -> None:
        """Show ``graph`` (a networkx graph) as the one to cluster."""
        self.graph, self.graph_name = graph, name
        _keep_out_of_collections()
        self._describe()

    def _describe(self) -> None:
        g = self.graph
        self.summary.setText(
            f"<b>{self.graph_name}</b>: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges"
            f"{' (directed)' if g.is_directed() else ''}. Choose a method and press Cluster."
        )
        self.runner.cancel(VIEW_OWNER)
        self.result, self.hierarchy, self.scene, self.scenes, self.nodes = None, None, None, {}, []
        self.tree_model.set_hierarchy(None)
        self.module_model.set_hierarchy(None)
        self.view.clear_scene()
        self._show_trail()

    # -- clustering --------------------------------------------------------------------

    def run(self, wait: bool = False) -> None:
        """Cluster, collect the modules and lay out the top level in the
        background (``wait``: right here, for screenshots and scripts)."""
        if self.graph is None or self.graph.number_of_nodes() == 0:
            self.message.emit("There is no graph to cluster yet.")
            return
        graph, method = self.graph, self.method.currentText()
        options: dict[str, Any] = {"seed": self.seed.value()}
        if method == "infomap":
            options.update(
                two_level=self.two_level.isChecked(),
                markov_time=self.markov.value(),
                trials=self.trials.value(),
                separate_process=(
                    graph.number_of_nodes() + graph.number_of_edges() > SEPARATE_PROCESS_ABOVE
                ),
            )
        seed = options["seed"]

        def job(ctx):
            from core.graph.clustering import cluster, modularity
            from core.graph.overview import build_hierarchy, make_scene

            result = cluster(graph, method, ctx=ctx, **options)
            ctx.report(0, 1, "modularity")
            q = modularity(graph, result)
            hierarchy = build_hierarchy(graph, result, ctx=ctx)
            # Counted here: a pass over every node is too long for the UI thread.
            counts = (result.n_modules, result.modules_per_level())
            scene = make_scene(hierarchy, ROOT, seed=seed, ctx=ctx)
            return result, q, counts, hierarchy, scene

        self.runner.cancel(VIEW_OWNER)
        if wait:
            from core.runtime.jobs import JobContext

            self._show_result(job(JobContext.null()))
            return
        self.run_button.setEnabled(False)
        self.runner.submit(
            OWNER,
            job,
            name=f"{method} on {self.graph_name}",
            on_result=self._show_result,
            on_finished=lambda: self.run_button.setEnabled(True),
        )

    def _show_result(self, value: tuple) -> None:
        result, q, (n_modules, per_level), hierarchy, scene = value
        _keep_out_of_collections()
        self.result, self.hierarchy = result, hierarchy
        self.nodes = hierarchy.nodes
        self.scenes = {ROOT: scene}
        self.module_model.set_hierarchy(hierarchy)
        self.tree_model.set_hierarchy(hierarchy)
        self._show_scene(scene)
        row = self.runs.rowCount()
        self.runs.insertRow(row)
        values = [
            self.graph_name,
            result.method,
            str(n_modules),
            str(result.levels),
            "" if result.codelength is None else f"{result.codelength:.4f}",
            f"{q:.4f}",
        ]
        for col, v in enumerate(values):
            self.runs.setItem(row, col, QTableWidgetItem(v))
        saving = result.relative_saving
        self.summary.setText(
            f"<b>{self.graph_name}</b> — {result.method}: {n_modules} modules, "
            f"{result.levels} levels, modules per level {per_level}, modularity {q:.3f}"
            + (
                f", codelength {result.codelength:.3f} bits ({saving:.1%} shorter than one module)"
                if saving is not None
                else ""
            )
        )

    # -- opening modules -----------------------------------------------------------------

    def open_module(self, module: int, wait: bool = False) -> None:
        """Draw the inside of ``module`` (0: the whole graph); computed in the
        background the first time (``wait``: right here)."""
        h = self.hierarchy
        if h is None or not 0 <= module < len(h.paths):
            return
        if module in self.scenes:
            self.runner.cancel(VIEW_OWNER)
            self._show_scene(self.scenes[module])
            return
        seed = self.seed.value()

        def job(ctx):
            from core.graph.overview import make_scene

            return make_scene(h, module, seed=seed, ctx=ctx)

        def done(scene: Scene) -> None:
            if self.hierarchy is h:
                self.scenes[module] = scene
                self._show_scene(scene)

        if wait:
            from core.runtime.jobs import JobContext

            done(job(JobContext.null()))
            return
        self.runner.submit(VIEW_OWNER, job, name=f"opening module {h.name(module)}", on_result=done)

    def back(self) -> None:
        """Up to the module around the one shown."""
        if self.hierarchy is not None and self.scene is not None and self.scene.module != ROOT:
            self.open_module(int(self.hierarchy.parent[self.scene.module]))

    def _show_scene(self, scene: Scene) -> None:
        self.scene = scene
        self.view.show_scene(scene)
        self._show_trail()

    def _show_trail(self) -> None:
        h, scene = self.hierarchy, self.scene
        if h is None or scene is None:
            self.crumbs.setText("")
            self.back_button.setEnabled(False)
            return
        chain = h.ancestors(scene.module)
        parts = [
            f"<a href='{m}'>{_escape(h.title(m))}</a>"
            if m != scene.module
            else f"<b>{_escape(h.title(m))}</b>"
            for m in chain
        ]
        what = "modules" if scene.super_nodes else "nodes"
        hint = " — double-click a module to open it" if scene.super_nodes else ""
        self.crumbs.setText(
            " › ".join(parts) + f"  <span style='color:#666'>({len(scene)} {what}, "
            f"{scene.links} links{hint})</span>"
        )
        self.back_button.setEnabled(scene.module != ROOT)

    def _fetch_rows(self, index: QModelIndex) -> None:
        if self.tree_model.canFetchMore(index) and not self.tree_model.rowCount(index):
            self.tree_model.fetchMore(index)

    def _tree_chosen(self, index: QModelIndex) -> None:
        module = self.tree_model.module_at(index)
        if module >= 0:
            self.open_module(module)
        else:
            self.show_node(self.hierarchy.nodes[self.tree_model.node_at(index)])

    def export_dialog(self) -> None:
        if self.result is None:
            self.message.emit("Run a clustering first.")
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Export the clustering",
            "",
            "Infomap tree (*.tree);;Partition (*.clu);;JSON (*.json)",
        )
        if path:
            self.export(path)

    def export(self, path: str | Path) -> None:
        """The same files the cluster command writes (core.graph.partitions)."""
        from core.graph.partitions import clustering_json, write_clu, write_json, write_tree

        r, suffix = self.result, Path(path).suffix.lower()
        if suffix == ".clu":
            write_clu(path, r.modules)
        elif suffix == ".json":
            write_json(path, {"graph": self.graph_name, **clustering_json(self.graph, r)})
        else:
            labels = {n: str(d.get("label", n)) for n, d in self.graph.nodes(data=True)}
            write_tree(path, r.modules, r.node_flow, labels, codelength=r.codelength)
        self.message.emit(f"Saved {path}")

    # -- provenance ----------------------------------------------------------------------

    def _item_clicked(self, item: int, double: bool) -> None:
        scene, h = self.scene, self.hierarchy
        if scene is None or h is None:
            return
        module = int(scene.item_module[item])
        if module < 0:
            self.show_node(h.nodes[int(scene.item_node[item])])
        elif double:
            self.open_module(module)
        else:
            self.show_module(module)

    def _edge_clicked(self, edge: int) -> None:
        scene, h = self.scene, self.hierarchy
        if scene is None or h is None:
            return
        ends = []
        for i in scene.edges[edge]:
            m = int(scene.item_module[i])
            ends.append(("module", m) if m >= 0 else ("node", int(scene.item_node[i])))
        if ends[0][0] == ends[1][0] == "node":
            self.show_links([(h.nodes[ends[0][1]], h.nodes[ends[1][1]])])
            return
        inside = []
        for kind, value in ends:
            if kind == "module":
                inside.append(h.members(value))
            else:
                inside.append(np.array([value]))
        a = np.zeros(h.n_nodes, bool)
        a[inside[0]] = True
        b = np.zeros(h.n_nodes, bool)
        b[inside[1]] = True
        u, v = h.edges[:, 0], h.edges[:, 1]
        hits = np.flatnonzero((a[u] & b[v]) | (b[u] & a[v]))
        self.show_links([(h.nodes[u[i]], h.nodes[v[i]]) for i in hits[:LINKS_LISTED]], len(hits))

    def show_module(self, module: int) -> None:
        h = self.hierarchy
        if h is None:
            return
        self.details.clear()
        header = QListWidgetItem(
            f"module {h.name(module)}: {int(h.size[module])} nodes, flow {h.flow[module]:.4f}, "
            f"{len(h.children[module])} sub-modules — double-click it to open"
        )
        header.setFlags(Qt.ItemFlag.NoItemFlags)
        self.details.addItem(header)
        for i in h.top[module]:
            self.details.addItem(QListWidgetItem(f"{h.labels[i]}   flow {h.node_flow[i]:.4f}"))

    def show_links(self, links: list[tuple[Any, Any]], total: int | None = None) -> None:
        """The sentences behind each of ``links`` (pairs of nodes)."""
        self.details.clear()
        total = len(links) if total is None else total
        more = f" (the first {len(links)})" if total > len(links) else ""
        header = QListWidgetItem(f"{total} links{more}")
        header.setFlags(Qt.ItemFlag.NoItemFlags)
        self.details.addItem(header)
        g = self.graph
        for u, v in links:
            edge = g.get_edge_data(u, v) or g.get_edge_data(v, u) or {}
            lu, lv = g.nodes[u].get("label", u), g.nodes[v].get("label", v)
            for doc_id, predicate in edge.get("sources", []):
                item = QListWidgetItem(
                    f"{lu} —{predicate}— {lv}   (document {doc_id}; double-click to open)"
                )
                item.setData(Qt.ItemDataRole.UserRole, doc_id)
                self.details.addItem(item)
            if not edge.get("sources"):
                predicates = "、".join(sorted(edge.get("predicates", [])))
                self.details.addItem(QListWidgetItem(f"{lu} — {lv} {predicates}".rstrip()))

    def show_node(self, node: Any) -> None:
        self.details.clear()
        data = self.graph.nodes[node]
        header = QListWidgetItem(f"{data.get('label', node)}  {data.get('type', '')}")
        header.setFlags(Qt.ItemFlag.NoItemFlags)
        self.details.addItem(header)
        for other in self.graph.neighbors(node):
            edge = self.graph[node][other]
            predicates = "、".join(sorted(edge.get("predicates", [])))
            label = self.graph.nodes[other].get("label", other)
            for doc_id, predicate in edge.get("sources", []):
                item = QListWidgetItem(
                    f"—{predicate}— {label}   (document {doc_id}; double-click to open)"
                )
                item.setData(Qt.ItemDataRole.UserRole, doc_id)
                self.details.addItem(item)
            if not edge.get("sources"):
                self.details.addItem(QListWidgetItem(f"— {label} {predicates}"))

    def _detail_chosen(self, item: QListWidgetItem) -> None:
        doc_id = item.data(Qt.ItemDataRole.UserRole)
        if doc_id is not None:
            self.open_document.emit(int(doc_id))
