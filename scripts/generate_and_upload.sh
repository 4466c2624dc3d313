#!/usr/bin/env bash
# The cron entry: status.json from Uptime Kuma and the backups, then the upload, then the heartbeat.
# Works from any directory and from cron's bare environment (PATH=/usr/bin:/bin, no venv).
# Exit codes: 0 published; 3 published, a source failed; 1 nothing published; 2 bad config;
# 4 upload failed; 75 another run holds the lock; 124 killed by the timeout; 137 killed by a signal.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${ELYTRA_PYTHON:-$root/.venv/bin/python}"
job="$root/scripts/cli/job.py"
# A hard bound under cron's 10-minute period; the job's own deadlines normally end it long before.
limit="${ELYTRA_JOB_TIMEOUT_SECONDS:-540}"

if [[ ! -x "$py" ]]; then
  echo "$(date -u +%FT%TZ) ERROR generate_and_upload: no venv at $root/.venv: run bash scripts/setup.sh" >&2
  exit 1
fi
# One lock per settings file: config/.env's is logs/generate_and_upload.lock; another file's sits in
# logs/<name>-<hash>/ beside its state (settings.config_tag computes the same name).
lock_dir="$root/logs"
env_file=""
prev=""
for arg in "$@"; do
  [[ "$prev" == "--env-file" ]] && env_file="$arg"
  [[ "$arg" == --env-file=* ]] && env_file="${arg#--env-file=}"
  prev="$arg"
done
if [[ -n "$env_file" ]]; then
  full="$(realpath -m -- "$env_file")"
  if [[ "$full" != "$(realpath -m -- "$root/config/.env")" ]]; then
    name="$(basename -- "$full")"
    name="${name#.}"
    name="${name//[^A-Za-z0-9._-]/_}"
    lock_dir="$root/logs/${name:-env}-$(printf '%s' "$full" | sha256sum | cut -c1-8)"
  fi
fi
mkdir -p "$lock_dir"
exec 9>>"${ELYTRA_LOCK_FILE:-$lock_dir/generate_and_upload.lock}"
if ! flock -n 9; then
  "$py" "$job" --event locked "$@"
  exit 75
fi
started=$SECONDS
# timeout runs the job in a process group of its own (its pid), which the job's children join.
timeout --kill-after=10 "$limit" "$py" "$job" "$@" &
group=$!
wait "$group"
code=$?
# Whatever the job left running (an upload whose parent was SIGKILLed) goes with it, and the lock
# (fd 9, inherited by every child) is held until the whole group is gone.
if kill -TERM -- "-$group" 2>/dev/null; then
  for _ in $(seq 100); do kill -0 -- "-$group" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$group" 2>/dev/null
fi
if (( code == 124 || (code == 137 && SECONDS - started >= limit) )); then
  "$py" "$job" --event timeout "$@"
  exit 124
fi
if (( code > 128 )); then
  "$py" "$job" --event killed --signal "$((code - 128))" "$@"
  exit "$code"
fi
exit "$code"
