import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { PageTimeRow } from '../../analytics/sessions/types.js';
import type { QueuedStream, SummarizedStream } from '../store.js';
import { appendDrainKeys, appendDrainRows, ROWS_PER_TURN } from './summary-append.js';
import { DRAIN_SQL } from './summary-drain-sql.js';

/** `streams` device streams of `pagesEach` closed page views each (no summaries), numbered so that each row differs. */
function streams(count: number, pagesEach: number): SummarizedStream[] {
  return Array.from({ length: count }, (_, s) => {
    const pages: PageTimeRow[] = Array.from({ length: pagesEach }, (_, p) => ({
      actor_id: `actor-${s}`,
      sid: `sid-${s}`,
      pageid: `page-${p}`,
      env: 'home',
      start_time: 1_790_000_000_000 + p * 1_000,
      end_time: 1_790_000_000_000 + p * 1_000 + 500,
      time_spent: 0.5,
      event_count: 2,
    }));
    return {
      stream: { did: `did-${s}`, channel: 'ch', pdata_id: 'app' },
      end: {
        final: { summaries: [], pages },
        open: { summaries: [], pages: [] },
        state: `{"s":${s}}`,
        lastEts: 1_790_000_000_000 + pagesEach * 1_000,
      },
    };
  });
}

/**
 * Counts the rows the connection's appenders end, and records that count at each turn of the event loop until
 * `stop()`; `between(total)`: the counts seen strictly between none and all.
 */
function watchTurns(c: DuckDBConnection) {
  let ended = 0;
  const createAppender = c.createAppender.bind(c);
  c.createAppender = async (...args) => {
    const appender = await createAppender(...args);
    const endRow = appender.endRow.bind(appender);
    appender.endRow = () => {
      ended++;
      endRow();
    };
    return appender;
  };
  const seen: number[] = [];
  let done = false;
  const turn = () => {
    seen.push(ended);
    if (!done) setImmediate(turn);
  };
  setImmediate(turn);
  return {
    ended: () => ended,
    stop: () => {
      done = true;
    },
    between: (total: number) => seen.filter((n) => n > 0 && n < total),
  };
}

/** No slice much above ROWS_PER_TURN rows (`extra`: the most a slice's last stream can add past it). */
function slicesBounded(between: number[], extra: number): boolean {
  return between.every((n, i) => n - (between[i - 1] ?? 0) <= ROWS_PER_TURN + extra);
}

const count = async (c: DuckDBConnection, table: string) =>
  Number((await c.runAndReadAll(`SELECT count(*) FROM ${table}`)).getRows()[0][0]);

test("a drain's rows are appended in slices: the event loop turns between them, and every row lands", async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    for (const statement of DRAIN_SQL.stage) await c.run(statement);
    const written = streams(100, 60); // 6,000 page views and 100 states: three slices and more
    const total = 100 * 60 + 100;
    const turns = watchTurns(c);
    await appendDrainRows(c, written);
    turns.stop();
    assert.equal(turns.ended(), total);
    const between = turns.between(total);
    assert.ok(between.length >= 2, `the loop turned between slices: ${between}`);
    assert.ok(slicesBounded(between, 61));
    assert.deepEqual([await count(c, 'drain_pages'), await count(c, 'drain_state')], [6_000, 100]);
    const [[pageid, start]] = (
      await c.runAndReadAll("SELECT pageid, start_time FROM drain_pages WHERE did = 'did-99' ORDER BY start_time DESC")
    ).getRows();
    assert.deepEqual([pageid, Number(start)], ['page-59', 1_790_000_059_000]);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
});

test("a drain's keys are appended in slices too, every key landing", async () => {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  try {
    await c.run(DRAIN_SQL.writeKeys);
    const keys: QueuedStream[] = Array.from({ length: 5_000 }, (_, s) => ({
      did: `did-${s}`,
      channel: 'ch',
      pdata_id: 'app',
      resume: s % 2 === 0,
      state: null,
      resumeEts: null,
      fromEts: 1_790_000_000_000 + s,
    }));
    const turns = watchTurns(c);
    await appendDrainKeys(c, keys);
    turns.stop();
    const between = turns.between(5_000);
    assert.ok(between.length >= 2, `the loop turned between slices: ${between}`);
    assert.ok(slicesBounded(between, 1));
    assert.equal(await count(c, 'drain_keys'), 5_000);
    const [[resumed, last]] = (
      await c.runAndReadAll('SELECT count(*) FILTER (WHERE resume), max(from_ets) FROM drain_keys')
    ).getRows();
    assert.deepEqual([Number(resumed), Number(last)], [2_500, 1_790_000_004_999]);
  } finally {
    c.closeSync();
    instance.closeSync();
  }
});
