/**
 * The PostHog forwarder against a local server checking PostHog's documented `/batch/` format: exactly the stored
 * events arrive, mapped (distinct_id, UUIDv5 of mid, timestamp, $session_id, dotted properties); with 503s and 429s
 * injected every event arrives and the resends are counted; a refused event is found by splitting its batch,
 * dead-lettered with PostHog's answer and sent again on request; the channel/eid filters hold.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { v5 as uuidv5 } from 'uuid';
import { forwardRetryCommand } from '../src/commands/forward-retry.js';
import type { ForwardPostHogConfig } from '../src/config.js';
import { MID_NAMESPACE } from '../src/sinks/posthog/map.js';
import { eventually, interact, postBatch, sql, startTestServer } from './helpers.js';
import { type Answer, type BatchMessage, forwardConfig, startBatchServer } from './posthog-batch-server.js';

const KEY = 'phc_forward_target';
const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

async function setup(answer?: (i: number, batch: BatchMessage[]) => Answer, extra: Partial<ForwardPostHogConfig> = {}) {
  const posthog = await startBatchServer(KEY, answer);
  closers.push(posthog.close);
  const server = await startTestServer({ forwardPostHog: forwardConfig(posthog.url, KEY, extra) });
  closers.push(server.close);
  return { posthog, server };
}

function events(n: number, overrides: (i: number) => Record<string, unknown> = () => ({})) {
  return Array.from({ length: n }, (_, i) =>
    interact({ mid: `INTERACT:${randomUUID()}`, ets: 1_790_000_000_000 + i, ...overrides(i) }),
  );
}

async function send(server: { url: string }, list: Record<string, unknown>[]) {
  const response = await postBatch(server, {
    id: 'api.sunbird.telemetry',
    ver: '3.0',
    params: { msgid: randomUUID() },
    events: list,
  });
  assert.equal(response.status, 200);
}

async function metric(server: { url: string }, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

test('exactly the stored events arrive in PostHog format, mapped as documented', async () => {
  const { posthog, server } = await setup();
  const list = events(25, (i) => ({
    object: { id: `content-${i}`, type: 'Content', ver: '1' },
    context: { channel: 'ch', env: 'home', sid: `s-${i}`, did: 'd-1', pdata: { id: 'app', ver: '2', pid: 'web' } },
  }));
  await send(server, list);
  await eventually(async () => posthog.distinctUuids().size === 25);
  assert.deepEqual(posthog.state.violations, []);
  const expected = new Set(list.map((e) => uuidv5(e.mid as string, MID_NAMESPACE)));
  assert.deepEqual(posthog.distinctUuids(), expected);
  const first = posthog.state.accepted.find((m) => m.uuid === uuidv5(list[0].mid as string, MID_NAMESPACE));
  assert.deepEqual(first, {
    event: 'INTERACT',
    distinct_id: 'user-1',
    uuid: uuidv5(list[0].mid as string, MID_NAMESPACE),
    timestamp: new Date(list[0].ets as number).toISOString(),
    properties: {
      eid: 'INTERACT',
      mid: list[0].mid,
      ver: '3.0',
      $lib: 'telemetry-forwarder',
      $session_id: 's-0',
      $device_id: 'd-1',
      'actor.type': 'User',
      'context.channel': 'ch',
      'context.env': 'home',
      'context.sid': 's-0',
      'context.did': 'd-1',
      'context.pdata.id': 'app',
      'context.pdata.ver': '2',
      'context.pdata.pid': 'web',
      'object.id': 'content-0',
      'object.type': 'Content',
      'object.ver': '1',
      'edata.type': 'CLICK',
      'edata.id': 'submit',
      'edata.pageid': 'quiz',
    },
  });
  await eventually(async () => (await metric(server, 'telemetry_forward_sent_total')) === 25);
  await eventually(async () => (await metric(server, 'telemetry_forward_lag_events')) === 0);
  const status = (await (await fetch(`${server.url}/api/forward/status`)).json()) as Record<string, unknown>;
  assert.equal(status.enabled, true);
  assert.equal(status.sent, 25);
  assert.equal(status.lagEvents, 0);
  // Nothing more arrives: no event was sent twice.
  assert.equal(posthog.state.accepted.length, 25);
});

test('an event that came in the PostHog format goes back as it came: name, uuid, distinct_id, properties, $set', async () => {
  const posthog = await startBatchServer(KEY);
  closers.push(posthog.close);
  const server = await startTestServer({
    posthogKeys: { phc_in: 'web' },
    forwardPostHog: forwardConfig(posthog.url, KEY),
  });
  closers.push(server.close);
  const uuid = randomUUID();
  const timestamp = '2026-11-01T10:00:00.000Z';
  const properties = { $current_url: 'https://x.org/a', $session_id: 's-9', plan: 'pro' };
  const response = await fetch(`${server.url}/batch/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      api_key: 'phc_in',
      batch: [
        { event: '$pageview', distinct_id: 'ph-user', uuid, timestamp, properties },
        // Person properties at the top level, as PostHog's capture API accepts them (and some SDKs send them).
        {
          event: '$identify',
          distinct_id: 'ph-user',
          timestamp,
          $set: { name: 'Asha', school: 'GPS 12' },
          $set_once: { first_school: 'GPS 3' },
          properties: { $set: { role: 'teacher' } },
        },
        // Not objects: PostHog would refuse the whole request over them, so they are not forwarded.
        { event: 'odd', distinct_id: 'ph-user', timestamp, $set: 'oops', $set_once: ['a'], properties: {} },
      ],
    }),
  });
  assert.equal(response.status, 200);
  await eventually(async () => posthog.state.accepted.length === 3);
  assert.deepEqual(posthog.state.violations, []);
  const message = posthog.state.accepted.find((m) => m.event === '$pageview') as BatchMessage;
  const identify = posthog.state.accepted.find((m) => m.event === '$identify') as BatchMessage;
  assert.deepEqual(
    [identify.$set, identify.$set_once, identify.properties.$set],
    [{ name: 'Asha', school: 'GPS 12' }, { first_school: 'GPS 3' }, { role: 'teacher' }],
  );
  assert.equal(Object.hasOwn(message, '$set'), false, 'no $set where none came');
  const odd = posthog.state.accepted.find((m) => m.event === 'odd') as BatchMessage;
  assert.deepEqual([Object.hasOwn(odd, '$set'), Object.hasOwn(odd, '$set_once')], [false, false]);
  assert.equal(message.event, '$pageview');
  assert.equal(message.uuid, uuid);
  assert.equal(message.distinct_id, 'ph-user');
  assert.equal(message.timestamp, timestamp);
  assert.deepEqual(
    [message.properties.$current_url, message.properties.$session_id, message.properties.plan],
    ['https://x.org/a', 's-9', 'pro'],
  );
});

test('with 503s and 429s injected, every event arrives and the resends are reported', async () => {
  const plan = (i: number): Answer =>
    i % 3 === 0 ? { status: 503 } : i % 3 === 1 ? { status: 429, retryAfter: '0' } : { status: 200 };
  const { posthog, server } = await setup(plan);
  const list = events(60);
  await send(server, list);
  await eventually(async () => posthog.distinctUuids().size === 60);
  assert.deepEqual(posthog.distinctUuids(), new Set(list.map((e) => uuidv5(e.mid as string, MID_NAMESPACE))));
  assert.ok(posthog.state.statuses.includes(503) && posthog.state.statuses.includes(429));
  await eventually(async () => (await metric(server, 'telemetry_forward_sent_total')) === 60);
  // Each batch of 10 failed twice before it was taken: 2 × 60 events sent again.
  assert.equal(await metric(server, 'telemetry_forward_resent_total'), 120);
});

test('an event PostHog refuses is found by splitting its batch, dead-lettered with the answer, and retried on request', async () => {
  let refuse = true;
  const poison = (m: BatchMessage) => m.properties['edata.id'] === 'poison';
  const { posthog, server } = await setup((_i, batch) => ({ status: refuse && batch.some(poison) ? 400 : 200 }));
  const list = events(10, (i) => (i === 6 ? { edata: { type: 'CLICK', id: 'poison' } } : {}));
  await send(server, list);
  await eventually(async () => posthog.distinctUuids().size === 9);
  await eventually(async () => (await sql(server, 'SELECT count(*) FROM forward_dead_letters'))[0][0] === 1);
  const [dead] = await sql(server, 'SELECT mid, status, answer, attempts FROM forward_dead_letters');
  assert.deepEqual(dead.slice(0, 2), [list[6].mid, 400]);
  assert.match(String(dead[2]), /"code":400/);
  // The dead letter is written before the batch's counts move (forwarder.ts): wait for the count too.
  await eventually(async () => (await metric(server, 'telemetry_forward_failed_total')) === 1);
  refuse = false;
  const retried = await (await fetch(`${server.url}/api/forward/dead-letters/retry`, { method: 'POST' })).json();
  assert.deepEqual(retried, { enabled: true, retried: 1, delivered: 1, refused: 0, untried: 0 });
  assert.equal(posthog.distinctUuids().size, 10);
  assert.deepEqual(await sql(server, 'SELECT count(*) FROM forward_dead_letters'), [[0]]);
});

test('filters: only the configured channels and eids are forwarded, named eid:edata.type when asked', async () => {
  const { posthog, server } = await setup(undefined, {
    channels: ['keep'],
    eids: ['INTERACT'],
    naming: 'eid:edata.type',
  });
  const kept = events(3, () => ({ context: { channel: 'keep', pdata: { id: 'a', ver: '1', pid: 'w' }, env: 'e' } }));
  const otherChannel = events(3, () => ({
    context: { channel: 'drop', pdata: { id: 'a', ver: '1', pid: 'w' }, env: 'e' },
  }));
  await send(server, [...otherChannel, ...kept]);
  await eventually(async () => posthog.distinctUuids().size === 3);
  await eventually(async () => (await metric(server, 'telemetry_forward_lag_events')) === 0);
  assert.deepEqual(posthog.distinctUuids(), new Set(kept.map((e) => uuidv5(e.mid as string, MID_NAMESPACE))));
  assert.deepEqual(new Set(posthog.state.accepted.map((m) => m.event)), new Set(['INTERACT:CLICK']));
});

/** Runs `telemetry forward-retry ARGS` in this process against `dataDir` and `host`; its printed JSON. */
async function forwardRetry(dataDir: string, host: string, args: string[] = []): Promise<unknown> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    TELEMETRY_DATA_DIR: dataDir,
    TELEMETRY_FORWARD_POSTHOG_HOST: host,
    TELEMETRY_FORWARD_POSTHOG_KEY: KEY,
    TELEMETRY_FORWARD_POSTHOG_RETRY_MS: '20',
  });
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    assert.equal(await forwardRetryCommand(args), 0);
  } finally {
    process.stdout.write = write;
    process.env = saved;
  }
  return JSON.parse(out);
}

