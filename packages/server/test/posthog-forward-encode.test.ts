/**
 * The forwarder's encoding and what makes it fast, checked against the plain definitions: a window encoded by a
 * worker (sinks/posthog/encode-pool.ts) is byte for byte the body the forwarder's own thread makes, through the
 * whole forwarder too (splits of a refused batch included); an error in a worker fails that window (nothing sent,
 * the cursor stays, the next attempt sends it) instead of the process; the store's window text, in no promised
 * order, is sent in arrival order; the UUIDv5 and the dotted names are those of the `uuid` package and of a plain
 * flatten, past the name cache's bounds too.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, test } from 'node:test';
import zlib from 'node:zlib';
import { v5 as uuidv5 } from 'uuid';
import { loadConfig } from '../src/config.js';
import { encodeBatch } from '../src/sinks/posthog/client.js';
import { EncodePool } from '../src/sinks/posthog/encode-pool.js';
import { Forwarder, type ForwarderOptions, retryDelayMs } from '../src/sinks/posthog/forwarder.js';
import { forwardedUuid, MID_NAMESPACE, type StoredEvent, toPostHogMessage } from '../src/sinks/posthog/map.js';
import { storedEvents } from '../src/sinks/posthog/wire-rows.js';
import { eventLine, eventLinePrefix, frameGroup } from '../src/spool/segment-format.js';
import { segmentFile } from '../src/spool/segment-recovery.js';
import { openStore } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import { eventually, interact } from './helpers.js';
import { tempDir } from './temp-dir.js';

const KEY = 'phc_encode';
const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const close of closers.reverse()) await close();
});

/** One WIRE_ROW (forward-sql.ts) of a Sunbird event as the store writes it: `[seq, ets, did, null, raw]`. */
function sunbirdRow(seq: number, event: Record<string, unknown>, did: string | null = 'd1'): string {
  return `[${seq},${event.ets},${JSON.stringify(did)},null,${JSON.stringify(event)}]`;
}

/** Events whose mapping exercises every kind of value: nested objects, lists, numbers, unicode, null, empty keys. */
function oddEvents(): Record<string, unknown>[] {
  return [
    interact({ mid: 'INTERACT:plain' }),
    interact({
      mid: 'INTERACT:ünïcødé-中文-😀',
      tags: ['a', 'b'],
      object: { id: 'c-1', type: 'Content', rollup: { l1: 'x', '2': 'integer-like key first', '': 'empty key' } },
      edata: {
        type: 'TOUCH',
        id: 'btn "quoted" \\ back\nslash',
        extra: { n: 1e21, f: 0.1, z: -0, big: 2 ** 64, t: true, nil: null, list: [1, { a: 2 }] },
        plugin: { id: 'p', ver: '1' },
        values: [],
        empty: {},
      },
    }),
    interact({ mid: 'INTERACT:no-context', context: undefined, actor: { id: 'u2' }, edata: 'not an object' }),
  ];
}

test('forwardedUuid is the uuid package’s UUIDv5 of mid, for any mid: non-ASCII, at and past the fast path’s length', () => {
  const mids = [
    'INTERACT:00ff91ba000000000000000000000000',
    'IMPRESSION:é中😀',
    '',
    '中'.repeat(336), // 16 + 336 · 3 = 1024 bytes: the longest the reused buffer takes
    '中'.repeat(337), // the general path
    'x'.repeat(5000),
  ];
  for (const mid of mids) assert.equal(forwardedUuid(mid), uuidv5(mid, MID_NAMESPACE), mid.slice(0, 20));
  // The reused buffer holds no trace of a longer mid hashed before a shorter one.
  assert.equal(forwardedUuid('short'), uuidv5('short', MID_NAMESPACE));
});

/** The dotted properties of `value` under `prefix`, by the plain definition (docs/posthog.md): every leaf, lists kept whole. */
function plainFlatten(prefix: string, value: unknown, into: Array<[string, unknown]>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, v] of Object.entries(value)) plainFlatten(`${prefix}.${key}`, v, into);
  } else if (value !== undefined) {
    into.push([prefix, value]);
  }
}

