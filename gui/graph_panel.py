"""The Graph panel: cluster a graph file or the project's triples, look at the
modules, compare runs, and go from a node back to the sentences behind it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import Qt, Signal  # noqa: E402
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
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.jobs import JobRunner  # noqa: E402

OWNER = "graph"
PALETTE = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
]


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

        pg.setConfigOptions(antialias=True, background="w", foreground="k")
        self.view = pg.PlotWidget()
        self.view.hideAxis("left")
        self.view.hideAxis("bottom")
        self.view.setAspectLocked(True)
        self.edges_item = pg.PlotCurveItem(
            pen=pg.mkPen((170, 170, 170, 120), width=1), connect="pairs"
        )
        self.nodes_item = pg.ScatterPlotItem(size=9, pen=pg.mkPen("w", width=0.5))
        self.nodes_item.sigClicked.connect(self._node_clicked)
        self.view.addItem(self.edges_item)
        self.view.addItem(self.nodes_item)

        self.summary = QLabel("Open a graph file, or build the graph of the project's triples.")
        self.summary.setWordWrap(True)
        self.modules = _table(["module", "nodes", "flow", "top nodes"])
        self.runs = _table(["graph", "method", "modules", "levels", "codelength", "modularity"])
        self.details = QListWidget()
        self.details.itemDoubleClicked.connect(self._detail_chosen)

        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["module", "nodes", "flow"])
        self.tree.itemExpanded.connect(lambda _: self.tree.resizeColumnToContents(0))
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
        split.addWidget(self.view)
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
            self.graph = read_graph(path)
        except Exception as e:
            self.message.emit(f"Cannot read the graph: {e}")
            self.summary.setText(f"<span style='color:#b00020'>{e}</span>")
            return False
        self.graph_name = Path(path).name
        self._describe()
        return True

    def graph_from_project(self) -> None:
        from core.graph.build import graph_from_triples

        if self.project is None:
            return
        docs = [(d, self.project.document(d).annotations) for d in self.project.all_document_ids()]
        self.graph = graph_from_triples(docs)
        self.graph_name = f"triples of {Path(self.project.path).name}"
        self._describe()

    def _describe(self) -> None:
        g = self.graph
        self.summary.setText(
            f"<b>{self.graph_name}</b>: {g.number_of_nodes()} nodes, {g.number_of_edges()} edges"
            f"{' (directed)' if g.is_directed() else ''}. Choose a method and press Cluster."
        )
        self.result = None
        self.nodes_item.clear()
        self.edges_item.clear()

    # -- clustering --------------------------------------------------------------------

    def run(self, wait: bool = False) -> None:
        """Cluster and lay out in the background (``wait``: right here, for
        screenshots and scripts)."""
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
            )

        def job(ctx):
            import networkx as nx

            from core.graph.clustering import cluster, modularity

            result = cluster(graph, method, ctx=ctx, **options)
            ctx.report(0, 1, "laying out the graph")
            layout = nx.spring_layout(
                graph, seed=options["seed"], iterations=50 if len(graph) < 3000 else 15
            )
            return result, modularity(graph, result), layout

        if wait:
            from core.jobs import JobContext

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
        result, q, layout = value
        self.result = result
        self.nodes = list(self.graph.nodes)
        index = {n: i for i, n in enumerate(self.nodes)}
        pos = np.array([layout[n] for n in self.nodes], dtype=float)
        modules = result.top_modules
        ranks = {
            m: r
            for r, (m, _) in enumerate(sorted(result.module_flow().items(), key=lambda kv: -kv[1]))
        }
        if not ranks:
            ranks = {m: r for r, m in enumerate(sorted(set(modules.values())))}
        brushes = [
            pg.mkBrush(*PALETTE[ranks.get(modules[n], 0) % len(PALETTE)]) for n in self.nodes
        ]
        self.nodes_item.setData(pos=pos, brush=brushes, data=list(range(len(self.nodes))))
        pairs = np.array([(index[u], index[v]) for u, v in self.graph.edges()], dtype=int).reshape(
            -1, 2
        )
        xy = pos[pairs.reshape(-1)] if len(pairs) else np.zeros((0, 2))
        self.edges_item.setData(x=xy[:, 0], y=xy[:, 1])
        self._fill_modules(result)
        self._fill_tree(result)
        row = self.runs.rowCount()
        self.runs.insertRow(row)
        values = [
            self.graph_name,
            result.method,
            str(result.n_modules),
            str(result.levels),
            "" if result.codelength is None else f"{result.codelength:.4f}",
            f"{q:.4f}",
        ]
        for col, v in enumerate(values):
            self.runs.setItem(row, col, QTableWidgetItem(v))
        saving = result.relative_saving
        self.summary.setText(
            f"<b>{self.graph_name}</b> — {result.method}: {result.n_modules} modules, "
            f"{result.levels} levels, modules per level {result.modules_per_level()}, modularity {q:.3f}"
            + (
                f", codelength {result.codelength:.3f} bits ({saving:.1%} shorter than one module)"
                if saving is not None
                else ""
            )
        )

    def _fill_modules(self, result: Any) -> None:
        flow = result.module_flow()
        members: dict[int, list[Any]] = {}
        for n, m in result.top_modules.items():
            members.setdefault(m, []).append(n)
        order = sorted(members, key=lambda m: (-flow.get(m, 0.0), -len(members[m])))
        self.modules.setRowCount(len(order))
        for row, m in enumerate(order):
            top = sorted(members[m], key=lambda n: -result.node_flow.get(n, self.graph.degree(n)))[
                :5
            ]
            names = "、".join(str(self.graph.nodes[n].get("label", n)) for n in top)
            for col, v in enumerate(
                [str(m), str(len(members[m])), f"{flow.get(m, 0.0):.3f}", names]
            ):
                self.modules.setItem(row, col, QTableWidgetItem(v))

    def _fill_tree(self, result: Any) -> None:
        """One item per module path; expanding a module shows its sub-modules,
        and at the bottom its nodes."""
        self.tree.clear()
        items: dict[tuple[int, ...], QTreeWidgetItem] = {}
        stats: dict[tuple[int, ...], list[float]] = {}
        for node, path in result.modules.items():
            for depth in range(1, len(path) + 1):
                s = stats.setdefault(path[:depth], [0, 0.0])
                s[0] += 1
                s[1] += result.node_flow.get(node, 0.0)
        for path in sorted(stats, key=lambda p: (len(p), p)):
            parent = items.get(path[:-1]) if len(path) > 1 else None
            item = QTreeWidgetItem(
                [":".join(map(str, path)), str(int(stats[path][0])), f"{stats[path][1]:.4f}"]
            )
            (parent.addChild(item) if parent else self.tree.addTopLevelItem(item))
            items[path] = item
        for node, path in result.modules.items():
            label = str(self.graph.nodes[node].get("label", node))
            items[path].addChild(
                QTreeWidgetItem([label, "", f"{result.node_flow.get(node, 0.0):.4f}"])
            )
        self.tree.resizeColumnToContents(0)

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

    def _node_clicked(self, item: Any, points: Any, *args: Any) -> None:
        if not len(points):
            return
        node = self.nodes[int(points[0].data())]
        self.show_node(node)

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
