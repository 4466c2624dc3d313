#!/usr/bin/env bash
# Show it working: a real Uptime Kuma, a real S3 server, the real AWS CLI and the real cron wrapper,
# all on loopback. Set-up included. Needs Python 3.11+ and Node 20+.
#   bash scripts/demo.sh           run once, print the published status.json, stop everything
#   bash scripts/demo.sh --keep    leave the stack running (it prints how to stop it)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/setup.sh" --dev >&2
exec "$root/.venv/bin/python" "$root/scripts/dev/demo.py" "$@"
