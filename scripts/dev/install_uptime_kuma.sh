#!/usr/bin/env bash
# Install the npm registry's Uptime Kuma (2.0.0-dev.0, 1.23-era API) into a git-ignored cache.
# A second run finds the finished install and returns at once.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="${KUMA_CACHE_DIR:-$root/.cache/uptime-kuma}"
version="2.0.0-dev.0"
pkg="$dest/node_modules/uptime-kuma"
stamp="$dest/.installed-$version"

if [[ -f "$stamp" ]]; then
  echo "$pkg"
  exit 0
fi
command -v node >/dev/null || { echo "install_uptime_kuma: node is not on PATH (Node 20+ needed)" >&2; exit 1; }
mkdir -p "$dest"
cd "$dest"
[[ -f package.json ]] || echo '{"name":"elytra-kuma-cache","private":true}' > package.json
# --nodedir builds native modules against the local Node headers: nothing is downloaded from GitHub.
npm install --no-audit --no-fund --loglevel=error --nodedir=/usr "uptime-kuma@$version" >&2
npm_major="$(npm --version | cut -d. -f1)"
if (( npm_major >= 11 )); then
  # npm 11 holds back dependencies' install scripts until they are approved.
  npm install-scripts approve @louislam/sqlite3 >&2 || true
fi
npm rebuild @louislam/sqlite3 --nodedir=/usr >&2
# The package looks for some migrations in db/old_migrations/.
mkdir -p "$pkg/db/old_migrations"
cp -n "$pkg"/db/patch-*.sql "$pkg/db/old_migrations/" 2>/dev/null || true
touch "$stamp"
echo "$pkg"
