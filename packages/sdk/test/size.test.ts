/**
 * The bundle budget (gzip -9, deterministic): the core IIFE ≤ 6 KB; with the EkTelemetry facade ≤ 9 KB; with the
 * facade and auto-capture ≤ 9 KB.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(import.meta.dirname, '..');

test('IIFE sizes stay within budget', async () => {
  // The root test command builds first; build here too when run on its own.
  if (!fs.existsSync(path.join(root, 'dist/telemetry.min.js')))
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root });
  const { sizes } = await import('../scripts/build.mjs');
  const s = sizes();
  assert.ok(s['telemetry.min.js'].gzip <= 6 * 1024, `core ${s['telemetry.min.js'].gzip} B`);
  assert.ok(s['telemetry-sunbird.min.js'].gzip <= 9 * 1024, `sunbird ${s['telemetry-sunbird.min.js'].gzip} B`);
  assert.ok(
    s['telemetry-autocapture.min.js'].gzip <= 9 * 1024,
    `autocapture ${s['telemetry-autocapture.min.js'].gzip} B`,
  );
});
