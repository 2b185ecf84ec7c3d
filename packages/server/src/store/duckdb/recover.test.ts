import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { DuckDBConnection } from '@duckdb/node-api';
import { eventually } from '../../../test/helpers.js';
import { tempDir } from '../../../test/temp-dir.js';
import { apiErrorOf } from '../../api/errors.js';
import { eventLine, eventLinePrefix, frameGroup } from '../../spool/segment-format.js';
import { StoreError } from '../store.js';
import { type DuckDBStore, openDuckDBStore } from './duckdb-store.js';

const prefix = eventLinePrefix({ syncts: 1_790_000_000_000, msgid: 'b-1' });

/** A spool segment of `count` events numbered from `first`. */
function writeSegment(dir: string, segment: number, first: number, count: number): string {
  const records = Array.from({ length: count }, (_, i) => {
    const mid = `m-${first + i}`;
    const event = { eid: 'INTERACT', ets: 1_790_000_000_000 + first + i, ver: '3.0', mid, edata: { type: 'CLICK' } };
    return eventLine(prefix, JSON.stringify(event), mid);
  });
  const file = path.join(dir, `${String(segment).padStart(12, '0')}.seg`);
  fs.writeFileSync(file, frameGroup(records.join('')));
  return file;
}

const stored = async (store: DuckDBStore) =>
  (
    await store.query('SELECT count(*), count(DISTINCT mid), (SELECT segment FROM loader_state) FROM events')
  ).rows[0].map(Number);

type Run = (sql: string, ...rest: unknown[]) => ReturnType<DuckDBConnection['run']>;

/**
 * Puts `around` (given the connection's own `run`) in the writer connection's `run`, to watch or refuse the store's
 * statements; returns that own `run` and `restore`, which takes `around` out again.
 */
function aroundWriterRun(store: DuckDBStore, around: (run: Run) => Run): { run: Run; restore: () => void } {
  const connection = store.writeConnection;
  const run = connection.run.bind(connection) as Run;
  connection.run = around(run) as DuckDBConnection['run'];
  const restore = () => {
    connection.run = run as DuckDBConnection['run'];
  };
  return { run, restore };
}

/** The store's memory limit, held still while no read runs: these tests squeeze the pool themselves. */
function heldStill(memoryLimit = '256MB') {
  return { memoryLimit, ingestMemoryLimit: memoryLimit };
}

/**
 * Sets DuckDB's memory limit just above what it holds now (`roomKb` above: 0 is below the next 256 KiB block a write
 * needs). DuckDB refuses a limit below what it holds, which its own figures put a little low at times: then a little
 * higher.
 */
async function squeeze(store: DuckDBStore, roomKb = 0): Promise<void> {
  for (let margin = 16 + roomKb; ; margin += 16) {
    const used = Number((await store.query('SELECT sum(memory_usage_bytes) FROM duckdb_memory()')).rows[0][0]);
    try {
      await store.writeConnection.run(`SET memory_limit = '${Math.ceil(used / 1024) + margin}KB'`);
      return;
    } catch (error) {
      if (margin >= 192 + roomKb || !/Failed to change memory limit/.test(String(error))) throw error;
    }
  }
}

/**
 * Loads 20,000 events numbered from `first`, as spool segment `segment`, into a pool squeezed `roomKb` above what it
 * holds; resolves to the load's error, if it failed.
 */
async function loadSqueezed(store: DuckDBStore, dir: string, segment: number, first: number, roomKb: number) {
  await squeeze(store, roomKb);
  return store.loadSegment(writeSegment(dir, segment, first, 20_000), segment).then(
    () => undefined,
    (error: Error) => error,
  );
}

/** Sets the limit back to the store's default and checkpoints, as the store would next: the database stays whole. */
async function checkpointUnsqueezed(store: DuckDBStore, context: string): Promise<void> {
  await store.writeConnection.run(`SET memory_limit = '256MB'`);
  await store.serialised(() => store.checkpointLoaded());
  assert.equal(store.reopened, 0, context);
}

