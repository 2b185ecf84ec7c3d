/**
 * `npm run bench:drain`: whether a summary drain's cost grows with the store (issue 16, flat cost). A fresh DuckDB
 * store on the default settings gets N synthetic events (1,000 per device, written straight into `events`) and one
 * drain summarizes them all; then, --runs times each, a small load is drained: 100 new events for each of 20 devices
 * already summarized (every stream resumes); the same plus one device never seen before (a stream with no saved
 * state); and the same plus a new device whose events are dated at the start of the store (a backfill, as an import of
 * old telemetry or a device that sends a long-kept queue). The resumed devices (the first ones stored) and the new
 * device of the second case get events dated after everything stored, as live traffic does.
 *
 * Before a new stream's read was bounded (drain.ts readBound), the second case read the whole events table: 144 ms
 * against 82 ms at 1 million events, 371 against 114 ms at 5 million (median of 5, shared machine at load 9).
 * Until a drain's read was bounded by arrival as well (summary-drain-sql.ts arrivalBound), the resumed devices' and the
 * backfill's drains read every row group stored since their old event times, here the whole table.
 * Prints the medians and their ratios to the resumed one (`new_stream_ratio`, `backfill_ratio`: 1 when the case costs
 * no more than resuming) as the last line, one JSON object.
 *
 * Flags: --events N (2000000) --runs N (5) --dir DIR (a fresh temp dir, removed at the end unless given).
 */
// First, as the `telemetry` command does: DuckDB's allocator options, read once when its library loads (allocator.ts).
import '../src/store/duckdb/allocator.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { drainSummaryQueue } from '../src/analytics/sessions/index.js';
import { loadConfig } from '../src/config.js';
import { queueStreamsSql } from '../src/store/duckdb/summary-drain-sql.js';
import { openStore } from '../src/store/open-store.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2000000' },
    runs: { type: 'string', default: '5' },
    dir: { type: 'string' },
  },
});
const total = Number(values.events.replaceAll('_', ''));
const runs = Number(values.runs);
const dir = values.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'telemetry-bench-drain-'));
const PER_DEVICE = 1000;
const T0 = 1_700_000_000_000;
const DAY = 86_400_000;

const config = loadConfig();
const store = await openStore({
  dataDir: dir,
  spoolDir: path.join(dir, 'spool'),
  duckdb: {
    threads: config.duckdbThreads,
    memoryLimit: config.duckdbMemory,
    ingestMemoryLimit: config.duckdbIngestMemory,
  },
});

/**
 * Events n in [from, from + count) of devices `d<first>`…, 1,000 a device, 20 s apart, starting `shift` ms after T0,
 * numbered in arrival order after those stored (as a load numbers them).
 */
const insertEvents = (tag: string, from: number, count: number, firstDevice: number, shift: number) =>
  store.query(`INSERT INTO events (mid, eid, ets, ts, syncts, actor_id, channel, pdata_id, env, sid, did, edata_type,
      edata_pageid, raw, arrival_seq)
    SELECT '${tag}' || n, eid, ets, epoch_ms(ets), ets, 'u' || d, 'ch' || (d % 3), 'app.web', 'home', 's' || d, 'd' || d,
      CASE WHEN eid = 'INTERACT' THEN 'click' ELSE 'view' END, CASE WHEN eid = 'IMPRESSION' THEN 'page' || (n % 20) END,
      '{}', (SELECT coalesce(max(arrival_seq), 0) FROM events) + n - ${from} + 1
    FROM (SELECT range AS n, range // ${PER_DEVICE} + ${firstDevice} AS d,
        CAST(${T0 + shift} + (range // ${PER_DEVICE}) * 1000 + (range % ${PER_DEVICE}) * 20000 AS BIGINT) AS ets,
        CASE WHEN range % 7 = 0 THEN 'IMPRESSION' ELSE 'INTERACT' END AS eid
      FROM range(${from}, ${from + count}))`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
try {
  let t = performance.now();
  await insertEvents('m', 0, total, 0, 0);
  await store.query(queueStreamsSql('true'));
  await drainSummaryQueue(store);
  const firstDrainS = (performance.now() - t) / 1000;
  const ms = { resumed: [] as number[], newStream: [] as number[], backfill: [] as number[] };
  let load = 0;
  for (let run = 0; run < runs; run++) {
    for (const kind of ['resumed', 'newStream', 'backfill'] as const) {
      load++;
      const shift = load * 100 * DAY; // after everything stored
      const before = (await store.query('SELECT coalesce(max(arrival_seq), 0) FROM events')).rows[0][0];
      for (let d = 0; d < 20; d++) await insertEvents(`l${load}-`, d * PER_DEVICE, 100, 0, shift);
      if (kind !== 'resumed')
        await insertEvents(`n${load}-`, 0, 100, 1_000_000 + load, kind === 'backfill' ? 0 : shift);
      await store.query(queueStreamsSql(`arrival_seq > ${before}`));
      t = performance.now();
      await drainSummaryQueue(store);
      ms[kind].push(performance.now() - t);
    }
  }
  const resumed = median(ms.resumed);
  const withNew = median(ms.newStream);
  const backfill = median(ms.backfill);
  console.log(
    JSON.stringify({
      bench: 'drain',
      events: total,
      first_drain_s: Number(firstDrainS.toFixed(1)),
      resumed_ms: Math.round(resumed),
      new_stream_ms: Math.round(withNew),
      new_stream_ratio: Number((withNew / resumed).toFixed(2)),
      backfill_ms: Math.round(backfill),
      backfill_ratio: Number((backfill / resumed).toFixed(2)),
      runs,
      load_avg_1m: Number(os.loadavg()[0].toFixed(1)),
    }),
  );
} finally {
  await store.close();
  if (!values.dir) fs.rmSync(dir, { recursive: true, force: true });
}
