// The collector without HTTP (issue 10): a failed spool commit rolls its event ids back, so a retry is stored and
// not answered "duplicate"; duplicates inside a batch and of a whole batch; refusals before anything is spooled.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../api/errors.js';
import { FIELD_INDEX, parseRecords } from '../spool/segment-format.js';
import { Collector, type CollectorCounters } from './collector.js';
import { DedupIndex } from './dedup-index.js';
import { parsePostHogRequest } from './posthog/request.js';

let n = 0;
function event(mid = `c-${++n}`): Record<string, unknown> {
  return {
    eid: 'INTERACT',
    ets: 1_790_000_000_000,
    ver: '3.0',
    mid,
    actor: { id: 'u1', type: 'User' },
    context: { channel: 'ch', pdata: { id: 'app', ver: '1', pid: 'web' }, env: 'home', sid: 's', did: 'd' },
    edata: { type: 'CLICK', id: 'submit' },
  };
}

/** A collector over a spool that fails while `failing` is set; `spooled` holds what it committed. */
function setup(options: { refuse?: string; maxBatchEvents?: number; noRefuse?: boolean; clockSkewMs?: number } = {}) {
  const spooled: string[] = [];
  const state = { failing: false };
  const counts: Record<string, number> = {};
  const bump = (key: string, by: number) => {
    counts[key] = (counts[key] ?? 0) + by;
  };
  const counters: CollectorCounters = {
    received: (k) => bump('received', k),
    stored: (k) => bump('stored', k),
    duplicates: (k) => bump('duplicates', k),
    rejected: (k, reason) => bump(`rejected:${reason}`, k),
    duplicateBatch: () => bump('duplicateBatch', 1),
  };
  const collector = new Collector({
    spool: {
      append: async (text) => {
        if (state.failing) throw new Error('ENOSPC: no space left on device');
        spooled.push(text);
      },
    },
    ...(options.noRefuse ? {} : { refuse: () => options.refuse }),
    clockSkewMs: options.clockSkewMs,
    mids: new DedupIndex(),
    batches: new DedupIndex(),
    limits: {
      maxEventBytes: 10_000,
      maxDepth: 32,
      levelFor: () => 'full',
      maxBatchEvents: options.maxBatchEvents ?? 3,
    },
    counters,
    clock: () => 1_790_000_000_000,
  });
  return { collector, spooled, state, counts };
}

const batch = (events: unknown[], msgid?: string, ets?: number) =>
  JSON.stringify({
    id: 'api.sunbird.telemetry',
    ver: '3.0',
    ...(ets === undefined ? {} : { ets }),
    params: msgid === undefined ? {} : { msgid },
    events,
  });

test('a failed spool commit rolls back its event ids and its batch id: the retry is stored, not a duplicate', async () => {
  const { collector, spooled, state, counts } = setup();
  const text = batch([event('r-1'), event('r-2'), { eid: 'INTERACT', mid: 'r-bad' }], 'retry-batch');
  state.failing = true;
  await assert.rejects(
    collector.ingest(text),
    (error: unknown) =>
      error instanceof ApiError && error.code === 'INGEST_STORE_UNAVAILABLE' && /ENOSPC/.test(error.message),
  );
  // Answered 503: none of its events is counted (received = stored + duplicates + rejected, over requests answered).
  assert.deepEqual(counts, {});
  state.failing = false;
  const retry = await collector.ingest(text);
  assert.deepEqual([retry.stored, retry.duplicates, retry.duplicate_batch], [2, 0, false]);
  assert.equal(spooled.length, 1);
  assert.deepEqual(counts, { received: 3, stored: 2, duplicates: 0, 'rejected:invalid_schema': 1 });
  // Only ids of the failed commit are rolled back: ids stored earlier stay known.
  const again = await collector.ingest(batch([event('r-1'), event('r-3')]));
  assert.deepEqual([again.stored, again.duplicates], [1, 1]);
});

