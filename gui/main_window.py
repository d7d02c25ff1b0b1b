"""The main window: one tab per capability, menus, the job status bar with
progress, ETA and Cancel, and an error banner for anything that goes wrong."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.runtime.jobs import format_duration
from core.runtime.process import close_all
from core.triples.model_process import ModelProcess
from gui.ask_panel import SHORTCUTS as ASK_SHORTCUTS
from gui.ask_panel import AskPanel
from gui.dialogs import ShortcutsDialog
from gui.graph_panel import GraphPanel
from gui.jobs import JobRunner
from gui.linking_panel import SHORTCUTS as LINKING_SHORTCUTS
from gui.linking_panel import LinkingPanel
from gui.preferences import Preferences, PreferencesDialog, model_info
from gui.triples_panel import SHORTCUTS, TriplesPanel

RESOURCES = Path(__file__).resolve().parents[1] / "resources"


class ErrorBanner(QWidget):
    """A dismissible red line at the top of the window; details on demand."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setStyleSheet("background: #fde7e9; color: #8a1120;")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        self.details_button = QPushButton("Details")
        self.details_button.clicked.connect(self._show_details)
        layout.addWidget(self.details_button)
        close = QPushButton("✕")
        close.setFixedWidth(28)
        close.clicked.connect(self.hide)
        layout.addWidget(close)
        self.details = ""
        self.hide()

    def show_error(self, message: str, details: str = "") -> None:
        self.label.setText(message)
        self.details = details
        self.details_button.setVisible(bool(details))
        self.show()

    def _show_details(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Error details", self.label.text(), parent=self)
        box.setDetailedText(self.details)
        box.exec()


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings or QSettings("KG Studio", "KG Studio")
        self.setWindowTitle("KG Studio")
        self.runner = JobRunner(self)
        self.project: Any = None

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        self.banner = ErrorBanner()
        layout.addWidget(self.banner)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)
        self.setCentralWidget(central)

        self.models = ModelProcess()
        self.triples = TriplesPanel(self.runner, self.models, settings=self.settings)
        self.triples.message.connect(lambda m: self.statusBar().showMessage(m, 6000))
        self.tabs.addTab(self.triples, "Triples")
        self.linking = LinkingPanel(self.runner, settings=self.settings)
        self.linking.message.connect(lambda m: self.statusBar().showMessage(m, 6000))
        self.linking.error.connect(self.banner.show_error)
        self.tabs.addTab(self.linking, "Linking")
        self.graph = GraphPanel(self.runner)
        self.graph.message.connect(lambda m: self.statusBar().showMessage(m, 6000))
        self.graph.open_document.connect(self.show_document)
        self.tabs.addTab(self.graph, "Graph")
        self.ask = AskPanel(
            self.runner,
            settings=self.settings,
            knowledge_base=lambda: self.linking.kb,
            want_kb=self.linking.ensure_kb,
            current_document=lambda: self.triples.doc.id if self.triples.doc else None,
        )
        self.ask.message.connect(lambda m: self.statusBar().showMessage(m, 6000))
        # Answers stored as predicted triples show in the Triples tab at once.
        self.ask.triples_stored.connect(self.triples.changed.add)
        self.ask.run_ended.connect(self.triples.predictions_stored)
        self.tabs.addTab(self.ask, "Ask")

        self.preferences = Preferences.load(self.settings)
        self._apply_preferences()
        self._build_status_bar()
        self._build_menus()
        self.runner.job_started.connect(self._job_started)
        self.runner.job_progress.connect(self._job_progress)
        self.runner.job_ended.connect(self._job_ended)
        self.runner.job_failed.connect(lambda owner, m, tb: self.banner.show_error(m, tb))

        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 800)

    # -- status bar --------------------------------------------------------------------

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.job_label = QLabel("")
        self.job_progress = QProgressBar()
        self.job_progress.setMaximumWidth(220)
        self.job_eta = QLabel("")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_jobs)
        for w in (self.job_label, self.job_progress, self.job_eta, self.cancel_button):
            bar.addPermanentWidget(w)
            w.hide()
        self._job_owner = ""

    def _job_started(self, owner: str, name: str) -> None:
        self._job_owner = owner
        self.job_label.setText(name)
        self.job_progress.setRange(0, 0)
        for w in (self.job_label, self.job_progress, self.job_eta, self.cancel_button):
            w.show()

    def _job_progress(self, owner: str, done: int, total: int, message: str, eta: float) -> None:
        self.job_label.setText(message)
        if total > 0:
            self.job_progress.setRange(0, total)
            self.job_progress.setValue(done)
        self.job_eta.setText(f"{format_duration(eta)} left" if eta >= 0 else "")

    def _job_ended(self, owner: str) -> None:
        for w in (self.job_label, self.job_progress, self.job_eta, self.cancel_button):
            w.hide()

    def cancel_jobs(self) -> None:
        self.runner.cancel_all()
        self.statusBar().showMessage("Cancelling…", 3000)

    # -- menus -------------------------------------------------------------------------

    def _action(self, menu, text: str, slot, shortcut: str | QKeySequence | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        m = self.menuBar().addMenu("&File")
        self._action(m, "&Open project…", self.open_project_dialog, QKeySequence.StandardKey.Open)
        self._action(m, "Open project &URL…", self.open_project_url_dialog, "Ctrl+Shift+O")
        self._action(m, "&New project…", self.new_project_dialog, QKeySequence.StandardKey.New)
        self._action(m, "&Import DuIE file…", self.import_dialog, "Ctrl+I")
        self._action(m, "&Export DuIE file…", lambda: self.export_dialog(False), "Ctrl+E")
        self._action(m, "Export &reviewed only…", lambda: self.export_dialog(True), "Ctrl+Shift+E")
        m.addSeparator()
        self._action(m, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        m = self.menuBar().addMenu("&Edit")
        # One history for the project; the tab in front shows what changed.
        self._action(m, "&Undo", lambda: self._review_panel().undo(), "Ctrl+Z")
        self._action(m, "&Redo", lambda: self._review_panel().redo(), "Ctrl+Shift+Z")
        self._action(m, "&Compare two people's decisions…", self.compare_dialog)
        m.addSeparator()
        self._action(m, "&Preferences…", self.preferences_dialog, "Ctrl+,")

        m = self.menuBar().addMenu("&Model")
        self._action(m, "&Choose model folder…", self.choose_model_dialog, "Ctrl+M")
        self._action(
            m,
            "&Pre-annotate unreviewed documents",
            lambda: self.triples.pre_annotate(True),
            "Ctrl+R",
        )
        self._action(
            m,
            "Pre-annotate &all documents",
            lambda: self.triples.pre_annotate(False),
            "Ctrl+Shift+R",
        )
        self._action(m, "Re&train on reviewed documents…", self.retrain_dialog, "Ctrl+T")
        self._action(m, "Cancel the running job", self.cancel_jobs, "Ctrl+.")

        m = self.menuBar().addMenu("&View")
        for i in range(self.tabs.count()):
            self._action(
                m,
                f"&{i + 1} {self.tabs.tabText(i)}",
                lambda _=False, i=i: self.tabs.setCurrentIndex(i),
                f"Ctrl+{i + 1}",
            )
        m = self.menuBar().addMenu("&Help")
        self._action(m, "&Keyboard shortcuts", self.show_shortcuts, "F1")

    def shortcut_list(self) -> list[tuple[str, str]]:
        window = [
            ("Ctrl+O", "open a project"),
            ("Ctrl+Shift+O", "open a team's project on a PostgreSQL server"),
            ("Ctrl+N", "new project"),
            ("Ctrl+I", "import a DuIE file into the project"),
            ("Ctrl+E / Ctrl+Shift+E", "export all / reviewed documents"),
            ("Ctrl+Z / Ctrl+Shift+Z", "undo / redo (survives a restart)"),
            ("Ctrl+M", "choose a model folder"),
            ("Ctrl+R / Ctrl+Shift+R", "pre-annotate unreviewed / all documents"),
            ("Ctrl+T", "retrain the model on the reviewed documents"),
            ("Ctrl+.", "cancel the running job"),
            ("Ctrl+1 … Ctrl+4", "the Triples, Linking, Graph or Ask tab"),
            ("Ctrl+,", "preferences"),
            ("F1", "this list"),
        ]
        return SHORTCUTS + LINKING_SHORTCUTS + ASK_SHORTCUTS + window

    def _review_panel(self) -> Any:
        return self.linking if self.tabs.currentWidget() is self.linking else self.triples

    def show_shortcuts(self) -> None:
        ShortcutsDialog(self.shortcut_list(), self).exec()

    # -- project and model -------------------------------------------------------------

    def user(self) -> str | None:
        """Who works in this window (File → Open project URL… asks); None: the default."""
        name = self.settings.value("team/user")
        return str(name) if name else None

    def open_project(self, path: str | Path, create: bool = False) -> bool:
        from core.store import Project
        from core.store.location import is_url, shown, without_password

        try:
            project = Project.open(path, create=create, user=self.user())
        except Exception as e:  # locked, newer version, not a project: say so, keep the old one
            self.banner.show_error(f"Cannot open {shown(path)}: {e}")
            return False
        if self.project is not None:
            self.runner.cancel("triples")
            self.project.close()
        self.project = project
        # A password never goes into the settings (keep it in ~/.pgpass).
        last = without_password(str(path)) if is_url(path) else str(Path(path).resolve())
        self.settings.setValue("project/last", last)
        self.setWindowTitle(f"KG Studio — {project.name} ({project.user})")
        self.triples.set_project(project)
        self.linking.set_project(project)
        self.graph.set_project(project)
        self.ask.set_project(project)
        self.banner.hide()
        _set_aside_from_collection()
        return True

    def show_document(self, doc_id: int) -> None:
        self.tabs.setCurrentWidget(self.triples)
        self.triples.views.setCurrentIndex(0)  # the text, not the statistics
        self.triples.show_document(doc_id)

    def set_model_dir(self, folder: str | Path) -> bool:
        folder = Path(folder)
        meta = folder / "model.json"
        try:
            import json

            info = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            self.banner.show_error(f"{folder} is not a KG Studio model folder: {e}")
            return False
        self.triples.model_dir = folder
        self.triples.set_schema(info.get("schema", []))
        self.ask.set_schema(info.get("schema", []))
        self.triples.thresholds = self.preferences.thresholds.get(info.get("name", folder.name))
        self.settings.setValue("model/last", str(folder.resolve()))
        self.statusBar().showMessage(f"Model: {info.get('name', folder.name)}", 6000)
        return True

    def _apply_preferences(self) -> None:
        p = self.preferences
        self.triples.batch_size = p.batch_size
        if self.triples.low_score != p.low_score:
            self.triples.low_score = p.low_score
            if self.triples.current_filter() == "low_score":
                self.triples.refresh_documents_later()
        folder = self.triples.model_dir
        if folder is not None:
            name = model_info(folder).get("name", folder.name)
            self.triples.thresholds = p.thresholds.get(name)

    def preferences_dialog(self) -> None:
        dialog = PreferencesDialog(self.preferences, self.triples.model_dir, self)
        if dialog.exec():
            self.set_preferences(dialog.result_preferences())

    def set_preferences(self, prefs: Preferences) -> None:
        """Use and keep ``prefs``; a new default model folder becomes the model."""
        new_folder = prefs.model_folder and prefs.model_folder != self.preferences.model_folder
        self.preferences = prefs
        prefs.save(self.settings)
        if new_folder:
            self.set_model_dir(prefs.model_folder)
        self._apply_preferences()
        self.statusBar().showMessage("Preferences saved.", 4000)

    def open_project_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", "", "KG Studio projects (*.kgs)"
        )
        if path:
            self.open_project(path)

    def open_project_url_dialog(self) -> None:
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        from core.store.location import is_url, without_password

        last = str(self.settings.value("project/last") or "")
        url, ok = QInputDialog.getText(
            self,
            "Open project URL",
            "PostgreSQL project (postgresql://user@host:port/database?project=NAME);\n"
            "keep the password in ~/.pgpass:",
            QLineEdit.EchoMode.Normal,
            last if is_url(last) else "postgresql://",
        )
        if not ok or not url.strip():
            return
        name, ok = QInputDialog.getText(
            self, "Open project URL", "Your name (every decision records it):",
            QLineEdit.EchoMode.Normal, self.user() or "",
        )  # fmt: skip
        if not ok:
            return
        if name.strip():
            self.settings.setValue("team/user", name.strip())
        if url.strip() != without_password(url.strip()):
            self.statusBar().showMessage("The password is not kept: put it in ~/.pgpass.", 8000)
        self.open_project(url.strip())

    def compare_dialog(self) -> None:
        from gui.team_view import CompareDialog

        doc = self.triples.doc
        if self.project is None or doc is None:
            self.banner.show_error("Open a document first.")
            return
        dialog = CompareDialog(self.project, doc.id, self)
        dialog.settled.connect(lambda d: self.triples._show_changed({d}))
        dialog.exec()

    def new_project_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "New project", "", "KG Studio projects (*.kgs)")
        if path:
            if not path.endswith(".kgs"):
                path += ".kgs"
            self.open_project(path, create=True)

    def import_dialog(self) -> None:
        if self.project is None:
            self.banner.show_error("Open or create a project first (File → New project).")
            return
        path, _ = QFileDialog.getOpenFileName(
            self, "Import DuIE file", "", "JSON lines (*.json *.jsonl);;All files (*)"
        )
        if path:
            self.import_file(path)

    def import_file(self, path: str | Path) -> None:
        """Bad files leave the project as it was and say where they went wrong."""
        try:
            n = self.project.import_file(path)
        except Exception as e:
            self.banner.show_error(f"Nothing was imported: {e}")
            return
        self.statusBar().showMessage(f"Imported {n} documents from {Path(path).name}", 6000)
        self.triples.set_project(self.project)
        self.linking.set_project(self.project)
        self.ask.set_project(self.project)
        _set_aside_from_collection()

    def export_dialog(self, reviewed_only: bool) -> None:
        if self.project is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export DuIE file", "", "JSON lines (*.jsonl)")
        if path:
            try:
                n = self.project.export_file(path, reviewed_only=reviewed_only)
            except Exception as e:
                self.banner.show_error(f"Export failed: {e}")
                return
            self.statusBar().showMessage(f"Exported {n} documents to {path}", 6000)

    def choose_model_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Choose a model folder", self.preferences.model_folder
        )
        if folder:
            self.set_model_dir(folder)

    def retrain_dialog(self) -> None:
        from gui.retrain_dialog import RetrainDialog

        if self.project is None or self.triples.model_dir is None:
            self.banner.show_error("Open a project and choose a model first.")
            return
        # New versions go next to the project, never into the shipped resources.
        if self.project.path is not None:
            root = Path(self.project.path).with_suffix(".models")
        else:  # a server project: the models stay on this machine, in the user's data folder
            from PySide6.QtCore import QStandardPaths

            data = QStandardPaths.StandardLocation.AppDataLocation
            root = Path(QStandardPaths.writableLocation(data)) / "models" / self.project.name
        dialog = RetrainDialog(
            self.runner, self.project, self.triples.model_dir, root, self, models=self.models
        )
        dialog.model_saved.connect(self.set_model_dir)
        dialog.exec()

    # -- closing -----------------------------------------------------------------------

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.triples.save_place()
        self.triples.watcher.watch(None)
        # The child processes first, within one 2 s deadline: the jobs waiting
        # on them then end at once instead of holding the window open.
        close_all([self.models, self.linking.linker, *self.ask.answerers.processes()])
        self.runner.shutdown()
        self.linking.shutdown()
        self.ask.shutdown()
        if self.project is not None:
            self.project.close()
            self.project = None
        super().closeEvent(event)


def _set_aside_from_collection() -> None:
    """The objects that live as long as the window and its project (widgets,
    modules, the document list) are left out of the cyclic garbage
    collector's full passes: a full pass scans every object it tracks while
    holding the interpreter lock, whatever thread runs it, and one that a
    pre-annotation's thread started froze the window for 150 ms. Objects set
    aside are still freed as soon as nothing refers to them."""
    gc.freeze()
