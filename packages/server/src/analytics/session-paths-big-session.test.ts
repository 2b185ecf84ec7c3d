// Kept session paths (session-paths.ts) against one very large session: the answer must be the window SQL's
// (docs/analytics.md, Paths, "Kept paths": "The answer is the same either way, whatever the refresh has reached").
// The Sunbird SDK sends `sid: ""` when the app sets none, so every page view of such an app is one "session"; its
// kept row (one list of every view) is rebuilt whole by each refresh and each query whose tail touches it.
// Scaled down: 64 MB of DuckDB memory and 600,000 views; at 512 MB the same happens from about
// 2.1 million views in one session (a 250,000-view slice onto 2,000,000 kept runs out of memory).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { PathsQuery } from '@telemetry/query';
import { eventLine, eventLinePrefix } from '../spool/segment-format.js';
import { openStore } from '../store/open-store.js';
import { dialectFor } from './dialect/index.js';
import { buildFor, runPaths, shape } from './paths.js';
import { catchUpSessionPaths } from './session-paths.js';
import { resolveRange } from './sql-time.js';

const BASE = Date.parse('2024-03-01T00:00:00Z');

test('a session of 600,000 page views: paths from the kept rows answer as the window SQL does (64 MB)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'big-session-'));
  const store = await openStore({
    url: `duckdb:${path.join(dir, 'telemetry.duckdb')}`,
    spoolDir: dir,
    duckdb: { memoryLimit: '64MB', threads: 1 },
  });
  try {
    let segment = 0;
    let k = 0;
    const load = async (count: number) => {
      const lines: string[] = [];
      for (let i = 0; i < count; i++, k++) {
        const ets = BASE + k * 10;
        const event = {
          eid: 'IMPRESSION',
          ets,
          ver: '3.0',
          mid: `big-${k}`,
          actor: { id: `u${k % 50}`, type: 'User' },
          context: { channel: 'c', env: 'app', pdata: { id: 'a', ver: '1', pid: 'w' }, did: 'd', sid: '' },
          edata: { type: 'view', pageid: `p${k % 7}`, uri: '/' },
        };
        lines.push(eventLine(eventLinePrefix({ syncts: ets }), JSON.stringify(event)));
      }
      const file = path.join(dir, `segment-${++segment}.log`);
      fs.writeFileSync(file, lines.join(''));
      await store.loadSegment(file, segment);
      fs.rmSync(file);
    };
    for (let done = 0; done < 600_000; done += 20_000) await load(20_000);
    // What the loader's after-load runs do (pipeline.ts), slice after slice; a failure is logged and retried there.
    const caughtUp = await catchUpSessionPaths(store).then(
      () => 'ok',
      (error: Error) => `failed: ${error.message.slice(0, 120)}`,
    );
    await load(10);
    const query: PathsQuery = { dateRange: { from: '2024-02-01', to: '2024-04-01' }, maxSteps: 5, limit: 50 };
    const { sql, params } = buildFor(query, resolveRange(query.dateRange, Date.now()), dialectFor(store.dialect));
    const expected = shape((await store.query(sql, params)).rows, query);
    assert.ok(expected.links.length > 0);
    const got = await runPaths(store, query).catch((error: Error) => `runPaths failed: ${error.message.slice(0, 160)}`);
    assert.deepEqual(got, expected, `catch-up: ${caughtUp}`);
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
