#!/usr/bin/env bash
# The one test command (README, CI): installs what the suites need, then runs every suite:
# unit, integration against real DuckDB, browser (Debian Chromium) and ClickHouse when present.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
bash scripts/install-system-deps.sh chromium clickhouse-server
# The ClickHouse test service (scripts/clickhouse.sh), on its own loopback ports; the ClickHouse suites use it and
# skip, naming why, only where clickhouse-server could not be installed.
if PATH="$PATH:/usr/sbin" command -v clickhouse-server >/dev/null 2>&1; then
  bash scripts/clickhouse.sh start
  trap 'bash scripts/clickhouse.sh stop' EXIT
fi
npm run build
# Every package's tests and benches are type-checked too (the build leaves out *.test.ts, test/ and bench/).
npm run typecheck:tests
npx biome check .
node scripts/run-tests.mjs "$@"