test('a mid twice in one batch is stored once; a re-sent batch is answered from the batch index', async () => {
  const { collector, spooled, counts } = setup();
  const text = batch([event('d-1'), event('d-1'), event('d-2')], 'dup-batch');
  const first = await collector.ingest(text);
  assert.deepEqual([first.received, first.stored, first.duplicates, first.duplicate_batch], [3, 2, 1, false]);
  const second = await collector.ingest(text);
  assert.deepEqual([second.stored, second.duplicates, second.duplicate_batch], [0, 3, true]);
  assert.equal(spooled.length, 1, 'a duplicate batch spools nothing');
  assert.deepEqual(counts, { received: 6, stored: 2, duplicates: 4, duplicateBatch: 1 });
});

test('rejected events are spooled to failed events with their reason and listed with their index and mid', async () => {
  const { collector, spooled, counts } = setup();
  const result = await collector.ingest(batch([{ eid: 'INTERACT', mid: 'bad-1' }, event('ok-1')]));
  assert.deepEqual([result.stored, result.rejected], [1, 1]);
  assert.deepEqual(
    result.errors.map((e) => [e.index, e.mid, e.code]),
    [[0, 'bad-1', 'invalid_schema']],
  );
  assert.equal(counts['rejected:invalid_schema'], 1);
  assert.match(spooled[0], /bad-1/);
  assert.match(spooled[0], /ok-1/);
});

test('a refusing store, too many events, a body that is not a batch: errors before anything is spooled', async () => {
  const refused = setup({ refuse: 'the store cannot write' });
  await assert.rejects(refused.collector.ingest(batch([event()])), { code: 'INGEST_STORE_UNAVAILABLE' });
  assert.equal(refused.spooled.length, 0);
  const { collector, spooled } = setup();
  await assert.rejects(collector.ingest(batch([event(), event(), event(), event()])), {
    code: 'INGEST_TOO_MANY_EVENTS',
  });
  await assert.rejects(collector.ingest('{"events":'), { code: 'INGEST_INVALID_JSON' });
  for (const body of ['[1]', 'null', '5', '"text"', 'true'])
    await assert.rejects(
      collector.ingest(body),
      { code: 'INGEST_NOT_A_BATCH', message: /^the body must be a JSON object/ },
      body,
    );
  await assert.rejects(collector.ingest('{"events":{}}'), { code: 'INGEST_NOT_A_BATCH' });
  assert.equal(spooled.length, 0);
});

test('an empty msgid is no batch id: the same batch sent twice is checked event by event', async () => {
  const { collector } = setup();
  const text = batch([event('e-1')], '');
  assert.equal((await collector.ingest(text)).msgid, null);
  const again = await collector.ingest(text);
  assert.deepEqual([again.duplicate_batch, again.duplicates], [false, 1]);
});

test('a msgid that is not a string is refused naming params.msgid, before anything is spooled', async () => {
  const { collector, spooled } = setup();
  // Before: a number was echoed as null and the batch-level duplicate check skipped it.
  for (const [msgid, shown] of [
    [123, 'number 123'],
    [true, 'boolean true'],
    [{ id: 'b' }, 'object {"id":"b"}'],
    [['b'], 'array ["b"]'],
  ] as const) {
    const text = JSON.stringify({ params: { msgid }, events: [event()] });
    await assert.rejects(
      collector.ingest(text),
      {
        code: 'INGEST_NOT_A_BATCH',
        message: `params.msgid must be a string (the batch's id, e.g. "batch-1"), got ${shown}`,
      },
      shown,
    );
  }
  assert.equal(spooled.length, 0);
  // null, like an absent or empty msgid, is no batch id: the events are still checked by mid.
  const result = await collector.ingest(JSON.stringify({ params: { msgid: null }, events: [event('null-msgid')] }));
  assert.deepEqual([result.msgid, result.stored], [null, 1]);
});

