/**
 * Property (issue 7): random mutations of valid V3 events and batches, through the HTTP collector
 * and the loader. Whatever the input, every acknowledged event is in exactly one of events or
 * failed_events (or was a duplicate of a stored mid), never twice; the loader never stalls (all
 * of it is loaded within a generous bound); the response counts equal what the store holds; and
 * every stored event is served by /api/events. Bounded in runs and time.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { eventually, postBatch, sql, startTestServer } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: mutations edit arbitrary paths of a JSON event
type Json = Record<string, any>;

const TOKEN = 'tok';
let server: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  server = await startTestServer({ adminToken: TOKEN });
});
after(async () => {
  await server?.close();
});

let nonce = 0;
const RUN = `prop-${process.pid}`;

/** Valid events of several kinds, the columns they fill included; each unique by its `nonce` key. */
function validEvent(kind: number): Json {
  const n = ++nonce;
  const envelope = {
    ets: 1_790_000_000_000 + n,
    ver: '3.0',
    actor: { id: `u${n % 5}`, type: 'User' },
    context: {
      channel: 'prop',
      pdata: { id: 'prop.app', ver: '1.0', pid: 'web' },
      env: 'home',
      sid: 's1',
      did: `d${n % 3}`,
      cdata: [{ type: 'school', id: 'sch-1' }],
      rollup: { l1: 'r1' },
    },
    object: { id: 'o1', type: 'Content', ver: '1' },
    tags: ['t'],
    nonce: `${RUN}-${n}`,
  };
  const kinds: Array<[string, Json]> = [
    ['INTERACT', { type: 'CLICK', id: 'btn', pageid: 'home', extra: { pos: [1, 2] } }],
    ['IMPRESSION', { type: 'view', pageid: 'home', uri: '/home', duration: 2.5 }],
    ['END', { type: 'app', mode: 'play', duration: 30 }],
    ['FEEDBACK', { rating: 4.5, comments: 'ok' }],
    ['HEARTBEAT', { anything: { nested: true } }],
  ];
  const [eid, edata] = kinds[kind % kinds.length];
  return { eid, mid: `${eid}:${RUN}-${n}`, ...envelope, edata };
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every object inside `value` with the path to it, the event itself first. */
function objectsOf(value: unknown, out: Json[] = []): Json[] {
  if (value !== null && typeof value === 'object') {
    if (!Array.isArray(value)) out.push(value as Json);
    for (const item of Object.values(value)) objectsOf(item, out);
  }
  return out;
}

const NUMBERS = ['9007199254740993', '1e400', '-1e400', '-0', '1e308', '18446744073709551616', '0.1', '-5'];
const ETS = [0, -1, 1.5, 2 ** 63, 1_795_950_137_564_000_000, 253_402_300_799_999, 253_402_300_800_000, -0, 1e308];

/** One mutation: picks (from `pick`, integers from fast-check) what to change in `event`; may edit the text too. */
type Mutation = (event: Json, pick: number[], mids: string[]) => { event: unknown; text?: (text: string) => string };

const MUTATIONS: Mutation[] = [
  // a key twice in one object (written after unescaping the same)
  (event, [a]) => {
    const objects = objectsOf(event);
    const target = objects[a % objects.length];
    const keys = Object.keys(target);
    if (keys.length === 0) return { event };
    const key = keys[a % keys.length];
    target.__DUP__ = 'dup';
    return {
      event,
      text: (t) =>
        t.replace(
          '"__DUP__"',
          a % 2 ? JSON.stringify(key) : `"\\u${key.charCodeAt(0).toString(16).padStart(4, '0')}${key.slice(1)}"`,
        ),
    };
  },
  // a lone surrogate or a NUL in a string or a key
  (event, [a, b]) => {
    const objects = objectsOf(event);
    const target = objects[a % objects.length];
    const bad = ['\ud83d', '\udc00', '\u0000', '\ud83d\ude00'][b % 4];
    if (b % 3 === 0) target[`k${bad}`] = 1;
    else target.s = `x${bad}y`;
    return { event };
  },
  // a number literal JSON.stringify would not write, at any place
  (event, [a, b]) => {
    const objects = objectsOf(event);
    const target = objects[a % objects.length];
    const key = ['duration', 'rating', 'n', 'ets'][b % 4];
    target[key] = '__NUM__';
    return { event, text: (t) => t.replace('"__NUM__"', NUMBERS[(a + b) % NUMBERS.length]) };
  },
  // ets at and beyond the storable range
  (event, [a]) => {
    event.ets = ETS[a % ETS.length];
    return { event };
  },
  // deep nesting somewhere
  (event, [a, b]) => {
    const objects = objectsOf(event);
    let deep: unknown = 1;
    for (let i = 0; i < 25 + (b % 20); i++) deep = i % 2 ? [deep] : { d: deep };
    objects[a % objects.length].deep = deep;
    return { event };
  },
  // a column-backed field of any JSON type
  (event, [a, b]) => {
    const places: Array<[string[], string]> = [
      [['edata'], 'duration'],
      [['edata'], 'pageid'],
      [['actor'], 'id'],
      [['context'], 'channel'],
      [[], 'mid'],
      [[], 'eid'],
    ];
    const [path, key] = places[a % places.length];
    let at: unknown = event;
    for (const p of path) at = isObject(at) ? at[p] : undefined;
    // Only where the target exists: an earlier mutation may have removed edata, actor or context.
    if (isObject(at)) at[key] = [1, 'x', true, null, { a: 1 }, [], 2.5, ''][b % 8];
    return { event };
  },
  // a required key removed
  (event, [a]) => {
    const keys = ['eid', 'ets', 'ver', 'mid', 'actor', 'context', 'edata'];
    delete event[keys[a % keys.length]];
    return { event };
  },
  // the mid of an earlier event (a duplicate)
  (event, [a], mids) => {
    if (mids.length) event.mid = mids[a % mids.length];
    return { event };
  },
  // not an object at all
  (_event, [a]) => ({ event: [`scalar-${RUN}-${++nonce}`, null, 5, [1]][a % 4] }),
  // pretty-printed over several lines, a key spelled with an escape: still one reading, stored
  (event) => ({ event, text: (t) => JSON.stringify(JSON.parse(t), null, 2).replace('"mid"', '"m\\u0069d"') }),
  // nothing: a valid event
  (event) => ({ event }),
];

const eventArb = fc.record({
  kind: fc.nat(),
  mutations: fc.array(
    fc.record({ which: fc.nat(MUTATIONS.length - 1), pick: fc.array(fc.nat(), { minLength: 2, maxLength: 2 }) }),
    {
      maxLength: 2,
    },
  ),
});
const batchArb = fc.record({
  events: fc.array(eventArb, { minLength: 1, maxLength: 6 }),
  msgid: fc.boolean(),
  resend: fc.boolean(),
});

/** What the store must hold, kept across runs: the reference the invariants are checked against. */
const storedMids = new Set<string>();
const expectedEvents = new Map<string, string>(); // raw -> mid, stored once each
const expectedFailed = new Map<string, number>(); // raw -> acknowledgements
let storedTotal = 0;
let rejectedTotal = 0;

interface Answer {
  result: {
    received: number;
    stored: number;
    duplicates: number;
    rejected: number;
    duplicate_batch: boolean;
    errors: { index: number }[];
  };
}

async function countOf(table: string): Promise<number> {
  return Number((await sql(server, `SELECT count(*) FROM ${table}`, TOKEN))[0][0]);
}

test('random mutations through the collector and the loader: one place each, counts equal, nothing stalls', async () => {
  let batchSeq = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 3 }), async (batches) => {
      for (const batch of batches) {
        const raws: string[] = [];
        for (const spec of batch.events) {
          let value: unknown = validEvent(spec.kind);
          const edits: Array<(text: string) => string> = [];
          for (const { which, pick } of spec.mutations) {
            if (value === null || typeof value !== 'object' || Array.isArray(value)) break;
            const out = MUTATIONS[which](value as Json, pick, [...storedMids]);
            value = out.event;
            if (out.text) edits.push(out.text);
          }
          raws.push(edits.reduce((text, edit) => edit(text), JSON.stringify(value)));
        }
        const msgid = batch.msgid ? `${RUN}-batch-${++batchSeq}` : undefined;
        const body = `{"id":"api.sunbird.telemetry","ver":"3.0",${msgid ? `"params":{"msgid":"${msgid}"},` : ''}"events":[${raws.join(',')}]}`;
        const response = await postBatch(server, body);
        assert.equal(response.status, 200, await response.clone().text());
        const { result } = (await response.json()) as Answer;
        assert.equal(result.received, raws.length);
        assert.equal(result.stored + result.duplicates + result.rejected, raws.length);
        const rejected = new Set(result.errors.map((e) => e.index));
        assert.equal(rejected.size, result.rejected);
        let stored = 0;
        raws.forEach((raw, i) => {
          if (rejected.has(i)) {
            expectedFailed.set(raw, (expectedFailed.get(raw) ?? 0) + 1);
            return;
          }
          // An accepted event has one reading: JSON.parse's mid is the stored one.
          const mid = (JSON.parse(raw) as { mid: string }).mid;
          if (storedMids.has(mid)) return;
          storedMids.add(mid);
          expectedEvents.set(raw, mid);
          stored++;
        });
        assert.equal(result.stored, stored, 'stored count = the events with a new mid');
        storedTotal += result.stored;
        rejectedTotal += result.rejected;
        if (msgid && batch.resend) {
          const again = (await (await postBatch(server, body)).json()) as Answer;
          assert.deepEqual(
            [again.result.duplicate_batch, again.result.stored, again.result.duplicates],
            [true, 0, raws.length],
          );
        }
      }
      // The loader never stalls: everything acknowledged is loaded within a generous bound.
      await eventually(
        async () => (await countOf('events')) === storedTotal && (await countOf('failed_events')) === rejectedTotal,
        60_000,
      );
    }),
    { numRuns: 25, interruptAfterTimeLimit: 120_000, markInterruptAsFailure: false },
  );

  // Each acknowledged event in exactly one place, never twice.
  const events = (await sql(server, 'SELECT raw, mid FROM events', TOKEN)) as [string, string][];
  const failed = (await sql(server, 'SELECT raw FROM failed_events', TOKEN)) as [string][];
  assert.equal(events.length, expectedEvents.size);
  assert.deepEqual(new Map(events.map(([raw, mid]) => [raw, mid])), expectedEvents);
  const failedCounts = new Map<string, number>();
  for (const [raw] of failed) failedCounts.set(raw, (failedCounts.get(raw) ?? 0) + 1);
  assert.deepEqual(failedCounts, expectedFailed);
  for (const raw of expectedEvents.keys()) assert.ok(!failedCounts.has(raw), 'not in both');

  // Every stored event is served by /api/events, as received.
  const served: string[] = [];
  let cursor = '';
  for (let page = 0; page < 100; page++) {
    const url = `${server.url}/api/events?limit=50${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`;
    const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 200);
    const text = await response.text();
    const body = JSON.parse(text) as { items: { mid: string }[]; next?: string };
    for (const item of body.items) served.push(item.mid);
    for (const [raw, mid] of events) if (body.items.some((item) => item.mid === mid)) assert.ok(text.includes(raw));
    if (!body.next) break;
    cursor = body.next;
  }
  assert.deepEqual(served.sort(), events.map(([, mid]) => mid).sort());
});
