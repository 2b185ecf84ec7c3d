/** Sessions and time spent follow ingestion: a session posted over HTTP appears in `summaries`, and a late event redoes it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, interact, postBatch, sql, startTestServer } from './helpers.js';

const T0 = 1_790_000_000_000;

function at(seconds: number, eid: string, edata: Record<string, unknown>) {
  return interact({
    eid,
    ets: T0 + seconds * 1000,
    edata,
    context: { channel: 'c', pdata: { id: 'app' }, env: 'e', did: 'dev-sum' },
  });
}

test('a posted session is summarised after loading, and a late event is folded in', async () => {
  const server = await startTestServer();
  try {
    const session = [
      at(0, 'START', { type: 'app' }),
      at(10, 'IMPRESSION', { type: 'view', pageid: 'home', uri: '/' }),
      at(25, 'INTERACT', { type: 'CLICK', id: 'go' }),
      at(40, 'END', { type: 'app' }),
    ];
    assert.equal((await postBatch(server, { events: session })).status, 200);
    const summary = async () =>
      sql(server, "SELECT type, start_time, end_time, time_spent, event_count FROM summaries WHERE did = 'dev-sum'");
    await eventually(async () => (await summary()).length === 1);
    assert.deepEqual(await summary(), [['app', T0, T0 + 40_000, 40, 4]]);

    // A late INTERACT inside the session: the stream is redone, not appended to.
    assert.equal(
      (await postBatch(server, { events: [at(30, 'INTERACT', { type: 'CLICK', id: 'late' })] })).status,
      200,
    );
    await eventually(async () => (await summary())[0]?.[4] === 5);
    assert.deepEqual(await summary(), [['app', T0, T0 + 40_000, 40, 5]]);
  } finally {
    await server.close();
  }
});

test("posted page views are kept in their session's path after loading, a late one in its place", async () => {
  const server = await startTestServer();
  try {
    const view = (seconds: number, pageid: string) =>
      interact({
        eid: 'IMPRESSION',
        ets: T0 + seconds * 1000,
        edata: { type: 'view', pageid, uri: `/${pageid}` },
        context: { channel: 'c', pdata: { id: 'app' }, env: 'e', did: 'dev-path', sid: 'sid-path' },
      });
    const path = async () => sql(server, "SELECT nodes FROM session_paths WHERE sid = 'sid-path'");
    assert.equal((await postBatch(server, { events: [view(0, 'home'), view(20, 'quiz')] })).status, 200);
    await eventually(async () => (await path()).length === 1);
    assert.deepEqual(await path(), [[['home', 'quiz']]]);
    assert.equal((await postBatch(server, { events: [view(10, 'intro')] })).status, 200);
    await eventually(async () => JSON.stringify(await path()) !== JSON.stringify([[['home', 'quiz']]]));
    assert.deepEqual(await path(), [[['home', 'intro', 'quiz']]]);
  } finally {
    await server.close();
  }
});