/** The spooled records of `text`, each as { kind, msgid, n, eid, mid, raw, reason }. */
function records(text: string) {
  const out: Record<string, string>[] = [];
  const data = Buffer.from(text, 'utf8');
  parseRecords(data, 0, data.length, (fields) => {
    const field = (name: keyof typeof FIELD_INDEX) => fields[FIELD_INDEX[name]];
    out.push({
      kind: field('kind'),
      msgid: field('msgid'),
      n: field('n'),
      eid: field('eid'),
      mid: field('mid'),
      reason: field('reason'),
      raw: field('raw'),
    });
  });
  return out;
}

test('what is spooled: each event as its bytes were sent, a failed event with its eid and mid, one batch record', async () => {
  const { collector, spooled } = setup();
  // Spacing and an escape that JSON.stringify would each write differently.
  const good = JSON.stringify(event('raw-1')).replace('"submit"', '"caf\\u00e9" ').replace('"ets":', '"ets" :  ');
  const bad = '{ "eid" : "INTERACT", "mid" : "bad-2" }';
  const result = await collector.ingest(`{"params":{"msgid":"raw-batch"},"events":[ ${good} ,${bad}]}`);
  assert.deepEqual([result.stored, result.rejected], [1, 1]);
  const [stored, failed, batchRecord] = records(spooled[0]);
  assert.deepEqual([stored.kind, stored.mid, stored.raw], ['e', 'raw-1', good]);
  assert.deepEqual(
    [failed.kind, failed.eid, failed.mid, failed.reason, failed.raw],
    ['f', 'INTERACT', 'bad-2', 'invalid_schema', bad],
  );
  assert.deepEqual([batchRecord.kind, batchRecord.msgid, batchRecord.n], ['b', 'raw-batch', '2']);
  const none = setup();
  await none.collector.ingest(batch([event('no-batch-id')]));
  assert.deepEqual(
    records(none.spooled[0]).map((r) => r.kind),
    ['e'],
    'no msgid, no batch record',
  );
});

test('events that are not objects are rejected one by one, with no mid; exactly maxBatchEvents is accepted', async () => {
  const { collector, spooled } = setup();
  const result = await collector.ingest(batch([5, null, 'INTERACT']));
  assert.deepEqual([result.received, result.rejected, result.stored], [3, 3, 0]);
  assert.deepEqual(
    result.errors.map((e) => [e.index, e.mid]),
    [
      [0, null],
      [1, null],
      [2, null],
    ],
  );
  assert.deepEqual(
    records(spooled[0]).map((r) => [r.kind, r.mid, r.eid]),
    [
      ['f', '', ''],
      ['f', '', ''],
      ['f', '', ''],
    ],
  );
  // A mid or eid that is not a string is no mid or eid either.
  const odd = await collector.ingest(batch([{ eid: 7, mid: 8 }]));
  assert.deepEqual(odd.errors[0].mid, null);
});

test('at most 1000 errors are listed; every rejected event is counted and spooled', async () => {
  const { collector, spooled } = setup({ maxBatchEvents: 1001 });
  const result = await collector.ingest(
    batch(Array.from({ length: 1001 }, (_, i) => ({ eid: 'INTERACT', mid: `x-${i}` }))),
  );
  assert.deepEqual([result.rejected, result.errors.length, result.errors.at(-1)?.mid], [1001, 1000, 'x-999']);
  assert.equal(records(spooled[0]).filter((r) => r.kind === 'f').length, 1001);
});

test('a collector without a refuse check (the option is optional) takes both formats', async () => {
  const { collector } = setup({ noRefuse: true });
  assert.equal((await collector.ingest(batch([event()]))).stored, 1);
  const request = parsePostHogRequest(JSON.stringify([posthogEvent()]), {}, { maxDepth: 32, maxEvents: 10 });
  assert.equal((await collector.ingestPostHog(request)).stored, 1);
});

