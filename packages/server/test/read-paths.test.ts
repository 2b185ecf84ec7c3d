/**
 * Read paths cannot fail on stored data: /api/events and the live tail serve every stored event
 * with its raw text as received, also one the door would refuse today (stored by an earlier
 * version: 6,000 levels deep, pretty-printed, a duplicate key), which made every /api/events
 * page holding it a 500 and the tail skip it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer } from './helpers.js';

const TOKEN = 'tok';
const auth = { authorization: `Bearer ${TOKEN}` };
let server: Awaited<ReturnType<typeof startTestServer>>;
const SYNCTS = Date.now() - 60_000;
const MID = 'INTERACT:legacy-deep';
// Pretty-printed over several lines, 6,000 levels deep, with a key twice: as an earlier version stored it.
const RAW = `{
  "eid": "INTERACT", "ets": 1790000000000, "ver": "3.0", "mid": "${MID}",
  "actor": {"id": "u1", "type": "User"},
  "context": {"channel": "c", "pdata": {"id": "p"}, "env": "e"},
  "edata": {"type": "CLICK", "type": "TOUCH", "deep": ${'['.repeat(6000)}${']'.repeat(6000)}}
}`;

before(async () => {
  server = await startTestServer({ adminToken: TOKEN });
  await server.store.query(
    `INSERT INTO events (mid, eid, ets, ts, syncts, raw, arrival_seq) VALUES ('${MID}', 'INTERACT', 1790000000000,
      epoch_ms(CAST(1790000000000 AS BIGINT)), ${SYNCTS}, '${RAW}', 1)`,
  );
});
after(async () => {
  await server?.close();
});

test('/api/events serves the event with its raw text as the event value, byte for byte', async () => {
  const response = await fetch(`${server.url}/api/events?limit=500`, { headers: auth });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /application\/json/);
  const text = await response.text();
  assert.ok(text.includes(`"event":${RAW}`), 'raw as received');
  const page = JSON.parse(text) as { items: { syncts: number; mid: string }[] };
  assert.deepEqual(
    page.items.map(({ syncts, mid }) => ({ syncts, mid })),
    [{ syncts: SYNCTS, mid: MID }],
  );
});

test('the live tail streams it, its raw text as received', async () => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 20_000);
  try {
    const response = await fetch(`${server.url}/api/events/live?since=0`, { headers: auth, signal: controller.signal });
    assert.equal(response.status, 200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    const complete = () => {
      const at = buffer.indexOf('event: event');
      return at >= 0 && buffer.indexOf('\n\n', at) >= 0;
    };
    while (!complete()) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
    }
    const message = buffer.slice(buffer.indexOf('event: event')).split('\n\n')[0].split('\n');
    // Each line of the event is a data line of its own; the client joins them back with LF.
    const data = message
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice(6))
      .join('\n');
    const item = JSON.parse(data) as { mid: string; event: { edata: { type: string } } };
    assert.equal(item.mid, MID);
    assert.equal(data, `{"syncts":${SYNCTS},"mid":"${MID}","event":${RAW}}`);
    await reader.cancel();
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
});
