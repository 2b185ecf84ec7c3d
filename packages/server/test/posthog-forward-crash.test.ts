/**
 * The forwarder's cursor survives a crash: `telemetry serve` forwarding to a local PostHog-format server is killed
 * with SIGKILL in the middle of forwarding and started again on the same data directory; every event arrives (no
 * uuid missing) and at most the batch in flight at the kill was sent twice.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { v5 as uuidv5 } from 'uuid';
import { children, freePort, HOST, startChild, waitReady } from '../bench/child-process.js';
import { MID_NAMESPACE } from '../src/sinks/posthog/map.js';
import { eventually, interact } from './helpers.js';
import { startBatchServer } from './posthog-batch-server.js';
import { tempDir } from './temp-dir.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli.ts');
const KEY = 'phc_crash_target';
const BATCH = 20;
const EVENTS = 300;
const dataDir = tempDir('telemetry-forward-crash-');

after(() => {
  for (const child of children) child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function serve(posthogUrl: string) {
  const port = await freePort();
  const child = startChild(
    'serve',
    ['--conditions=development', '--import', 'tsx', CLI, 'serve'],
    {
      PORT: String(port),
      HOST,
      TELEMETRY_DATA_DIR: dataDir,
      TELEMETRY_SPOOL_ROTATE_MS: '50',
      TELEMETRY_FORWARD_POSTHOG_HOST: posthogUrl,
      TELEMETRY_FORWARD_POSTHOG_KEY: KEY,
      TELEMETRY_FORWARD_POSTHOG_BATCH: String(BATCH),
      TELEMETRY_FORWARD_POSTHOG_RETRY_MS: '50',
    },
    port,
  );
  await waitReady(child, '/health', 60_000, (status) => status === 200);
  return child;
}

test('kill -9 in the middle of forwarding, then a restart: no uuid missing, at most the batch in flight resent', {
  timeout: 240_000,
}, async () => {
  // Each answer takes 150 ms, so the kill lands while batches are still going out.
  const posthog = await startBatchServer(KEY, () => ({ status: 200, delayMs: 150 }));
  try {
    const first = await serve(posthog.url);
    const list = Array.from({ length: EVENTS }, (_, i) =>
      interact({ mid: `INTERACT:crash-${i}`, ets: 1_790_000_000_000 + i }),
    );
    for (let i = 0; i < EVENTS; i += 100) {
      const response = await fetch(`${first.url}/v1/telemetry`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id: 'api.sunbird.telemetry',
          ver: '3.0',
          params: { msgid: `crash-${i}` },
          events: list.slice(i, i + 100),
        }),
      });
      assert.equal(response.status, 200);
    }
    await eventually(async () => posthog.state.requests >= 4, 120_000);
    first.process.kill('SIGKILL');
    await first.exited;
    const before = posthog.distinctUuids().size;
    assert.ok(before < EVENTS, `the kill came before the end (${before} of ${EVENTS} forwarded)`);

    const second = await serve(posthog.url);
    await eventually(async () => posthog.distinctUuids().size === EVENTS, 120_000);
    assert.deepEqual(posthog.distinctUuids(), new Set(list.map((e) => uuidv5(e.mid as string, MID_NAMESPACE))));
    const resent = posthog.state.accepted.length - EVENTS;
    assert.ok(resent >= 0 && resent <= BATCH, `${resent} events sent twice; at most one batch (${BATCH}) may be`);
    assert.deepEqual(posthog.state.violations, []);
    second.process.kill('SIGTERM');
    await second.exited;
  } finally {
    await posthog.close();
  }
});
