#!/usr/bin/env bash
# Create the project's venv and install its pinned packages; safe to run again. One line per step, timed.
#   bash scripts/setup.sh          runtime packages (what cron needs); writes config/.env from the example once
#   bash scripts/setup.sh --dev    plus the test tools; config/.env is left alone (it holds the operator's values)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
python="${PYTHON:-python3}"
dev=0
[[ "${1:-}" == "--dev" ]] && dev=1

step_started=0
step() { step_started=$SECONDS; echo "setup: $1 ..."; }
done_step() { echo "setup: $1 ($(( SECONDS - step_started )) s)"; }

"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "setup: Python 3.11 or newer is needed ($python is $("$python" --version 2>&1))" >&2; exit 1; }
if [[ ! -w "$root" || ( -e "$venv" && ! -w "$venv" ) ]]; then
  echo "setup: $root is not writable by $(id -un): run this as the checkout's owner (sudo bash scripts/setup.sh for a root-owned /opt checkout)" >&2
  exit 1
fi
if [[ ! -x "$venv/bin/python" ]]; then
  step "creating the venv in $venv"
  "$python" -m venv "$venv"
  done_step "venv created"
fi
reqs="$root/requirements.txt"
(( dev )) && reqs="$root/tests/requirements.txt"
step "pip: installing ${reqs#"$root"/} (the first time takes about a minute)"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$reqs"
done_step "pip: done"
# The JSON Schema checks, compiled once here, into the venv: each cron run would otherwise compile them.
PYTHONPATH="$root/scripts" "$venv/bin/python" -m elytra_status precompile
if (( ! dev )) && [[ ! -f "$root/config/.env" ]]; then
  (umask 077 && cp "$root/config/.env.example" "$root/config/.env")
  echo "setup: wrote config/.env from the example (mode 600): fill in its values"
fi
echo "setup: ready: $venv ($("$venv/bin/python" --version))"
