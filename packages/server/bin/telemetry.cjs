#!/usr/bin/env -S node --max-semi-space-size=8
// The `telemetry` command. Committed rather than built, so `npm ci` links it (npx telemetry) before any build has
// run; it loads the built CLI, and in a checkout that was never built it runs `npm run build` once first.
//
// V8's young generation at 8 MB a semi-space instead of Node 20's 16 (the first line: V8 reads its heap's sizes when
// the process starts, so a flag set later does nothing): the server's new space is committed whole once traffic
// grows it, 32 MB of which ~1–14 MB in use. At 10,000 events/s for 2 minutes the peak RSS fell from 334–339 MB to
// 288–329 (median 292) with the same CPU per event, and bench:ingest kept its rate (docs/benchmarks.md, "The young
// generation at 8 MB", issue 16, session 40). Run as `node bin/telemetry.cjs` the line is skipped: pass the flag.
//
// CommonJS on purpose: libuv sizes its threadpool on first use, and an ES module entry has already used it (the
// ESM loader reads files on it) before its first line runs. Every DuckDB call holds a pool thread while the engine
// works, and the spool's writes and fsyncs need one too: the pool gets room for TELEMETRY_QUERY_CONCURRENCY user
// queries plus 6 threads they never take (docs/security.md).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

if (!process.env.UV_THREADPOOL_SIZE) {
  const queries = Math.max(1, Number(process.env.TELEMETRY_QUERY_CONCURRENCY) || 2);
  process.env.UV_THREADPOOL_SIZE = String(Math.min(1024, queries + 6));
}

const cli = path.resolve(__dirname, '../dist/cli.js');
const checkout = path.resolve(__dirname, '../../..');
if (!fs.existsSync(cli) && fs.existsSync(path.join(checkout, 'packages/server/tsconfig.json'))) {
  process.stderr.write('telemetry: not built yet, running npm run build once\n');
  const build = spawnSync('npm', ['run', 'build'], { cwd: checkout, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
import(pathToFileURL(cli).href).catch((error) => {
  process.stderr.write(`telemetry: ${error?.message ?? error}\n`);
  process.exitCode = 1;
});
