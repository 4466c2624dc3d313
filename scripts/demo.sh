#!/usr/bin/env bash
# Show it working: a real Uptime Kuma, a real S3 server, the real AWS CLI and the real cron wrapper,
# all on loopback. Set-up included; one line per step. Needs Python 3.11+ and Node 20+.
# Its settings live in .cache/demo: config/.env, the operator's file, is never written.
#   bash scripts/demo.sh           run once, print the published status.json, stop everything
#   bash scripts/demo.sh --keep    leave the stack running (it prints how to stop it)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    started=$SECONDS
    echo "demo: installing Debian's chromium for the page's screenshot (apt-get) ..." >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
    echo "demo: chromium installed ($(( SECONDS - started )) s)" >&2
  else
    echo "demo: no /usr/bin/chromium: the demo runs without a screenshot of the page." \
      "For one: sudo apt-get install chromium, then run the demo again." >&2
  fi
fi
bash "$root/scripts/setup.sh" --dev >&2
exec "$root/.venv/bin/python" "$root/scripts/dev/demo.py" "$@"
