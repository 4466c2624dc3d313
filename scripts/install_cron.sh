#!/usr/bin/env bash
# Add the crontab line that runs the job every minute; running it again changes nothing, and an
# older line of this project (the */10 one) is replaced.
#   bash scripts/install_cron.sh            install (once)
#   bash scripts/install_cron.sh --remove   take the line out
# Set CRONTAB to use another crontab command (the tests do).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
crontab_cmd="${CRONTAB:-crontab}"
marker="# elytra-status-generator"
# stdout is also in LOG_FILE; stderr stays, so cron mails anything the job could not log.
# Every minute: a run uploads only what changed (and at least every PUBLISH_EVERY_SECONDS); the lock
# keeps a slow run from stacking with the next. For the old cadence, change the first * to */10.
line="* * * * * $root/scripts/generate_and_upload.sh >/dev/null $marker"

case "${1:-}" in
  "" | --remove) ;;
  -h | --help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "install_cron: unknown argument: $1 (use --remove, or nothing)" >&2; exit 2 ;;
esac
(( $# <= 1 )) || { echo "install_cron: one argument at most" >&2; exit 2; }
command -v "$crontab_cmd" >/dev/null || { echo "install_cron: no crontab command: install cron (apt-get install cron)" >&2; exit 1; }
current="$("$crontab_cmd" -l 2>/dev/null || true)"
if [[ "${1:-}" == "--remove" ]]; then
  # grep -v exits 1 when nothing is left: that is success here, not an error.
  { printf '%s\n' "$current" | grep -vF "$marker" || true; } | "$crontab_cmd" -
  echo "install_cron: removed"
  exit 0
fi
if printf '%s\n' "$current" | grep -qxF "$line"; then
  echo "install_cron: already installed: $line"
  exit 0
fi
others="$(printf '%s\n' "$current" | grep -vF "$marker" || true)"
{ [[ -n "$others" ]] && printf '%s\n' "$others"; printf '%s\n' "$line"; } | "$crontab_cmd" -
echo "install_cron: installed: $line"
