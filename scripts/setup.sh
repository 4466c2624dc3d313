#!/usr/bin/env bash
# Create the project's venv and install its pinned packages; safe to run again.
#   bash scripts/setup.sh          runtime packages (what cron needs)
#   bash scripts/setup.sh --dev    plus the test tools
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
python="${PYTHON:-python3}"

"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup: Python 3.11 or newer is needed ($python is $("$python" --version 2>&1))" >&2; exit 1; }
if [[ ! -w "$root" || ( -e "$venv" && ! -w "$venv" ) ]]; then
  echo "setup: $root is not writable by $(id -un): run this as the checkout's owner (sudo bash scripts/setup.sh for a root-owned /opt checkout)" >&2
  exit 1
fi
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
reqs="$root/requirements.txt"
[[ "${1:-}" == "--dev" ]] && reqs="$root/tests/requirements.txt"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$reqs"
if [[ ! -f "$root/config/.env" ]]; then
  (umask 077 && cp "$root/config/.env.example" "$root/config/.env")
  echo "setup: wrote config/.env from the example (mode 600): fill in its values"
fi
echo "setup: ready: $venv ($("$venv/bin/python" --version))"
