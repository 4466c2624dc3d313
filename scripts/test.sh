#!/usr/bin/env bash
# The project's test command: set-up included, then lint, the fast tests and the end-to-end tests.
#   bash scripts/test.sh            everything
#   bash scripts/test.sh --fast     without the end-to-end stage (no Uptime Kuma; npm fetches axe-core once)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
fast=0
[[ "${1:-}" == "--fast" ]] && fast=1

bash scripts/setup.sh --dev
# Debian packages the tests drive for real: libfaketime (clock skew, backup ages), Chromium (the
# status page, driven by Playwright), and sudo and cron for the README's install path as a system
# user. Installed with apt-get when run as root.
missing=()
command -v faketime >/dev/null || missing+=(faketime)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
if (( ! fast )); then
  command -v sudo >/dev/null || missing+=(sudo)
  command -v crontab >/dev/null || missing+=(cron)
fi
if (( ${#missing[@]} )); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "test: installing Debian's ${missing[*]} (apt-get)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "test: missing ${missing[*]}: sudo apt-get install ${missing[*]}" >&2
  fi
fi
py="$root/.venv/bin/python"
"$root/.venv/bin/ruff" check .
"$root/.venv/bin/ruff" format --check .
"$py" -m pytest tests -m "not e2e"
if (( ! fast )); then
  "$py" -m pytest tests -m e2e
fi
