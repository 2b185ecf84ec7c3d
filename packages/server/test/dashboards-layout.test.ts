/** Arranging a dashboard (PUT /api/dashboards/:id/layout) survives a restart and orders its insights. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { startTestServer } from './helpers.js';

async function call(url: string, method: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

test('a layout is kept across a restart, orders the insights, and a bad one is refused with its path', async () => {
  let server = await startTestServer();
  const dataDir = server.dataDir;
  try {
    const board = (await call(`${server.url}/api/dashboards`, 'POST', { name: 'Arranged' })).json.id as string;
    const query = { series: [{ eid: 'START' }], dateRange: { from: '-7d' } };
    const ids: string[] = [];
    for (const name of ['first', 'second'])
      ids.push(
        (await call(`${server.url}/api/dashboards/${board}/insights`, 'POST', { name, kind: 'trends', query })).json.id,
      );
    const tiles = [
      { id: ids[0], x: 6, y: 4, w: 6, h: 3 },
      { id: ids[1], x: 0, y: 0, w: 12, h: 5 },
    ];
    assert.equal((await call(`${server.url}/api/dashboards/${board}/layout`, 'PUT', { tiles })).status, 200);
    const bad = await call(`${server.url}/api/dashboards/${board}/layout`, 'PUT', { tiles: [{ ...tiles[0], w: 13 }] });
    assert.equal(bad.status, 400);
    assert.match(bad.json.params.errmsg, /tiles\[0\]\.w/);
    assert.equal((await call(`${server.url}/api/dashboards/nope/layout`, 'PUT', { tiles })).status, 404);
    // Past the grid's 12 columns, or naming no insight of this board: refused, never "ok" with nothing changed.
    const other = (await call(`${server.url}/api/dashboards`, 'POST', { name: 'Other' })).json.id as string;
    const elsewhere = (
      await call(`${server.url}/api/dashboards/${other}/insights`, 'POST', { name: 'x', kind: 'trends', query })
    ).json.id as string;
    for (const [changed, path] of [
      [[tiles[0], { ...tiles[1], x: 11, w: 6 }], /^tiles\[1\]: x \+ w must be at most 12/],
      [[tiles[0], { ...tiles[1], id: 'nope' }], /^tiles\[1\]\.id: no saved insight "nope" here$/],
      [[{ ...tiles[0], id: elsewhere }], /^tiles\[0\]\.id: no saved insight/],
    ] as const) {
      const refused = await call(`${server.url}/api/dashboards/${board}/layout`, 'PUT', { tiles: changed });
      assert.equal(refused.status, 400, JSON.stringify(changed));
      assert.match(refused.json.params.errmsg, path);
    }
    // A saved insight naming a cohort that does not exist is refused as the insight itself would be.
    const noCohort = await call(`${server.url}/api/dashboards/${board}/insights`, 'POST', {
      name: 'broken',
      kind: 'trends',
      query: { ...query, filters: [{ cohort: 'does-not-exist' }] },
    });
    assert.equal(noCohort.status, 400);
    assert.equal(noCohort.json.params.errmsg, 'query.filters[0].cohort: no cohort with id does-not-exist');
    await call(`${server.url}/api/dashboards/${other}`, 'DELETE');
    // A name of spaces only names nothing one could pick from a list.
    for (const [method, path] of [
      ['POST', '/api/dashboards'],
      ['PATCH', `/api/dashboards/${board}`],
    ]) {
      const blank = await call(`${server.url}${path}`, method, { name: '   ' });
      assert.equal(blank.status, 400, path);
      assert.equal(blank.json.params.errmsg, 'name: must be more than spaces');
    }
    await server.close();
    server = await startTestServer({ dataDir });
    const listed = (await call(`${server.url}/api/dashboards`, 'GET')).json.dashboards[0];
    assert.deepEqual(
      listed.insights.map((i: { name: string; layout: unknown }) => [i.name, i.layout]),
      [
        ['second', { x: 0, y: 0, w: 12, h: 5 }],
        ['first', { x: 6, y: 4, w: 6, h: 3 }],
      ],
    );
  } finally {
    await server.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