// DuckDB invalidates a database on a fatal error and refuses every statement after it until the process opens the
// database again. A checkpoint that finds no memory is one (in a server: queries holding the buffer pool while the
// store checkpoints its loads); here the limit is lowered to make it certain.
test('a database DuckDB invalidated is opened again: committed loads kept, later loads and queries answer', async () => {
  const dir = tempDir('recover-');
  const file = path.join(dir, 'store.duckdb');
  const store = await openDuckDBStore({ file, spoolDir: dir, ...heldStill() });
  try {
    await store.loadSegment(writeSegment(dir, 1, 0, 1_000), 1);
    await squeeze(store);
    await assert.rejects(store.writeConnection.run('CHECKPOINT'), /FATAL/);
    // Met on the invalidated database: a load is one to retry in a moment (the collector goes on taking batches into
    // the spool), not a store that cannot write; a query is a store that cannot answer now (503), not a failure (500).
    const load = store.loadSegment(writeSegment(dir, 2, 1_000, 500), 2);
    await assert.rejects(store.query('SELECT 1'), (error: StoreError) => {
      assert.equal(error.code, 'STORE_REOPENING');
      assert.equal(apiErrorOf(error, '/api/insights/trends')?.status, 503);
      return true;
    });
    await assert.rejects(load, { code: 'STORE_REOPENING' });

    // The failed query had the store open the database again, with its own settings (its memory limit, the spool
    // as the one readable directory): the committed load is back from the WAL.
    await eventually(async () => (await stored(store).catch(() => [])).join() === '1000,1000,1', 10_000);
    assert.equal(store.reopened, 1);
    // Spilling elsewhere than the invalidated database, still open until its last query ends: one directory shared
    // by two instances had them delete each other's temporary files, and every later load failed.
    const temp = (await store.query("SELECT current_setting('temp_directory')")).rows[0][0];
    assert.equal(temp, `${file}.tmp.reopened-1`);
    await store.loadSegment(writeSegment(dir, 2, 1_000, 500), 2);
    await store.drainSummaryQueue(async () => []);
    assert.deepEqual(await stored(store), [1_500, 1_500, 2]);
    await assert.rejects(
      store.readOnlyQuery(`SELECT * FROM read_text('${file}')`, {
        maxRows: 1,
        maxBytes: 1_000,
        deadline: Date.now() + 5_000,
      }),
      /file access is disabled|Permission/,
    );
  } finally {
    await store.close();
  }
  fs.mkdirSync(`${file}.tmp.reopened-1`, { recursive: true }); // as a crash would leave it
  const again = await openDuckDBStore({ file, spoolDir: dir, ...heldStill() });
  try {
    assert.equal(fs.existsSync(`${file}.tmp.reopened-1`), false);
    assert.deepEqual(await stored(again), [1_500, 1_500, 2]);
  } finally {
    await again.close();
  }
});

test('a database that cannot be opened again makes loads say the store cannot write (the collector refuses)', async () => {
  const dir = tempDir('reopen-fails-');
  const store = await openDuckDBStore({ file: path.join(dir, 'store.duckdb'), spoolDir: dir, ...heldStill() });
  const settings = (store as unknown as { settings: { reopen: () => Promise<never> } }).settings;
  let attempts = 0;
  settings.reopen = async () => {
    attempts++;
    throw new Error('IO Error: Cannot open file: No space left on device');
  };
  try {
    await store.loadSegment(writeSegment(dir, 1, 0, 100), 1);
    await squeeze(store);
    await assert.rejects(store.writeConnection.run('CHECKPOINT'), /FATAL/);
    await assert.rejects(store.query('SELECT 1'), { code: 'STORE_REOPENING' });
    await eventually(async () => attempts === 1, 10_000);
    await assert.rejects(store.loadSegment(writeSegment(dir, 2, 100, 100), 2), (error: StoreError) => {
      assert.equal(error.code, 'STORE_UNAVAILABLE');
      assert.match(error.message, /could not be opened again: IO Error: Cannot open file: No space left/);
      return true;
    });
    assert.equal(store.reopened, 0);
  } finally {
    await store.close();
  }
});

test("the store's checkpoint finds room when the pool is full: the database is not invalidated, the limit is set back", async () => {
  const dir = tempDir('checkpoint-room-');
  const store = await openDuckDBStore({ file: path.join(dir, 'store.duckdb'), spoolDir: dir, ...heldStill('200MB') });
  const limit = async () => (await store.query("SELECT current_setting('memory_limit')")).rows[0][0];
  try {
    await store.loadSegment(writeSegment(dir, 1, 0, 1_000), 1);
    const opened = await limit();
    // The pool as full as the first test's, where a bare CHECKPOINT invalidates the database, as a query in flight
    // would hold it.
    await store.reading(async () => {
      await squeeze(store);
      await store.serialised(() => store.checkpointLoaded());
    });
    assert.equal(store.reopened, 0);
    assert.equal(await limit(), opened);
    assert.deepEqual(await stored(store), [1_000, 1_000, 1]);
  } finally {
    await store.close();
  }
});

