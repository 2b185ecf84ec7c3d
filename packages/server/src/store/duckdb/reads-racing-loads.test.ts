/**
 * Reads that race a load and a checkpoint return the loaded rows whole, through every read path of the store
 * (issue 10: /api/sql once read every string of a fresh table as one garbled character, and BIGINTs as small numbers).
 *
 * The cause is a plan made before the load and run after it: the driver prepares a statement and executes it in two
 * calls, and a plan made while `events` was empty packs each VARCHAR into one byte (DuckDB's compressed
 * materialization for ORDER BY trusts the table's statistics: strings at most 0 bytes long). So each round opens a
 * store whose tables are empty, starts readers that poll until they see the rows, and loads one segment while they
 * run. A read sees either no rows or all of them, exactly as loaded.
 *
 * Bounded: at least MIN_ROUNDS rounds, then more until READS_RACING_LOADS_MS (default 6 s) or MAX_ROUNDS.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/temp-dir.js';
import { eventLine, eventLinePrefix, frameGroup } from '../../spool/segment-format.js';
import { type DuckDBStore, openDuckDBStore } from './duckdb-store.js';

const durationMs = Number(process.env.READS_RACING_LOADS_MS ?? 6_000);
const MIN_ROUNDS = 10;
const MAX_ROUNDS = 400;
/** Reads per reader per round at most: enough to outlast a load on a loaded machine. */
const MAX_READS = 2_000;

const ETS = 1_790_000_000_123;
/** Strings of 3 to 40 bytes, so both of DuckDB's string layouts (inlined up to 12 bytes, and not) are read. */
const EVENTS = ['START', 'IMPRESSION', 'INTERACT', 'END'].map((eid, i) => ({
  eid,
  ets: ETS + i,
  ver: '3.0',
  mid: `${eid}:${'0123456789abcdef'.repeat(2)}`,
  actor: { id: 'teacher-7', type: 'User' },
  context: { channel: 'esamwad-channel', pdata: { id: 'esamwad.app', ver: '2.1.0' }, env: 'quiz', did: 'device-42' },
  edata: { type: i % 2 ? 'view' : 'app', pageid: `quiz-${i}`, uri: `/quiz/${i}/${'long-path-segment-'.repeat(i)}` },
}));

const COLUMNS =
  'eid, ets, actor_id, actor_type, did, channel, pdata_id, pdata_ver, env, edata_type, edata_pageid, edata_uri, raw';
/** The sunbird-sdk test's query shape: an ORDER BY over every selected column's values. */
const SQL = `SELECT ${COLUMNS} FROM events ORDER BY ets, CASE eid WHEN 'START' THEN 0 ELSE 1 END`;
const EXPECTED = EVENTS.map((e) => [
  e.eid,
  e.ets,
  'teacher-7',
  'User',
  'device-42',
  'esamwad-channel',
  'esamwad.app',
  '2.1.0',
  'quiz',
  e.edata.type,
  e.edata.pageid,
  e.edata.uri,
  JSON.stringify(e),
]);

/** One read path of the store: its rows for SQL (empty before the load commits). */
type Read = (store: DuckDBStore) => Promise<unknown[][]>;

const READS: [string, Read][] = [
  // /api/sql
  ['readOnlyQuery', async (store) => (await store.readOnlyQuery(SQL, { maxRows: 100, maxBytes: 1e6 })).rows],
  // A bounded read without parameters (read-gate.ts)
  ['query with bounds', async (store) => (await store.query(SQL, undefined, { maxBytes: 1e6 })).rows],
  // With parameters: DuckDB re-plans these at each execution, so they never read through a stale plan
  [
    'query with params',
    async (store) => (await store.query(SQL.replace('ORDER', 'WHERE ets > $t ORDER'), { t: 0 })).rows,
  ],
  [
    'scanStrings',
    async (store) => {
      const values: string[] = [];
      await store.scanStrings(SQL.replace(COLUMNS, 'eid'), (value) => values.push(value));
      return values.map((value) => [value]);
    },
  ],
];

function expectedFor(name: string): unknown[][] {
  return name === 'scanStrings' ? EXPECTED.map((row) => [row[0]]) : EXPECTED;
}

test('reads racing a load and a checkpoint of a fresh table see no rows or every row whole, on every read path', async (t) => {
  const dir = tempDir('reads-racing-loads-');
  const file = path.join(dir, '000000000001.seg');
  const prefix = eventLinePrefix({ syncts: ETS, msgid: 'b-1' });
  fs.writeFileSync(file, frameGroup(EVENTS.map((e) => eventLine(prefix, JSON.stringify(e), e.mid)).join('')));
  const wrong: string[] = [];
  const seen = new Map<string, number>(READS.map(([name]) => [name, 0]));
  const deadline = Date.now() + durationMs;
  let rounds = 0;
  let checkpoints = 0;
  try {
    for (; rounds < MAX_ROUNDS && (rounds < MIN_ROUNDS || Date.now() < deadline); rounds++) {
      // Every other round on a file, whose checkpoint writes the loaded rows out to disk.
      const dbFile = rounds % 2 ? path.join(dir, `round-${rounds}.duckdb`) : ':memory:';
      const store = await openDuckDBStore({ file: dbFile, spoolDir: dir });
      let loaded = false;
      let finished = false;
      try {
        // Reads until the load and the checkpoint are done; each read that sees rows must see all of them whole.
        const reader = async ([name, read]: [string, Read]) => {
          for (let n = 0; n < MAX_READS && !finished; n++) {
            const started = loaded; // a read that began after the load committed must see the rows
            const rows = await read(store);
            if (rows.length === 0 && !started) continue;
            try {
              assert.deepEqual(rows, expectedFor(name));
              seen.set(name, (seen.get(name) ?? 0) + 1);
            } catch {
              wrong.push(`round ${rounds}, ${name}: ${JSON.stringify(rows).slice(0, 300)}`);
              return;
            }
          }
        };
        // Loads once the readers are going (by a varying delay, so that the commit falls at varying points of their
        // reads), then checkpoints while they go on: refused while a read that began before the load is open, so tried
        // again (bounded).
        const loader = async () => {
          await new Promise((resolve) => setTimeout(resolve, rounds % 5));
          await store.loadSegment(file, 1);
          loaded = true;
          for (let tries = 0; tries < 50; tries++) {
            const done = await store
              .serialised(() => store.writeConnection.run('CHECKPOINT'))
              .then(
                () => true,
                (error: Error) => (/other write transactions/.test(error.message) ? false : Promise.reject(error)),
              );
            if (done) return void checkpoints++;
            await new Promise((resolve) => setTimeout(resolve, 2));
          }
        };
        const loading = loader().finally(() => {
          finished = true;
        });
        await Promise.all([loading, ...READS.flatMap((read) => [reader(read), reader(read)])]);
      } finally {
        await store.close();
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  t.diagnostic(`${rounds} rounds, ${checkpoints} checkpoints, reads that saw the rows: ${JSON.stringify([...seen])}`);
  assert.deepEqual(wrong, [], `${wrong.length} reads of ${rounds} rounds came back changed`);
  // Every read path really read the loaded rows (a read that never saw them proves nothing), and checkpoints ran.
  for (const [name, count] of seen) assert.ok(count > 0, `${name} never saw the loaded rows`);
  assert.ok(checkpoints > 0, 'no checkpoint went through');
});
