/** Insight answers are reused until the next load or summarizer run, each seen at once (api/answer-cache.ts). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { eventually, interact, postBatch, startTestServer } from './helpers.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.close();
  if (server) fs.rmSync(server.dataDir, { recursive: true, force: true });
});

const query = { series: [{ eid: 'INTERACT' }], dateRange: { from: '-1d' }, interval: 'day' };
async function ask(): Promise<{ total: number; cached: boolean; body: string }> {
  const res = await fetch(`${server.url}/api/insights/trends`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(query),
  });
  assert.equal(res.status, 200);
  const body = await res.text();
  const total = (JSON.parse(body) as { series: { total: number }[] }).series[0].total;
  return { total, cached: res.headers.get('x-answer-cache') === 'hit', body };
}
async function send(n: number): Promise<void> {
  const events = Array.from({ length: n }, () => interact({ ets: Date.now() - 1000 }));
  const res = await postBatch(server, {
    id: 'api.sunbird.telemetry',
    ver: '3.0',
    params: { msgid: `m-${Date.now()}` },
    events,
  });
  assert.equal(res.status, 200);
}

test('the same question is answered from the cache until a load, then the load is counted', async () => {
  await send(2);
  await eventually(async () => (await ask()).total === 2);
  // Asked twice with no load or summarizer run between (each forgets every answer): the second answer is reused.
  let previous = await ask();
  await eventually(async () => {
    const next = await ask();
    const reused = next.cached && next.body === previous.body;
    previous = next;
    return reused;
  });
  await send(3);
  // The very answer the cache held is never served after the load: the total moves to 5.
  await eventually(async () => (await ask()).total === 5);
  const fresh = await ask();
  assert.equal(fresh.total, 5);
  const other = await fetch(`${server.url}/api/insights/trends`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...query, interval: 'hour' }),
  });
  assert.equal(other.headers.get('x-answer-cache'), null, 'another question is not answered from the cache');
  await other.body?.cancel();
});

test('the sessions insight is answered from the cache too; a deprecated spelling never is (its headers are not kept)', async () => {
  const sessions = async (body: object) => {
    const res = await fetch(`${server.url}/api/insights/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    assert.equal(res.status, 200);
    return {
      cached: res.headers.get('x-answer-cache') === 'hit',
      deprecation: res.headers.get('deprecation'),
      body: await res.text(),
    };
  };
  const current = { dateRange: { from: '-1d' } };
  // Asked again until two answers come with no load or summarizer run between them (each forgets every answer).
  let previous = await sessions(current);
  await eventually(async () => {
    const next = await sessions(current);
    const reused = next.cached && next.body === previous.body;
    previous = next;
    return reused;
  });
  for (const deprecated of [{ dateRange: { last: '1d' } }, { ...current, answerCase: 'snake' }]) {
    const answers = [await sessions(deprecated), await sessions(deprecated), await sessions(deprecated)];
    assert.deepEqual(
      answers.map((a) => [a.cached, a.deprecation]),
      [
        [false, 'true'],
        [false, 'true'],
        [false, 'true'],
      ],
      JSON.stringify(deprecated),
    );
  }
  assert.match((await sessions({ ...current, answerCase: 'snake' })).body, /"time_spent"/);
});

test('an answer computed before the summarizer caught up is not served after its run (sessions change with no load)', async () => {
  // Summarizer runs at least 6 s apart: the second session is loaded well before it is summarized.
  const slow = await startTestServer({ summarizeIntervalMs: 6000 });
  try {
    // One session per device stream (docs/sessions.md): each call a device of its own.
    const session = (sid: string) => {
      const ets = Date.now() - 60_000;
      return [0, 1, 2].map((i) =>
        interact({ ets: ets + i * 1000, context: { ...(interact().context as object), sid, did: sid } }),
      );
    };
    // The home page (its sessions figure from the summaries) is cached like the insights.
    const ask = async () => {
      const res = await fetch(`${slow.url}/api/home?from=-1d`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { sessions: { sessions: { count: number } } };
      return { count: body.sessions.sessions.count, cached: res.headers.get('x-answer-cache') === 'hit' };
    };
    const unsummarized = async () => {
      const health = (await (await fetch(`${slow.url}/health`)).json()) as {
        result: { details: { unsummarized_events: number } };
      };
      return health.result.details.unsummarized_events;
    };
    const post = async (sid: string) =>
      assert.equal(
        (
          await postBatch(slow, {
            id: 'api.sunbird.telemetry',
            ver: '3.0',
            params: { msgid: sid },
            events: session(sid),
          })
        ).status,
        200,
      );
    await post('cache-s1');
    await eventually(async () => (await ask()).count === 1 && (await unsummarized()) === 0);
    await post('cache-s2');
    // Loaded, not summarized yet: the answer (still one session) is computed and cached in this state.
    await eventually(async () => (await unsummarized()) > 0);
    const before = await ask();
    // On a loaded machine the summarizer may run before the question: then the answer is already the new one, and a
    // later hit is right. Whether it ran is told by the backlog after the answer came.
    const stillBehind = (await unsummarized()) > 0;
    await eventually(async () => (await unsummarized()) === 0);
    const after = await ask();
    if (stillBehind) {
      assert.equal(before.count, 1, 'asked before the summarizer ran');
      assert.equal(after.cached, false, 'the summarizer run made the earlier answer unreachable');
    }
    assert.equal(after.count, 2);
  } finally {
    await slow.close();
    fs.rmSync(slow.dataDir, { recursive: true, force: true });
  }
});
