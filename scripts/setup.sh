#!/usr/bin/env bash
# Sets up a checkout: pnpm (the version pinned in package.json), dependencies from the lockfile, a build.
# With --services it also installs the real test services (versitygw, s5cmd, toxiproxy, redis) and the Python
# readers the silver tests read Parquet with (pyarrow, pandas, polars, pyspark + a Java runtime).
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1

want=$(node -p 'require("./package.json").packageManager.split("@")[1]')
if [ "$(pnpm --version 2>/dev/null || true)" != "$want" ]; then
  echo "setup: installing pnpm $want"
  npm install -g "pnpm@$want" --no-fund --no-audit >/dev/null
fi
echo "setup: installing dependencies (pnpm $want)"
pnpm install --frozen-lockfile --reporter=append-only | tail -n 3
echo "setup: building"
pnpm -s build
if [ "${1:-}" = "--services" ]; then
  bash scripts/setup-services.sh
  bash scripts/setup-python.sh
fi
