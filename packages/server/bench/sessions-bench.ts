/**
 * Measures the sessions pipeline at scale: N synthetic events written straight into `events`
 * (bypassing the spool), one drain that summarizes them all, then the sessions insight.
 * Usage: node --conditions=development --import tsx bench/sessions-bench.ts [events=10000000] [file]
 */
import fs from 'node:fs';
import { drainSummaryQueue } from '../src/analytics/sessions/index.js';
import { runSessions } from '../src/analytics/sessions-insight.js';
import { queueStreamsSql } from '../src/store/duckdb/summary-drain-sql.js';
import { openStore } from '../src/store/open-store.js';

const total = Number(process.argv[2] ?? 10_000_000);
const file = process.argv[3] ?? '/tmp/sessions-bench.duckdb';
const perDevice = 1000;
fs.rmSync(file, { force: true });
fs.rmSync(`${file}.wal`, { force: true });
const store = await openStore({ url: `duckdb:${file}`, duckdb: { threads: 4, memoryLimit: '4GB' } });

let t = performance.now();
// A device's i-th event: 0–35 s after the previous slot, a 40-minute break every 200 events,
// app START/END every 50 events, player START/END inside, impressions and interactions between.
await store.query(`INSERT INTO events (mid, eid, ets, ts, syncts, actor_id, channel, pdata_id, env, sid, did, object_id,
    edata_type, edata_mode, edata_pageid, raw)
  SELECT 'm' || n, eid, ets, epoch_ms(ets), ets, 'u' || (d % 3000), 'ch' || (d % 3), 'app.web', 'home', 's' || d || '-' || (i // 200),
    'd' || d, CASE WHEN eid IN ('START', 'END') AND i % 10 IN (1, 8) THEN 'do_' || (d % 50) END,
    CASE WHEN i % 50 IN (0, 49) THEN 'app' WHEN i % 10 IN (1, 8) THEN 'player' WHEN eid = 'INTERACT' THEN 'click' ELSE 'view' END,
    CASE WHEN i % 10 IN (1, 8) AND i % 50 NOT IN (0, 49) THEN 'play' END,
    CASE WHEN eid = 'IMPRESSION' THEN 'page' || (hash(n) % 20) END, '{}'
  FROM (SELECT range AS n, range // ${perDevice} AS d, range % ${perDevice} AS i,
      CAST(1700000000000 + (range // ${perDevice}) * 1000 + (range % ${perDevice}) * 20000 + hash(range) % 15000
        + ((range % ${perDevice}) // 200) * 2400000 AS BIGINT) AS ets,
      CASE WHEN range % 50 = 0 THEN 'START' WHEN range % 50 = 49 THEN 'END' WHEN range % 10 = 1 THEN 'START'
        WHEN range % 10 = 8 THEN 'END' WHEN range % 7 = 0 THEN 'IMPRESSION' ELSE 'INTERACT' END AS eid
    FROM range(${total}))`);
await store.query(queueStreamsSql('true'));
console.log(`generated ${total} events in ${((performance.now() - t) / 1000).toFixed(1)} s`);

t = performance.now();
const drained = await drainSummaryQueue(store);
const drainSeconds = (performance.now() - t) / 1000;
console.log(
  `drain: ${drained.streams} streams, ${drained.summaries} summaries in ${drainSeconds.toFixed(1)} s = ${Math.round(total / drainSeconds)} events/s`,
);

for (const query of [
  {},
  { type: 'player' },
  { dateRange: { from: '2023-11-15', timezone: 'Asia/Kolkata' }, channel: ['ch1'] },
]) {
  t = performance.now();
  const answer = await runSessions(store, query);
  console.log(
    `insight ${JSON.stringify(query)}: ${(performance.now() - t).toFixed(0)} ms, ${answer.sessions.count} sessions, avg ${answer.sessions.avg} s`,
  );
}
await store.close();
