#!/usr/bin/env bash
# Lint, the core/gui import contract, then the whole test suite. Every test
# must run: a skipped test fails the run, as no tests at all do.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/lint-imports
report=$(mktemp)
trap 'rm -f "$report"' EXIT
set +e
.venv/bin/python -m pytest -rs --junitxml="$report" "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
  echo "test: no tests were collected" >&2
  exit 1
fi
if [ "$status" = 0 ]; then
  skipped=$(.venv/bin/python - "$report" <<'EOF'
import sys
import xml.etree.ElementTree as ET

print(sum(int(s.get("skipped", 0)) for s in ET.parse(sys.argv[1]).iter("testsuite")))
EOF
)
  if [ "$skipped" != 0 ]; then
    echo "test: $skipped skipped (see SKIPPED above); every test must run" >&2
    exit 1
  fi
fi
exit "$status"