/** The context.*, object.* and edata.* properties toPostHogMessage gives `event`, in order. */
function dottedProperties(event: Record<string, unknown>): Array<[string, unknown]> {
  const [row] = storedEvents(sunbirdRow(1, event));
  return Object.entries(toPostHogMessage(row, 'eid').properties).filter(([k]) => /^(context|object|edata)\./.test(k));
}

/** The same by the plain definition, over the event as stored (JSON: -0 is 0, undefined is gone). */
function plainProperties(event: Record<string, unknown>): Array<[string, unknown]> {
  const stored = JSON.parse(JSON.stringify(event)) as Record<string, unknown>;
  const expected: Array<[string, unknown]> = [];
  for (const prefix of ['context', 'object', 'edata']) {
    const value = stored[prefix];
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) plainFlatten(prefix, value, expected);
  }
  return expected;
}

test('dotted names are those of a plain flatten, past the name cache’s size and length bounds', () => {
  // The same keys under different prefixes (id, type, ver), and the same prefixes again from the cache.
  for (const event of [...oddEvents(), ...oddEvents()])
    assert.deepEqual(dottedProperties(event), plainProperties(event));
  const long = 'k'.repeat(300);
  // 12 events of 1,000 distinct keys each: more names than the cache keeps (it empties itself on the way).
  for (let e = 0; e < 12; e++) {
    const edata: Record<string, unknown> = { type: 'CLICK', nested: { [long]: { deeper: e } } };
    for (let k = 0; k < 1000; k++) edata[`key-${e}-${k}`] = k;
    const event = interact({ mid: `INTERACT:names-${e}`, edata });
    assert.deepEqual(dottedProperties(event), plainProperties(event));
  }
});

test('the store’s window text, in any order, is read in arrival order', () => {
  const events = [1, 2, 3, 4].map((i) => interact({ mid: `INTERACT:order-${i}` }));
  const text = [3, 1, 4, 2].map((seq) => sunbirdRow(seq, events[seq - 1])).join(',');
  assert.deepEqual(
    storedEvents(text).map((e) => [e.arrivalSeq, e.mid]),
    [1, 2, 3, 4].map((seq) => [seq, `INTERACT:order-${seq}`]),
  );
});

/** The body the forwarder's own thread makes for a window's text. */
function inThreadBody(text: string, naming: 'eid' | 'eid:edata.type'): Promise<Buffer> {
  const messages = storedEvents(text).map((event: StoredEvent) => toPostHogMessage(event, naming));
  return encodeBatch(KEY, messages);
}

test('a worker encodes a window byte for byte as the forwarder’s own thread does (both namings, both formats)', async () => {
  const pool = new EncodePool(1);
  closers.push(() => pool.close());
  const posthogRow = `[7,1790000000123,null,["${crypto.randomUUID()}","$pageview","ph-user","s-9"],${JSON.stringify({
    event: '$pageview',
    distinct_id: 'ph-user',
    properties: { $current_url: 'https://x.org/a', plan: 'pro', nested: { a: [1, 2] } },
  })}]`;
  const text = [sunbirdRow(9, oddEvents()[1]), posthogRow, sunbirdRow(3, oddEvents()[0], null)]
    .concat(sunbirdRow(5, oddEvents()[2], 'header-did'))
    .join(',');
  for (const naming of ['eid', 'eid:edata.type'] as const) {
    const pooled = await pool.encode({ text, apiKey: KEY, naming });
    const own = await inThreadBody(text, naming);
    assert.equal(pooled.count, 4);
    assert.ok(pooled.body);
    assert.equal(zlib.gunzipSync(pooled.body).toString('utf8'), zlib.gunzipSync(own).toString('utf8'), naming);
    assert.deepEqual(pooled.body, own, 'the same gzip bytes too');
  }
  assert.deepEqual(await pool.encode({ text: undefined, apiKey: KEY, naming: 'eid' }), { count: 0, body: undefined });
});

