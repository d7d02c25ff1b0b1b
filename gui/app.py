"""Starting the application: QApplication, fonts, the demo project and model."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from PySide6.QtCore import QSettings, QStandardPaths  # noqa: E402
from PySide6.QtGui import QFont, QFontDatabase  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

RESOURCES = Path(__file__).resolve().parents[1] / "resources"
DEMO_MODEL = RESOURCES / "models" / "triples-demo"
DEMO_DATA = RESOURCES / "demo" / "demo_project.jsonl"


def application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("KG Studio")
    app.setOrganizationName("KG Studio")
    # Prefer a CJK font family so Chinese never falls back to boxes.
    families = set(QFontDatabase.families())
    for family in ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "Source Han Sans SC"):
        if family in families:
            app.setFont(QFont(family, 10))
            break
    return app


def demo_project_path(folder: Path | None = None) -> Path:
    """The demo project lives in the user's data folder, built on first use from
    the shipped pre-annotated sentences (the repository stays read-only)."""
    if folder is None:
        folder = Path(
            QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
        )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.kgs"
    if not path.exists():
        from core.store import Project

        tmp = path.with_suffix(".building")
        for leftover in folder.glob(tmp.name + "*"):
            leftover.unlink()
        with Project.open(tmp, create=True) as project:
            if DEMO_DATA.exists():
                project.import_file(DEMO_DATA)
        for suffix in ("-wal", "-shm", ".lock"):
            side = Path(str(tmp) + suffix)
            if side.exists():
                side.unlink()
        os.replace(tmp, path)
    return path


def build_window(
    project: str | Path | None = None,
    model: Path | None = None,
    settings: QSettings | None = None,
    user: str | None = None,
):
    """The window with ``project`` (a file or a server URL), else the last one, else the demo."""
    from core.store.location import is_url
    from gui.main_window import MainWindow

    window = MainWindow(settings)
    if user:
        window.settings.setValue("team/user", user)
    last = str(window.settings.value("project/last") or "")
    target = project or (
        last if is_url(last) else Path(last) if last and Path(last).exists() else None
    )
    if target is None or not window.open_project(target):
        window.open_project(demo_project_path())
    last_model = window.settings.value("model/last")
    chosen = model or (Path(last_model) if last_model and Path(last_model).is_dir() else DEMO_MODEL)
    window.set_model_dir(chosen)
    return window


def run(
    project: str | Path | None = None, model: Path | None = None, user: str | None = None
) -> int:
    app = application()
    window = build_window(project, model, user=user)
    window.show()
    return app.exec()
