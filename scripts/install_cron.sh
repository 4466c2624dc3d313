#!/usr/bin/env bash
# Add the crontab line that runs the job every 10 minutes; running it again changes nothing.
#   bash scripts/install_cron.sh            install (once)
#   bash scripts/install_cron.sh --remove   take the line out
# Set CRONTAB to use another crontab command (the tests do).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
crontab_cmd="${CRONTAB:-crontab}"
marker="# elytra-status-generator"
# stdout is also in LOG_FILE; stderr stays, so cron mails anything the job could not log.
line="*/10 * * * * $root/scripts/generate_and_upload.sh >/dev/null $marker"

command -v "$crontab_cmd" >/dev/null || { echo "install_cron: no crontab command: install cron (apt-get install cron)" >&2; exit 1; }
current="$("$crontab_cmd" -l 2>/dev/null || true)"
if [[ "${1:-}" == "--remove" ]]; then
  printf '%s\n' "$current" | grep -vF "$marker" | "$crontab_cmd" -
  echo "install_cron: removed"
  exit 0
fi
if printf '%s\n' "$current" | grep -qF "$marker"; then
  echo "install_cron: already installed: $(printf '%s\n' "$current" | grep -F "$marker")"
  exit 0
fi
{ [[ -n "$current" ]] && printf '%s\n' "$current"; printf '%s\n' "$line"; } | "$crontab_cmd" -
echo "install_cron: installed: $line"
