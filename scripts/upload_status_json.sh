#!/usr/bin/env bash
# Upload OUTPUT_FILE to s3://STATUS_BUCKET/STATUS_BUCKET_KEY with the venv's AWS CLI.
# Settings come from config/.env through the same config code as status.py (--env-file PATH picks
# another file). The file is refused if missing, empty, invalid or stale; the upload is then verified.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
py="${ELYTRA_PYTHON:-$root/.venv/bin/python}"
[[ -x "$py" ]] || { echo "$(date -u +%FT%TZ) ERROR upload: no venv at $root/.venv: run bash scripts/setup.sh" >&2; exit 1; }
exec "$py" "$root/scripts/cli/publish.py" "$@"
