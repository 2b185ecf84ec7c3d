import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/temp-dir.js';
import { eventLine, eventLinePrefix, frameGroup } from '../../spool/segment-format.js';
import { CHECKPOINT_EVENTS, type DuckDBStore, openDuckDBStore } from './duckdb-store.js';

const prefix = eventLinePrefix({ syncts: 1_790_000_000_000, msgid: 'b-1' });

/** A spool segment of `count` events numbered from `first`, each with `pad` random hex characters in its edata. */
function writeSegment(dir: string, segment: number, first: number, count: number, pad = 0): string {
  const records = Array.from({ length: count }, (_, i) => {
    const n = first + i;
    const mid = `m-${n}`;
    const event = {
      eid: 'INTERACT',
      ets: 1_790_000_000_000 + n,
      ver: '3.0',
      mid,
      edata: { type: 'CLICK', id: `b${n % 7}`, ...(pad > 0 && { extra: randomBytes(pad / 2).toString('hex') }) },
    };
    return eventLine(prefix, JSON.stringify(event), mid);
  });
  const file = path.join(dir, `${String(segment).padStart(12, '0')}.seg`);
  fs.writeFileSync(file, frameGroup(records.join('')));
  return file;
}

/** The events table's row groups, as their row counts in order. */
async function rowGroups(store: DuckDBStore): Promise<number[]> {
  const { rows } = await store.query(
    `SELECT sum(count) FROM pragma_storage_info('events') WHERE column_id = 0 AND column_path = '[0]'
     GROUP BY row_group_id ORDER BY row_group_id`,
  );
  return rows.map(([n]) => Number(n));
}

test('loads checkpoint every CHECKPOINT_EVENTS events, in row groups DuckDB never merges (rewrites) again', async () => {
  const dir = tempDir('checkpoints-');
  const file = path.join(dir, 'store.duckdb');
  const store = await openDuckDBStore({ file, spoolDir: dir });
  try {
    const wal = () => (fs.existsSync(`${file}.wal`) ? fs.statSync(`${file}.wal`).size : 0);
    // Just short of the count: no checkpoint yet, the loads wait in the WAL.
    await store.loadSegment(writeSegment(dir, 1, 0, CHECKPOINT_EVENTS - 1), 1);
    await store.write([]);
    assert.ok(wal() > 0, 'the WAL holds the first load');
    assert.deepEqual(await rowGroups(store), [CHECKPOINT_EVENTS - 1]);
    // One more event reaches the count: the checkpoint follows the load on the writer.
    await store.loadSegment(writeSegment(dir, 2, CHECKPOINT_EVENTS - 1, 1), 2);
    await store.write([]);
    assert.equal(wal(), 0, 'checkpointed: the WAL is empty');
    // Four more checkpoints: row groups of three quarters of DuckDB's 122,880 rows, four of which (before the last)
    // would fit in three, and DuckDB would rewrite them into three; with one event more each they stay as written.
    for (let k = 1; k <= 4; k++)
      await store.loadSegment(writeSegment(dir, 2 + k, k * CHECKPOINT_EVENTS, CHECKPOINT_EVENTS), 2 + k);
    await store.write([]);
    assert.equal(wal(), 0);
    assert.deepEqual(await rowGroups(store), Array(5).fill(CHECKPOINT_EVENTS));
    assert.deepEqual((await store.query('SELECT count(DISTINCT mid) FROM events')).rows, [[5 * CHECKPOINT_EVENTS]]);
  } finally {
    await store.close();
  }
});

test("DuckDB's rule the count rests on: four row groups of three quarters of 122,880 rows are rewritten into three", async () => {
  const dir = tempDir('checkpoints-merge-');
  const store = await openDuckDBStore({ file: path.join(dir, 'store.duckdb'), spoolDir: dir });
  try {
    const rows = CHECKPOINT_EVENTS - 1;
    // Loads below the count, each checkpointed by hand as DuckDB's WAL threshold would.
    for (let k = 0; k < 4; k++) {
      await store.loadSegment(writeSegment(dir, 1 + k, k * rows, rows), 1 + k);
      await store.serialised(() => store.writeConnection.run('CHECKPOINT'));
    }
    const groups = await rowGroups(store);
    assert.equal(groups.length, 3, `merged into three: ${groups}`);
    assert.equal(
      groups.reduce((a, b) => a + b),
      4 * rows,
    );
  } finally {
    await store.close();
  }
});

/** MB of DuckDB's buffer pool holding the blocks of stored tables (duckdb_memory()'s BASE_TABLE). */
async function cachedTableMb(store: DuckDBStore): Promise<number> {
  const { rows } = await store.query(
    "SELECT coalesce(sum(memory_usage_bytes), 0)::DOUBLE / 1e6 FROM duckdb_memory() WHERE tag = 'BASE_TABLE'",
  );
  return Number(rows[0][0]);
}

test("after a checkpoint the buffer pool gives back the tables' blocks, beside a read once it ends", async () => {
  const dir = tempDir('checkpoints-release-');
  const store = await openDuckDBStore({ file: path.join(dir, 'store.duckdb'), spoolDir: dir });
  const limit = async () => (await store.query("SELECT current_setting('memory_limit')")).rows[0][0];
  const scanAll = () => store.query('SELECT count(DISTINCT mid), sum(length(raw)) FROM events');
  try {
    const storeLimit = await limit();
    let segment = 0;
    const loadToCheckpoint = async () => {
      segment += 1;
      await store.loadSegment(writeSegment(dir, segment, segment * CHECKPOINT_EVENTS, CHECKPOINT_EVENTS, 200), segment);
      await store.write([]); // the checkpoint queued behind the load has run
    };
    await loadToCheckpoint();
    await scanAll();
    const cached = await cachedTableMb(store);
    assert.ok(cached > 4, `a scan brings the events' blocks into the pool (${cached} MB)`);

    await loadToCheckpoint();
    const released = await cachedTableMb(store);
    assert.ok(released < cached / 4, `the checkpoint after the next load evicted them (${released} MB of ${cached})`);
    assert.equal(await limit(), storeLimit, 'the memory limit is set back');

    // A read in flight: lowering the limit could starve it, so the blocks stay until the last read ends.
    await scanAll();
    let endRead = () => {};
    const reading = store.reading(() => new Promise<void>((resolve) => (endRead = resolve)));
    await loadToCheckpoint();
    const kept = await cachedTableMb(store);
    assert.ok(kept > 4, `beside a read the pool keeps its blocks (${kept} MB)`);
    // A load before the read ends: its rows, not yet checkpointed, are not table blocks and stay in memory.
    segment += 1;
    await store.loadSegment(writeSegment(dir, segment, segment * CHECKPOINT_EVENTS, 5000, 200), segment);
    endRead();
    await reading;
    await store.write([]); // the release queued when the read ended has run
    const later = await cachedTableMb(store);
    assert.ok(later < kept / 4, `given back once the read ended (${later} MB of ${kept})`);
    const { rows: spilled } = await store.query('SELECT coalesce(sum(size), 0)::DOUBLE FROM duckdb_temporary_files()');
    assert.equal(spilled[0][0], 0, 'the rows not yet checkpointed were not written to the temporary file');
    assert.equal(await limit(), storeLimit);
    assert.deepEqual((await store.query('SELECT count(DISTINCT mid) FROM events')).rows, [
      [3 * CHECKPOINT_EVENTS + 5000],
    ]);
  } finally {
    await store.close();
  }
});