// Loads into a pool squeezed ever less tightly (as queries in flight would hold it) fail at every step of a load in
// turn: staging, the insert, the COMMIT. A COMMIT out of memory left the table's rows miscounted in memory, and the
// next checkpoint invalidated the database ("Corrupted in-memory column … misaligned count").
test('a load that fails out of memory at any step leaves the database whole: every later checkpoint passes', async () => {
  const dir = tempDir('load-oom-steps-');
  const store = await openDuckDBStore({ file: path.join(dir, 'store.duckdb'), spoolDir: dir, ...heldStill() });
  try {
    await store.loadSegment(writeSegment(dir, 1, 0, 30_000), 1);
    let loaded = 30_000;
    let failed = 0;
    for (let segment = 2, extraKb = 0; extraKb <= 48_000; segment++, extraKb += 1_024) {
      const error = await store.reading(() => loadSqueezed(store, dir, segment, loaded, extraKb));
      if (error === undefined) loaded += 20_000;
      else failed += 1;
      await checkpointUnsqueezed(store, `after a load with ${extraKb} KB of room: ${error?.message}`);
    }
    assert.ok(failed > 0 && loaded > 30_000, `${failed} loads failed, ${loaded} events loaded`);
    assert.deepEqual((await stored(store)).slice(0, 2), [loaded, loaded]);
  } finally {
    await store.close();
  }
});

// With no read in flight a COMMIT runs without room; in a pool squeezed to what the database holds, one can still run
// out of memory, and the database it leaves (rows miscounted in memory) is opened again before a checkpoint finds it.
test('a COMMIT that runs out of memory has the database opened again: the loads that succeeded are all there', async () => {
  const dir = tempDir('commit-oom-');
  const store = await openDuckDBStore({ file: path.join(dir, 'store.duckdb'), spoolDir: dir, ...heldStill() });
  try {
    await store.loadSegment(writeSegment(dir, 1, 0, 30_000), 1);
    let loaded = 30_000;
    let segment = 2;
    let commitFailed = false;
    for (let extraKb = 0; extraKb <= 48_000; segment++, extraKb += 1_024) {
      let failedAt = ''; // the load's first statement to fail (squeeze's SETs may fail and try again)
      const { restore } = aroundWriterRun(
        store,
        (run) =>
          (sql, ...rest) =>
            run(sql, ...rest).catch((error) => {
              if (!sql.startsWith('SET ')) failedAt ||= sql;
              throw error;
            }),
      );
      const error = await loadSqueezed(store, dir, segment, loaded, extraKb);
      restore();
      if (error === undefined) loaded += 20_000;
      commitFailed = error !== undefined && failedAt === 'COMMIT';
      if (commitFailed) break;
      await checkpointUnsqueezed(store, `after a load with ${extraKb} KB of room: ${error?.message}`);
    }
    assert.ok(commitFailed, 'a load failed at its COMMIT');
    await eventually(async () => store.reopened === 1, 10_000);
    await store.loadSegment(writeSegment(dir, segment + 1, loaded, 20_000), segment + 1);
    loaded += 20_000;
    await store.serialised(() => store.checkpointLoaded());
    assert.equal(store.reopened, 1);
    assert.deepEqual(await stored(store), [loaded, loaded, segment + 1]);
  } finally {
    await store.close();
  }
});

// Every SET memory_limit flushes DuckDB's allocator, a third of the CPU per event when each COMMIT set it twice: room
// is taken only while a read could hold the pool beside the COMMIT (reads-in-flight.ts).
test('a COMMIT alone with the pool runs without room, a read that starts meanwhile waits for it; beside a read, room', async () => {
  const dir = tempDir('commit-alone-');
  const store = await openDuckDBStore({ file: path.join(dir, 'store.duckdb'), spoolDir: dir, ...heldStill('200MB') });
  try {
    const statements: string[] = [];
    let holdCommit = false;
    let releaseCommit: (() => void) | undefined;
    aroundWriterRun(store, (run) => async (sql, ...rest) => {
      statements.push(sql);
      if (sql === 'COMMIT' && holdCommit) await new Promise<void>((resolve) => (releaseCommit = resolve));
      return run(sql, ...rest);
    });
    const limitStatements = () => statements.filter((sql) => /memory_limit/.test(sql));

    await store.loadSegment(writeSegment(dir, 1, 0, 100), 1);
    assert.ok(statements.includes('COMMIT'));
    assert.deepEqual(limitStatements(), [], 'no read in flight: the COMMIT runs as it is');

    statements.length = 0;
    await store.reading(() => store.loadSegment(writeSegment(dir, 2, 100, 100), 2));
    const commit = statements.indexOf('COMMIT');
    assert.match(statements[commit - 1], /SET memory_limit = '400000000B'/, 'twice the limit for the COMMIT');
    assert.match(statements[commit + 1], /SET memory_limit = '200MB'/, 'and set back after it');

    // A read that starts while a COMMIT runs alone waits for it: it sees the load (300 events), not the 200 before.
    holdCommit = true;
    const load = store.loadSegment(writeSegment(dir, 3, 200, 100), 3);
    await eventually(async () => releaseCommit !== undefined, 10_000);
    const read = store.query('SELECT count(*) FROM events');
    await new Promise((resolve) => setTimeout(resolve, 100));
    releaseCommit?.();
    await load;
    assert.deepEqual((await read).rows, [[300]]);
  } finally {
    await store.close();
  }
});

