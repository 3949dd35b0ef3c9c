#!/usr/bin/env bash
# Create .venv with a Python Rasa accepts and install the project, pinned.
# Idempotent: the Makefile runs it only when pyproject.toml or constraints.txt change.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x .venv/bin/python ] && ! .venv/bin/python -c \
    'import sys; sys.exit(not ((3, 8) <= sys.version_info[:2] < (3, 11)))' 2>/dev/null; then
  echo "setup: .venv has an unsupported Python; recreating it"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  py=$(bash scripts/find-python.sh)
  echo "setup: creating .venv with $py ($("$py" --version 2>&1))"
  "$py" -m venv .venv
fi
echo "setup: installing pinned dependencies (first time: about 4 minutes)"
.venv/bin/python -m pip install -q "wheel==0.45.1"
.venv/bin/python -m pip install -q -c constraints.txt -e ".[dev]"
mkdir -p .rasa
echo "setup: done"
