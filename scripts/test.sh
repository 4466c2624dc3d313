#!/usr/bin/env bash
# The project's test command: set-up included, then lint and the three tiers, each timed.
#   bash scripts/test.sh            everything: unit, integration, end-to-end
#   bash scripts/test.sh --fast     without the end-to-end tier (no Uptime Kuma, no Chromium)
#   bash scripts/test.sh --unit     the unit tier alone: in-process, no server, under a minute
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tiers="unit integration e2e"
case "${1:-}" in
  --fast) tiers="unit integration" ;;
  --unit) tiers="unit" ;;
  "") ;;
  *) echo "usage: bash scripts/test.sh [--fast|--unit]" >&2; exit 2 ;;
esac
fast=1
[[ "$tiers" == *e2e* ]] && fast=0

bash scripts/setup.sh --dev
# Debian packages the tests drive for real: libfaketime (clock skew, backup ages), Chromium (the
# status page, driven by Playwright), and sudo and cron for the README's install path as a system
# user. Installed with apt-get when run as root.
missing=()
[[ "$tiers" == unit ]] || command -v faketime >/dev/null || missing+=(faketime)
if (( ! fast )); then
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
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
for tier in $tiers; do
  started=$SECONDS
  echo "test: the $tier tier (tests/$tier)"
  "$py" -m pytest "tests/$tier"
  echo "test: the $tier tier passed ($(( SECONDS - started )) s)"
done
