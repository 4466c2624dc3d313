#!/usr/bin/env bash
# The project's test command: set-up included, then lint, the fast tests and the end-to-end tests.
#   bash scripts/test.sh            everything
#   bash scripts/test.sh --fast     without the end-to-end stage
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
fast=0
[[ "${1:-}" == "--fast" ]] && fast=1

bash scripts/setup.sh --dev
py="$root/.venv/bin/python"
"$root/.venv/bin/ruff" check .
"$root/.venv/bin/ruff" format --check .
"$py" -m pytest tests -m "not e2e"
if (( ! fast )); then
  "$py" -m pytest tests -m e2e
fi