/** A stopped server's data directory holding `n` dead letters (the events whose edata.id is poison). */
async function deadLetters(n: number, refuse: () => boolean) {
  const posthog = await startBatchServer(KEY, (_i, batch) => ({
    status: refuse() && batch.some((m) => m.properties['edata.id'] === 'poison') ? 400 : 200,
  }));
  closers.push(posthog.close);
  const server = await startTestServer({ forwardPostHog: forwardConfig(posthog.url, KEY) });
  const list = events(n + 2, (i) => (i > 0 && i <= n ? { edata: { type: 'CLICK', id: 'poison' } } : {}));
  await send(server, list);
  await eventually(async () => (await sql(server, 'SELECT count(*) FROM forward_dead_letters'))[0][0] === n);
  await server.close();
  return { posthog, dataDir: server.dataDir, poisoned: list.slice(1, n + 1) };
}

test('telemetry forward-retry sends the dead letters again from the store file (server stopped)', async () => {
  let refuse = true;
  const { posthog, dataDir, poisoned } = await deadLetters(1, () => refuse);
  refuse = false;
  assert.deepEqual(await forwardRetry(dataDir, posthog.url), { retried: 1, delivered: 1, refused: 0, untried: 0 });
  assert.ok(posthog.distinctUuids().has(uuidv5(poisoned[0].mid as string, MID_NAMESPACE)));
});

test('telemetry forward-retry is bounded: --limit events, --timeout seconds while PostHog answers 503', async () => {
  let refuse = true;
  const { posthog, dataDir, poisoned } = await deadLetters(3, () => refuse);
  refuse = false;
  const oldest = uuidv5(poisoned[0].mid as string, MID_NAMESPACE);
  assert.deepEqual(await forwardRetry(dataDir, posthog.url, ['--limit', '1']), {
    retried: 1,
    delivered: 1,
    refused: 0,
    untried: 0,
  });
  assert.ok(posthog.distinctUuids().has(oldest), 'the oldest dead letter first');
  const down = await startBatchServer(KEY, () => ({ status: 503 }));
  closers.push(down.close);
  const started = Date.now();
  assert.deepEqual(await forwardRetry(dataDir, down.url, ['--timeout', '1']), {
    retried: 0,
    delivered: 0,
    refused: 0,
    untried: 2,
  });
  assert.ok(Date.now() - started < 60_000, 'it gave up instead of retrying forever');
  assert.ok(down.state.requests > 1, 'it retried while it had time');
});
