#!/usr/bin/env bash
# Set up everything KG Studio needs, from nothing: system packages (when run as
# root on Debian/Ubuntu), a virtual environment in .venv, the Python packages.
# Safe to run again: it skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

# A CJK font so Chinese renders in the window and in screenshots; the X/EGL
# libraries Qt loads even when drawing offscreen; the XCB libraries Qt's xcb
# platform plugin links against, without which the window does not open on
# an X11 desktop; Xvfb and xauth so the tests can open it on a virtual one;
# the PostgreSQL server, which the store's tests start a throwaway cluster of.
APT_PACKAGES="postgresql fonts-noto-cjk libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 libglib2.0-0
  libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
  libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-xfixes0
  libxcb-xinerama0 libxcb-randr0 libxcb-xkb1 libxcb-glx0 libxrender1 libxi6 libsm6 libice6
  xvfb xauth"
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  missing=""
  for p in $APT_PACKAGES; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
  done
  if [ -n "$missing" ]; then
    echo "setup: installing system packages:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.kgstudio-installed
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages (first time: a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev]"
  # bert4keras' metadata pins an ancient standalone keras; it runs on tf-keras.
  .venv/bin/python -m pip install -q --no-deps bert4keras==0.11.5
  echo "$want" > "$stamp"
fi
