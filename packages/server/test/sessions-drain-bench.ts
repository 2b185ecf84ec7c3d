/**
 * Measures incremental drains: events written straight into `events` (bypassing the spool) in
 * increments by time, with the device streams queued as the loader does, and a drain after each.
 * Usage: node --conditions=development --import tsx test/sessions-drain-bench.ts [devices=1000] [perDevice=1000] [increments=50]
 * One busy device: ... sessions-drain-bench.ts 1 200000 100
 */
import { drainSummaryQueue } from '../src/analytics/sessions/index.js';
import { queueStreamsSql } from '../src/store/duckdb/summary-drain-sql.js';
import { openMemoryStore } from './support/store.js';

const devices = Number(process.argv[2] ?? 1000);
const perDevice = Number(process.argv[3] ?? 1000);
const increments = Number(process.argv[4] ?? 50);
const store = await openMemoryStore({ duckdb: { threads: 4, memoryLimit: '4GB' } });
const step = Math.ceil(perDevice / increments);

// As sessions-bench.ts: a device's i-th event 0–35 s after the previous slot, a 40-minute break every
// 200 events, app START/END every 50 events, player START/END inside, impressions and interactions between.
const generate = (
  from: number,
  to: number,
) => `INSERT INTO events (mid, eid, ets, ts, syncts, actor_id, channel, pdata_id,
    env, sid, did, object_id, edata_type, edata_mode, edata_pageid, raw)
  SELECT 'm' || n, eid, ets, epoch_ms(ets), ets, 'u' || (d % 3000), 'ch' || (d % 3), 'app.web', 'home', 's' || d || '-' || (i // 200),
    'd' || d, CASE WHEN eid IN ('START', 'END') AND i % 10 IN (1, 8) THEN 'do_' || (d % 50) END,
    CASE WHEN i % 50 IN (0, 49) THEN 'app' WHEN i % 10 IN (1, 8) THEN 'player' WHEN eid = 'INTERACT' THEN 'click' ELSE 'view' END,
    CASE WHEN i % 10 IN (1, 8) AND i % 50 NOT IN (0, 49) THEN 'play' END,
    CASE WHEN eid = 'IMPRESSION' THEN 'page' || (hash(n) % 20) END, '{}'
  FROM (SELECT d * ${perDevice} + i AS n, d, i,
      CAST(1700000000000 + d * 1000 + i * 20000 + hash(d * ${perDevice} + i) % 15000 + (i // 200) * 2400000 AS BIGINT) AS ets,
      CASE WHEN i % 50 = 0 THEN 'START' WHEN i % 50 = 49 THEN 'END' WHEN i % 10 = 1 THEN 'START'
        WHEN i % 10 = 8 THEN 'END' WHEN i % 7 = 0 THEN 'IMPRESSION' ELSE 'INTERACT' END AS eid
    FROM range(${devices}) r(d), range(${from}, ${to}) s(i))`;

let drainMs = 0;
let lastMs = 0;
let events = 0;
for (let k = 0; k < increments; k++) {
  const from = k * step;
  const to = Math.min(perDevice, from + step);
  if (from >= to) break;
  const before = Number((await store.query('SELECT coalesce(max(rowid), -1) FROM events')).rows[0][0]);
  await store.query(generate(from, to));
  await store.query(queueStreamsSql(`rowid > ${before}`));
  events += devices * (to - from);
  const t = performance.now();
  await drainSummaryQueue(store);
  lastMs = performance.now() - t;
  drainMs += lastMs;
}
const count = await store.query(
  'SELECT (SELECT count(*) FROM summaries), (SELECT count(*) FROM page_time), (SELECT sum(time_spent) FROM summaries)',
);
console.log(
  `${devices} devices x ${perDevice} events in ${increments} increments: drains took ${(drainMs / 1000).toFixed(2)} s total ` +
    `(${Math.round(events / (drainMs / 1000))} loaded events/s), last drain ${lastMs.toFixed(0)} ms; ` +
    `summaries/pages/time: ${count.rows[0].join(' / ')}`,
);
await store.close();
