/**
 * Demo data written straight to the store carries real receive times: the live tail and the
 * newest-first event list show a real event sent afterwards, whatever else is stored.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { simulateCommand } from '../src/commands/simulate.js';
import { simulate } from '../src/simulate/generate.js';
import { resolveParams } from '../src/simulate/params.js';
import { spoolDirOf, writeToStore } from '../src/simulate/write-store.js';
import { openStore } from '../src/store/open-store.js';
import { interact, postBatch, startTestServer, tempDir } from './helpers.js';

/** The first `event: event` message of an SSE response within `timeoutMs`, or undefined. */
async function firstEvent(response: Response, timeoutMs: number): Promise<{ mid: string } | undefined> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const deadline = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return undefined;
      buffer += decoder.decode(value, { stream: true });
      for (const message of buffer.split('\n\n').slice(0, -1)) {
        const data = message.split('\n').find((line) => line.startsWith('data: '));
        if (message.includes('event: event') && data) return JSON.parse(data.slice(6));
      }
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => {});
  }
}

/** Opens the tail at the wall clock, sends one real event, and returns what the tail shows first. */
async function tailShows(dataDir: string): Promise<{ first?: { mid: string }; real: string; newest: string }> {
  const server = await startTestServer({ dataDir });
  try {
    const response = await fetch(`${server.url}/api/events/live?since=${Date.now()}`);
    assert.equal(response.status, 200);
    const reading = firstEvent(response, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 20)); // a receive time after `since`
    const real = interact({ ets: Date.now() });
    assert.equal((await postBatch(server, { events: [real] })).status, 200);
    const first = await reading;
    const list = (await (await fetch(`${server.url}/api/events?limit=1`)).json()) as { items: { mid: string }[] };
    return { first, real: real.mid as string, newest: list.items[0]?.mid };
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

test('after `telemetry simulate` into the store, the live tail and the event list show a real event first', async () => {
  const dataDir = tempDir('demo-receive-');
  const code = await simulateCommand(['--users', '40', '--data-dir', dataDir]);
  assert.equal(code, 0);
  const { first, real, newest } = await tailShows(dataDir);
  assert.equal(first?.mid, real, 'the tail shows the real event, not simulated ones');
  assert.equal(newest, real, '/api/events lists the real event above the simulated ones');
});

test('rows stamped with a future receive time do not hide a real event from the live tail', async () => {
  const dataDir = tempDir('future-receive-');
  const store = await openStore({ dataDir, spoolDir: spoolDirOf(dataDir) });
  try {
    const tomorrow = Date.now() + 86_400_000;
    await writeToStore(simulate(resolveParams({ users: 20, seed: 3 })), {
      store,
      spoolDir: spoolDirOf(dataDir),
      receivedAt: () => tomorrow,
    });
  } finally {
    await store.close();
  }
  const { first, real } = await tailShows(dataDir);
  assert.equal(first?.mid, real);
});