test('an error inside a worker rejects that window only: the same pool encodes the next one', async () => {
  const pool = new EncodePool(1);
  closers.push(() => pool.close());
  const good = sunbirdRow(1, interact());
  await assert.rejects(pool.encode({ text: `${good},{not json`, apiKey: KEY, naming: 'eid' }), SyntaxError);
  const next = await pool.encode({ text: good, apiKey: KEY, naming: 'eid' });
  assert.equal(next.count, 1);
});

/** A local `/batch/` endpoint recording each request's gunzipped body; answers 400 to a batch holding `refuse`. */
async function captureServer(refuse?: string) {
  const bodies: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = zlib.gunzipSync(Buffer.concat(chunks)).toString('utf8');
      bodies.push(body);
      const refused = refuse !== undefined && body.includes(refuse);
      response.writeHead(refused ? 400 : 200, { 'content-type': 'application/json' });
      response.end(refused ? '{"type":"validation_error","code":400}' : '{"status":"Ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

/** A DuckDB store in a temp directory holding `events` (bulk loaded as the loader does), in this order. */
async function storeWith(events: Record<string, unknown>[]): Promise<Store> {
  const dir = tempDir('telemetry-forward-encode-');
  const spoolDir = path.join(dir, 'spool');
  fs.mkdirSync(spoolDir);
  const store = await openStore({ url: `duckdb:${path.join(dir, 'store.duckdb')}`, spoolDir });
  closers.push(() => store.close());
  const prefix = eventLinePrefix({ syncts: 1_790_000_000_000 });
  const records = events.map((event) => eventLine(prefix, JSON.stringify(event), event.mid as string)).join('');
  const file = segmentFile(spoolDir, 1);
  fs.writeFileSync(file, frameGroup(records));
  await store.loadSegment(file, 1);
  return store;
}

function options(host: string, extra: Partial<ForwarderOptions>): ForwarderOptions {
  return {
    host,
    apiKey: KEY,
    channels: [],
    eids: [],
    naming: 'eid',
    batchSize: 10,
    pollMs: 50,
    retryMs: 10,
    maxRetryMs: 50,
    timeoutMs: 10_000,
    ...extra,
  };
}

/** Runs a forwarder over `store` from cursor 0 until it has nothing left (at most 100 windows); the requests' bodies. */
async function forwardAll(store: Store, encodeThreads: number, refuse?: string): Promise<string[]> {
  await store.query('DELETE FROM forward_state');
  await store.query('DELETE FROM forward_dead_letters');
  const posthog = await captureServer(refuse);
  const forwarder = new Forwarder(store, options(posthog.url, { encodeThreads }));
  try {
    for (let i = 0; i < 100 && (await forwarder.forwardNext()) > 0; i++);
  } finally {
    await forwarder.stop();
  }
  return posthog.bodies;
}

test('the whole forwarder sends the same requests with encoding workers as without, splits of a refused batch included', async () => {
  const events = Array.from({ length: 25 }, (_, i) => oddEvents()[i % 3]).map((event, i) => ({
    ...event,
    mid: `${event.mid}-${i}`,
    ...(i === 13 ? { edata: { type: 'CLICK', id: 'poison' } } : {}),
  }));
  const store = await storeWith(events);
  const own = await forwardAll(store, 0, '"poison"');
  const pooled = await forwardAll(store, 1, '"poison"');
  // 3 windows of 10, 10 and 5; the second refused and split down to the poisoned event: 10 → 5 + 5 → 3 + 2 → 1 + 2 …
  assert.ok(own.length > 3, `split requests: ${own.length}`);
  assert.deepEqual(pooled, own);
  assert.deepEqual(await store.query('SELECT mid FROM forward_dead_letters'), {
    columns: ['mid'],
    rows: [[events[13].mid]],
  });
});

test('a window a worker fails is not sent and the cursor stays; the loop reports it and sends it on the next attempt', async () => {
  const events = Array.from({ length: 25 }, (_, i) => interact({ mid: `INTERACT:fail-once-${i}` }));
  const store = await storeWith(events);
  const posthog = await captureServer();
  // The first window's text arrives damaged twice: the worker's JSON.parse throws on it.
  let damage = 2;
  const flaky: Store = Object.create(store);
  flaky.query = async (sql, params, bounds) => {
    const result = await store.query(sql, params, bounds);
    if (damage === 0 || !sql.includes('string_agg') || typeof result.rows[0]?.[0] !== 'string') return result;
    damage--;
    return { ...result, rows: [[`${result.rows[0][0]}]]`]] };
  };
  const forwarder = new Forwarder(flaky, options(posthog.url, { encodeThreads: 1 }));
  closers.push(() => forwarder.stop());
  await assert.rejects(forwarder.forwardNext(), SyntaxError);
  assert.equal(posthog.bodies.length, 0, 'nothing sent');
  assert.deepEqual((await store.query('SELECT count(*) FROM forward_state')).rows, [[0]], 'cursor not moved');
  // The loop meets the second failure: it reports it and carries on.
  forwarder.start();
  await eventually(async () => forwarder.status().sent === 25);
  assert.match(forwarder.status().lastError ?? '', /JSON/);
  const uuids = posthog.bodies.flatMap((body) =>
    (JSON.parse(body).batch as Array<{ uuid: string }>).map((m) => m.uuid),
  );
  assert.deepEqual(
    uuids,
    events.map((e) => forwardedUuid(e.mid as string)),
    'each event once, in order',
  );
  assert.equal(forwarder.status().cursor, 25);
  // The cursor stored: the first commit made the row, the later ones moved it.
  assert.deepEqual((await store.query('SELECT arrival_seq FROM forward_state')).rows, [[25]]);
});

test('retries wait with full jitter up to the cap, honour Retry-After, and never overflow the timer', () => {
  const times = { retryMs: 1000, maxRetryMs: 60_000 };
  assert.equal(
    retryDelayMs(0, undefined, times, () => 1),
    1000,
  );
  assert.equal(
    retryDelayMs(3, undefined, times, () => 1),
    8000,
  );
  assert.equal(
    retryDelayMs(3, undefined, times, () => 0.5),
    4000,
  );
  assert.equal(
    retryDelayMs(40, undefined, times, () => 1),
    60_000,
  );
  assert.equal(
    retryDelayMs(0, 5000, times, () => 0),
    5000,
  ); // Retry-After: 5
  // Retry-After: 3000000 (35 days) is 3e9 ms, past a timer's 2^31 − 1: waited as the cap, not as 1 ms.
  assert.equal(
    retryDelayMs(0, 3_000_000_000, times, () => 0),
    60_000,
  );
});

test('forwarder settings that would loop or never connect are refused at start', () => {
  const env = { TELEMETRY_FORWARD_POSTHOG_HOST: 'https://us.i.posthog.com', TELEMETRY_FORWARD_POSTHOG_KEY: KEY };
  assert.equal(loadConfig(env).forwardPostHog?.retryMs, 1000);
  assert.throws(
    () => loadConfig({ ...env, TELEMETRY_FORWARD_POSTHOG_RETRY_MS: '0' }),
    /RETRY_MS must be a whole number from 1 to 60000/,
  );
  assert.throws(
    () => loadConfig({ ...env, TELEMETRY_FORWARD_POSTHOG_RETRY_MS: '3000000000' }),
    /RETRY_MS must be a whole number from 1 to 60000/,
  );
  for (const host of ['127.0.0.1:18093', 'us.i.posthog.com', 'ftp://x.org'])
    assert.throws(
      () => loadConfig({ ...env, TELEMETRY_FORWARD_POSTHOG_HOST: host }),
      /TELEMETRY_FORWARD_POSTHOG_HOST must be an http\(s\) URL/,
      host,
    );
  assert.equal(
    loadConfig({ ...env, TELEMETRY_FORWARD_POSTHOG_HOST: 'http://127.0.0.1:18093/prefix' }).forwardPostHog?.host,
    'http://127.0.0.1:18093/prefix',
  );
});