test("a batch's clock offset is kept past the configured bound (clockSkewMs), not past the default's", async () => {
  // 5 s apart: within the default minute, beyond a configured second.
  const sent = 1_790_000_000_000 - 5000;
  for (const [clockSkewMs, offset] of [
    [1000, '5000'],
    [undefined, '0'],
  ] as const) {
    const { collector, spooled } = setup({ clockSkewMs });
    await collector.ingest(batch([event()], undefined, sent));
    const data = Buffer.from(spooled[0], 'utf8');
    const offsets: string[] = [];
    parseRecords(data, 0, data.length, (fields) => {
      if (fields[FIELD_INDEX.kind] === 'e') offsets.push(fields[FIELD_INDEX.clock_offset_ms]);
    });
    assert.deepEqual(offsets, [offset], `clockSkewMs ${clockSkewMs}`);
  }
});

let u = 0;
/** A valid PostHog event with a fresh uuid (`overrides` replace its fields). */
function posthogEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const uuid = `00000000-0000-4000-8000-${String(++u).padStart(12, '0')}`;
  return { event: 'quiz', distinct_id: 'u1', uuid, timestamp: '2026-01-01T00:00:00Z', ...overrides };
}

test('PostHog events: too large, too deep (with its reason), duplicates counted, at most 1000 errors with their uuids', async () => {
  const { collector, spooled } = setup();
  const parse = (events: unknown[]) =>
    parsePostHogRequest(JSON.stringify(events), {}, { maxDepth: 3, maxEvents: 2000 });
  const big = posthogEvent({ properties: { text: 'x'.repeat(10_000) } });
  const deep = posthogEvent({ properties: { a: { b: { c: 1 } } } });
  const good = posthogEvent();
  const first = await collector.ingestPostHog(parse([big, deep, good]));
  assert.deepEqual(
    first.errors.map((e) => [e.index, e.mid, e.code]),
    [
      [0, big.uuid, 'too_large'],
      [1, deep.uuid, 'too_deep'],
    ],
  );
  assert.match(first.errors[0].reasons[0], /larger than 10000 bytes/);
  assert.equal(first.errors[1].reasons.length, 1);
  assert.match(first.errors[1].reasons[0], /nested/);
  const again = await collector.ingestPostHog(parse([good, posthogEvent()]));
  assert.deepEqual([again.stored, again.duplicates], [1, 1]);

  const nameless = Array.from({ length: 1001 }, () => posthogEvent({ event: '' }));
  const many = await collector.ingestPostHog(parse(nameless));
  assert.deepEqual([many.rejected, many.errors.length], [1001, 1000]);
  assert.deepEqual(
    many.errors.slice(0, 2).map((e) => e.mid),
    nameless.slice(0, 2).map((e) => e.uuid),
  );
  assert.equal(spooled.length, 3);
});

test('PostHog events refused by the door’s rules report the uuid they carried, canonical, in errors and failed_events', async () => {
  const { collector, spooled } = setup();
  const uuid = (n: number) => `00000000-0000-4000-8000-0000000009${String(n).padStart(2, '0')}`;
  // Before: too_large, duplicate_key and nul_character reported mid null, though each carried a uuid.
  const text = `[${[
    JSON.stringify(posthogEvent({ uuid: `{${uuid(1).toUpperCase()}}`, properties: { text: 'x'.repeat(10_000) } })),
    `{"event":"quiz","distinct_id":"u1","uuid":"${uuid(2).replaceAll('-', '')}","event":"again"}`,
    JSON.stringify(posthogEvent({ uuid: `urn:uuid:${uuid(3)}`, properties: { text: 'a\u0000b' } })),
  ].join(',')}]`;
  const result = await collector.ingestPostHog(parsePostHogRequest(text, {}, { maxDepth: 32, maxEvents: 10 }));
  assert.deepEqual(
    result.errors.map((e) => [e.index, e.mid, e.code]),
    [
      [0, uuid(1), 'too_large'],
      [1, uuid(2), 'duplicate_key'],
      [2, uuid(3), 'nul_character'],
    ],
  );
  const data = Buffer.from(spooled[0], 'utf8');
  const failed: string[] = [];
  parseRecords(data, 0, data.length, (fields) => {
    if (fields[FIELD_INDEX.kind] === 'f') failed.push(fields[FIELD_INDEX.mid]);
  });
  assert.deepEqual(failed, [uuid(1), uuid(2), uuid(3)]);
});
