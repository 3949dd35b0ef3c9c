#!/usr/bin/env bash
# Print the path of a Python that Rasa 3.6 accepts (>= 3.8, < 3.11), preferring 3.10.
# Looks at $PYTHON, then PATH, then pyenv's versions; fails with one clear sentence.
set -u

ok() { # $1: interpreter; true when it runs and its version is 3.8-3.10
  "$1" -c 'import sys, venv; sys.exit(not ((3, 8) <= sys.version_info[:2] < (3, 11)))' \
    >/dev/null 2>&1
}

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for v in 3.10 3.9 3.8; do
  p=$(command -v "python$v" 2>/dev/null) && candidates+=("$p")
done
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for v in 3.10 3.9 3.8; do
  for p in $(ls -d "$root"/versions/"$v".*/bin/python 2>/dev/null | sort -rV); do
    candidates+=("$p")
  done
done
for p in /usr/bin/python3.10 /usr/local/bin/python3.10; do candidates+=("$p"); done

for p in "${candidates[@]}"; do
  if ok "$p"; then
    echo "$p"
    exit 0
  fi
done
echo "No Python 3.8-3.10 found (Rasa 3.6 needs Python >= 3.8 and < 3.11): install Python 3.10 (for example 'pyenv install 3.10.13') or set PYTHON=/path/to/python3.10." >&2
exit 1
