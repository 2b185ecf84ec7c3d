/** The real @project-sunbird/telemetry-sdk (2.0.1, unchanged) pointed at our collector: its session arrives intact. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { $t } from '@project-sunbird/telemetry-sdk';
import { eventually, sql, startTestServer as start, type startTestServer } from './helpers.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
before(async () => {
  server = await start({ adminToken: 'admin-secret' });
});
after(async () => {
  await server?.close();
});

test('START, IMPRESSION, INTERACT and END from the Sunbird SDK are stored with their actor, device, producer and edata', async () => {
  const config = {
    host: server.url,
    endpoint: '/v1/telemetry',
    pdata: { id: 'esamwad.app', ver: '2.1.0', pid: 'esamwad.portal' },
    channel: 'esamwad-channel',
    env: 'quiz',
    did: 'device-42',
    uid: 'teacher-7',
    sid: 'session-9',
    batchsize: 20,
  };
  $t.initialize(config);
  await $t.start(config, 'do_quiz_1', '1.0', { type: 'app', mode: 'play', pageid: 'home' });
  $t.impression({ type: 'view', pageid: 'quiz-1', uri: '/quiz/1' });
  $t.interact({ type: 'TOUCH', id: 'submit-answer', pageid: 'quiz-1' });
  $t.end({ type: 'app', mode: 'play', pageid: 'quiz-1' });

  let rows: unknown[][] = [];
  await eventually(async () => {
    rows = await sql(
      server,
      `SELECT eid, actor_id, actor_type, did, channel, pdata_id, pdata_ver, pdata_pid, env, sid, object_id,
              edata_type, edata_mode, edata_id, edata_pageid, edata_uri, raw
       FROM events ORDER BY ets, CASE eid WHEN 'START' THEN 0 WHEN 'IMPRESSION' THEN 1 WHEN 'INTERACT' THEN 2 ELSE 3 END`,
      'admin-secret',
    );
    return rows.length === 4;
  });
  // actor id and type, did, channel, pdata id, ver and pid, env, sid, object id: the same on all four.
  const shared = [
    'teacher-7',
    'User',
    'device-42',
    'esamwad-channel',
    'esamwad.app',
    '2.1.0',
    'esamwad.portal',
    'quiz',
    'session-9',
    'do_quiz_1',
  ];
  assert.deepEqual(
    rows.map((r) => r.slice(0, 16)),
    [
      ['START', ...shared, 'app', 'play', null, 'home', null],
      ['IMPRESSION', ...shared, 'view', null, null, 'quiz-1', '/quiz/1'],
      ['INTERACT', ...shared, 'TOUCH', null, 'submit-answer', 'quiz-1', null],
      ['END', ...shared, 'app', 'play', null, 'quiz-1', null],
    ],
  );
  // The SDK's own mid (EID:md5) is kept, and the raw JSON is the event exactly as the SDK serialised it.
  for (const row of rows) {
    const raw = JSON.parse(String(row[16]));
    assert.match(raw.mid, new RegExp(`^${row[0]}:[0-9a-f]{32}$`));
    assert.equal(JSON.stringify(raw), row[16]);
  }
});
