"""The window on a real X server (Xvfb) with Qt's xcb platform plugin, as on
a desktop: it fails to start when a system library the plugin needs is
missing, which the offscreen platform of the other GUI tests never notices."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT

CHILD = textwrap.dedent(
    """
    import sys, tempfile
    from pathlib import Path
    from PySide6.QtCore import QSettings
    from gui.app import application, build_window, demo_project_path

    app = application()
    assert app.platformName() == "xcb", app.platformName()
    with tempfile.TemporaryDirectory() as tmp:
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        window = build_window(demo_project_path(Path(tmp)), settings=settings)
        window.resize(1024, 700)
        window.move(0, 0)
        window.show()
        for _ in range(50):
            app.processEvents()
        # The X server's own pixels, not a rendering of the widget: proof
        # that the window reached the display.
        image = app.primaryScreen().grabWindow(0).toImage()
        image.save(sys.argv[1])
        window.close()
    """
)


@pytest.mark.gui
def test_the_window_opens_on_an_x_server(tmp_path) -> None:
    if shutil.which("xvfb-run") is None:
        if os.environ.get("CI"):
            pytest.fail("xvfb-run is missing: scripts/setup.sh installs it")
        pytest.skip("Xvfb is not installed (scripts/setup.sh installs it as root)")
    shot = tmp_path / "screen.png"
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(QT_QPA_PLATFORM="xcb", HOME=str(tmp_path), XDG_RUNTIME_DIR=str(tmp_path))
    proc = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", sys.executable, "-c", CHILD, str(shot)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]

    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 1024
    # A blank screen is one colour; the window brings text, lines and icons.
    colours = {image.pixel(x, y) for x in range(0, 1024, 7) for y in range(0, 700, 7)}
    assert len(colours) > 20, f"{len(colours)} colours: the screen looks blank"
