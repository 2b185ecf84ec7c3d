/** GET /api/events/live streams newly stored events over Server-Sent Events, each once, behind the admin token. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { interact, postBatch, startTestServer } from './helpers.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  server = await startTestServer({ adminToken: 'tok' });
});
after(async () => {
  await server?.close();
});

/** Reads SSE `event: event` messages until `count` arrived or the deadline passes. */
async function readEvents(
  response: Response,
  count: number,
  timeoutMs: number,
): Promise<{ mid: string; eid: string }[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const received: { mid: string; eid: string }[] = [];
  let buffer = '';
  const deadline = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (received.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = message.split('\n').find((line) => line.startsWith('data: '));
        if (message.includes('event: event') && data) received.push(JSON.parse(data.slice(6)));
        end = buffer.indexOf('\n\n');
      }
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => {});
  }
  return received;
}

test('events posted after the tail opens arrive on it, once each, across several loads', async () => {
  const controller = new AbortController();
  const response = await fetch(`${server.url}/api/events/live`, {
    headers: { authorization: 'Bearer tok' },
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
  const first = [interact(), interact()];
  const second = [interact({ eid: 'IMPRESSION', edata: { type: 'view', pageid: 'home', uri: '/' } })];
  const reading = readEvents(response, 3, 10_000);
  assert.equal((await postBatch(server, { events: first })).status, 200);
  await new Promise((resolve) => setTimeout(resolve, 150)); // a later spool segment, a later load
  assert.equal((await postBatch(server, { events: second })).status, 200);
  const received = await reading;
  controller.abort();
  assert.deepEqual(received.map((e) => e.mid).sort(), [...first, ...second].map((e) => e.mid as string).sort());
});

test('the live tail requires the admin token', async () => {
  const response = await fetch(`${server.url}/api/events/live`);
  assert.equal(response.status, 401);
  await response.body?.cancel();
});

test('an event whose values hold SSE control lines cannot forge a frame in the tail', async () => {
  const forge = '\n\nevent: admin\ndata: {"forged":true}\nid: 1\r\n\r\nevent: admin\rdata: x\r\r';
  const evil = interact({
    mid: `INTERACT:evil-${Date.now()}${forge}`,
    edata: { type: forge, id: forge, pageid: forge },
  });
  const controller = new AbortController();
  const response = await fetch(`${server.url}/api/events/live`, {
    headers: { authorization: 'Bearer tok' },
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  const messages: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => messages.push(message) });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const deadline = setTimeout(() => controller.abort(), 10_000);
  const stored = await postBatch(server, { events: [evil] });
  assert.equal(stored.status, 200);
  try {
    while (!messages.some((m) => JSON.parse(m.data).mid === evil.mid)) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
  assert.deepEqual(
    messages.map((m) => m.event),
    messages.map(() => 'event'),
  );
  const received = messages.find((m) => JSON.parse(m.data).mid === evil.mid);
  assert.deepEqual(JSON.parse(received!.data).event, evil);
});