test('a query past the memory limit is STORE_OUT_OF_MEMORY, a 503 with Retry-After, and the store goes on', async () => {
  const store = await openDuckDBStore({ file: ':memory:', ...heldStill('16MB') });
  try {
    // A list aggregate cannot spill to disk: 10 million BIGINTs need 80 MB.
    const error = await store.query('SELECT list(i) FROM range(10000000) t(i)').catch((caught) => caught);
    assert.ok(error instanceof StoreError, String(error));
    assert.equal(error.code, 'STORE_OUT_OF_MEMORY');
    const api = apiErrorOf(error, '/api/insights/funnels');
    assert.equal(api?.code, 'QUERY_OUT_OF_MEMORY');
    assert.equal(api?.status, 503);
    assert.equal(apiErrorOf(error, '/api/sql')?.status, 503);
    assert.deepEqual((await store.query('SELECT 1 + 1')).rows, [[2]]);
  } finally {
    await store.close();
  }
});

test('a load that finds no memory is STORE_OUT_OF_MEMORY and refuses no event; the segment loads whole later', async () => {
  const dir = tempDir('load-oom-');
  const file = path.join(dir, 'store.duckdb');
  const segment = writeSegment(dir, 1, 0, 20_000);
  const store = await openDuckDBStore({ file, spoolDir: dir, ...heldStill() });
  try {
    await squeeze(store);
    const error = await store.loadSegment(segment, 1).catch((caught) => caught);
    assert.ok(error instanceof StoreError, String(error));
    assert.equal(error.code, 'STORE_OUT_OF_MEMORY', error.message);
  } finally {
    // The squeezed pool may be too full for anything more (even the load's ROLLBACK, which the store then runs
    // before its next write): a restart gives the memory back.
    await store.close();
  }
  const again = await openDuckDBStore({ file, spoolDir: dir, ...heldStill() });
  try {
    assert.deepEqual(await stored(again), [0, 0, 0]);
    assert.equal((await again.loadSegment(segment, 1)).events, 20_000);
    assert.deepEqual(await stored(again), [20_000, 20_000, 1]);
    assert.deepEqual((await again.query('SELECT count(*) FROM failed_events')).rows, [[0]]);
  } finally {
    await again.close();
  }
});

test('a ROLLBACK that fails leaves its transaction open: the next write rolls it back first, then commits', async () => {
  const dir = tempDir('rollback-pending-');
  const store = await openDuckDBStore({ file: path.join(dir, 'store.duckdb'), spoolDir: dir, ...heldStill() });
  try {
    await store.loadSegment(writeSegment(dir, 1, 0, 100), 1);
    // DuckDB's ROLLBACK out of memory (a full buffer pool; seldom on cue), here refused before it runs, once.
    let rollbacks = 0;
    const { run } = aroundWriterRun(
      store,
      (run) =>
        (sql, ...rest) =>
          sql === 'ROLLBACK' && rollbacks++ === 0
            ? Promise.reject(new Error('Out of Memory Error: failed to allocate data of size 256.0 KiB'))
            : run(sql, ...rest),
    );
    await assert.rejects(
      store.inTransaction(async () => {
        await run('CREATE TABLE rolled_back (x INTEGER)');
        throw new Error('the work failed');
      }),
      /the work failed/,
    );
    // Still open: BEGIN would fail ("cannot start a transaction within a transaction") and every load with it.
    await store.loadSegment(writeSegment(dir, 2, 100, 100), 2);
    assert.equal(rollbacks, 2, 'the load rolled the open transaction back first');
    assert.deepEqual(await stored(store), [200, 200, 2]);
    const tables = await store.query("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'rolled_back'");
    assert.equal(Number(tables.rows[0][0]), 0, "the failed work's table is gone");
  } finally {
    await store.close();
  }
});
