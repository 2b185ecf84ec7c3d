/**
 * The `telemetry` launcher's first line (bin/telemetry.cjs): run as an executable, as `npx telemetry` and `npm start`
 * run it, it starts the CLI; and the Node flags on that line cap V8's young generation (issue 16: a smaller peak RSS),
 * observed against a Node started without them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { LAUNCHER, LAUNCHER_NODE_FLAGS } from '../bench/child-process.js';

test('the launcher runs as an executable through its first line', { timeout: 120_000 }, () => {
  assert.ok(
    fs.existsSync(path.resolve(LAUNCHER, '../../dist/cli.js')),
    'run `npm run build` first: the launcher runs dist/',
  );
  const run = spawnSync(LAUNCHER, ['--help'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, `${run.error ?? ''}${run.stderr}`);
  assert.match(run.stdout, /\bserve\b/);
});

/** The new space's size (MB) after allocating short-lived objects until V8 has grown it as far as it will. */
function grownNewSpaceMb(nodeFlags: string[]): number {
  const script = `
    const v8 = require('node:v8');
    let kept = [];
    for (let i = 0; i < 2e7; i++) { const o = { i, list: [i] }; if (i % 64 === 0) kept.push(o); if (kept.length > 1e5) kept = []; }
    const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(space.space_size / 2 ** 20));`;
  const run = spawnSync(process.execPath, [...nodeFlags, '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  return Number(run.stdout);
}

test("the launcher's Node flags cap the young generation at 8 MB a semi-space", { timeout: 150_000 }, () => {
  assert.ok(LAUNCHER_NODE_FLAGS.includes('--max-semi-space-size=8'), `flags: ${LAUNCHER_NODE_FLAGS.join(' ')}`);
  const capped = grownNewSpaceMb(LAUNCHER_NODE_FLAGS);
  const plain = grownNewSpaceMb([]);
  assert.ok(capped <= 16, `new space with the launcher's flags: ${capped} MB`);
  assert.ok(plain > capped, `without them: ${plain} MB, with: ${capped} MB`);
});
