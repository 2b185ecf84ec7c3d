/** GET /api/events/live streams newly stored events over Server-Sent Events, each once, behind the admin token. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { interact, postBatch, startTestServer } from './helpers.js';
import { readTail as readEvents } from './support/server-reads.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  server = await startTestServer({ adminToken: 'tok' });
});
after(async () => {
  await server?.close();
});

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
  // Not in the mid: the door refuses a mid with control characters (docs/ingestion.md).
  const evil = interact({
    mid: `INTERACT:evil-${Date.now()}`,
    edata: { type: forge, id: forge, pageid: forge },
    object: { id: forge, type: forge },
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

/** Opens a tail with `query`, e.g. `?eid=START`. */
function openTail(query: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${server.url}/api/events/live${query}`, { headers: { authorization: 'Bearer tok' }, signal });
}

test('the live tail sends only events matching its filters (eid, actor, pageid)', async () => {
  const controller = new AbortController();
  const response = await openTail('?eid=IMPRESSION&actor=tail-9&pageid=home', controller.signal);
  assert.equal(response.status, 200);
  const reading = readEvents(response, 2, 10_000);
  const view = (actor: string, pageid: string) =>
    interact({ eid: 'IMPRESSION', actor: { id: actor, type: 'User' }, edata: { type: 'view', pageid, uri: '/' } });
  const wanted = [view('tail-9', 'home'), view('tail-9', 'home')];
  const others = [
    view('tail-8', 'home'),
    view('tail-9', 'quiz'),
    interact({ actor: { id: 'tail-9', type: 'User' }, edata: { type: 'CLICK', pageid: 'home' } }),
  ];
  // The others first, in an earlier load: had the filter let them through, they would arrive first.
  assert.equal((await postBatch(server, { events: others })).status, 200);
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal((await postBatch(server, { events: wanted })).status, 200);
  const received = await reading;
  controller.abort();
  assert.deepEqual(received.map((e) => e.mid).sort(), wanted.map((e) => e.mid as string).sort());
});

test('since= replays stored events, more than one 500-event look of them', async () => {
  const actor = { id: `replay-${Date.now()}`, type: 'User' };
  const events = Array.from({ length: 1_200 }, () => interact({ actor }));
  const since = Date.now() - 1;
  for (let i = 0; i < events.length; i += 400) {
    assert.equal((await postBatch(server, { events: events.slice(i, i + 400) })).status, 200);
  }
  const controller = new AbortController();
  // Once all 1,200 are loaded, a tail from `since` sends every one, across three looks.
  let received: { mid: string }[] = [];
  for (let attempt = 0; attempt < 20 && received.length < events.length; attempt++) {
    const response = await openTail(`?since=${since}&actor=${actor.id}`, controller.signal);
    received = await readEvents(response, events.length, 3_000);
  }
  controller.abort();
  assert.equal(new Set(received.map((e) => e.mid)).size, events.length);
});

test('at most 32 tails are open at once: the next is a 503 until one closes', async () => {
  const controllers = Array.from({ length: 32 }, () => new AbortController());
  const open = await Promise.all(controllers.map((c) => openTail('', c.signal)));
  try {
    assert.deepEqual(
      open.map((r) => r.status),
      open.map(() => 200),
    );
    const refused = await openTail('');
    assert.equal(refused.status, 503);
    await refused.body?.cancel();
    controllers[0].abort();
    let reopened = 0;
    for (let attempt = 0; attempt < 50 && reopened !== 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const again = await openTail('', controllers[1].signal);
      reopened = again.status;
      if (reopened !== 200) await again.body?.cancel();
    }
    assert.equal(reopened, 200, 'a freed place takes a new tail');
  } finally {
    for (const c of controllers) c.abort();
  }
});

test('one request of more than a look (500) arrives whole and once, the tail then goes on; a new tail starts from now', async () => {
  const actor = { id: `bulk-${Date.now()}`, type: 'User' };
  const bulk = Array.from({ length: 600 }, () => interact({ actor }));
  const controller = new AbortController();
  // The previous test's 32 tails may still be closing: wait for a free one (bounded).
  let response = await openTail(`?actor=${actor.id}`, controller.signal);
  for (let i = 0; i < 100 && response.status === 503; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    response = await openTail(`?actor=${actor.id}`, controller.signal);
  }
  assert.equal(response.status, 200);
  const reading = readEvents(response, 601, 20_000);
  assert.equal((await postBatch(server, { events: bulk })).status, 200); // one receive time for all 600
  await new Promise((resolve) => setTimeout(resolve, 150));
  const later = interact({ actor });
  assert.equal((await postBatch(server, { events: [later] })).status, 200);
  const received = await reading;
  assert.deepEqual(received.map((e) => e.mid).sort(), [...bulk, later].map((e) => e.mid as string).sort());

  // A tail opened now sends none of those: only what is loaded after it opened.
  const fresh = await openTail(`?actor=${actor.id}`, controller.signal);
  const next = readEvents(fresh, 1, 20_000);
  const newest = interact({ actor });
  assert.equal((await postBatch(server, { events: [newest] })).status, 200);
  assert.deepEqual(
    (await next).map((e) => e.mid),
    [newest.mid],
  );
  controller.abort();
});
