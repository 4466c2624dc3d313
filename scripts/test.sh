#!/usr/bin/env bash
# The project's test command: set-up included, then lint, the fast tests and the end-to-end tests.
#   bash scripts/test.sh            everything
#   bash scripts/test.sh --fast     without the end-to-end stage (no Node or Uptime Kuma needed)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
fast=0
[[ "${1:-}" == "--fast" ]] && fast=1

bash scripts/setup.sh --dev
if ! command -v faketime >/dev/null; then
  # libfaketime skews the clock in the fast tests (clock skew) and ages moto's backups in the e2e stage.
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "test: installing Debian's faketime (apt-get) for the clock tests"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null
  else
    echo "test: faketime is missing: sudo apt-get install faketime (the clock and backup-age tests need it)" >&2
  fi
fi
py="$root/.venv/bin/python"
"$root/.venv/bin/ruff" check .
"$root/.venv/bin/ruff" format --check .
"$py" -m pytest tests -m "not e2e"
if (( ! fast )); then
  "$py" -m pytest tests -m e2e
fi
