#!/usr/bin/env node
// The `telemetry` command. Committed rather than built, so `npm ci` links it (npx telemetry) before any build has
// run; it loads the built CLI, and in a checkout that was never built it runs `npm run build` once first.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const checkout = fileURLToPath(new URL('../../..', import.meta.url));
if (!fs.existsSync(cli) && fs.existsSync(path.join(checkout, 'packages/server/tsconfig.json'))) {
  process.stderr.write('telemetry: not built yet, running npm run build once\n');
  const build = spawnSync('npm', ['run', 'build'], { cwd: checkout, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
await import(pathToFileURL(cli).href);
