import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/temp-dir.js';
import { eventLine, eventLinePrefix, frameGroup } from '../../spool/segment-format.js';
import { CHECKPOINT_EVENTS, type DuckDBStore, openDuckDBStore } from './duckdb-store.js';
import { memoryLimitBytes } from './memory-limit.js';

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

/**
 * DuckDB's memory limit, its buffer pool's use and its temporary files, in MB, read on the writer's connection after
 * the writes queued before: not a read, so it raises no limit.
 */
async function pool(store: DuckDBStore): Promise<{ limitMb: number; usedMb: number; spilledMb: number }> {
  const reader = await store.serialised(() =>
    store.writeConnection.runAndReadAll(
      `SELECT current_setting('memory_limit'),
         (SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory())::DOUBLE / 1e6,
         (SELECT coalesce(sum(size), 0) FROM duckdb_temporary_files())::DOUBLE / 1e6`,
    ),
  );
  const [limit, usedMb, spilledMb] = reader.getRowsJS()[0] as [string, number, number];
  return { limitMb: (memoryLimitBytes(limit) ?? Number.NaN) / 1e6, usedMb, spilledMb };
}

test("with no read in flight DuckDB's pool is held to the ingest limit; reads run with the store's limit", async () => {
  const dir = tempDir('checkpoints-ingest-limit-');
  const store = await openDuckDBStore({
    file: path.join(dir, 'store.duckdb'),
    spoolDir: dir,
    memoryLimit: '256MB',
    ingestMemoryLimit: '48MB',
  });
  const near = (mb: number, expected: number) => Math.abs(mb - expected) < expected * 0.05;
  let segment = 0;
  let loaded = 0;
  const load = async (count: number) => {
    segment += 1;
    await store.loadSegment(writeSegment(dir, segment, loaded, count, 600), segment);
    loaded += count;
  };
  try {
    // Eight loads that each fit in 24 MB, together more, none reaching a checkpoint.
    for (let k = 0; k < 8; k++) await load(3000);
    const alone = await pool(store);
    assert.ok(near(alone.limitMb, 48), `the ingest limit while no read runs (${alone.limitMb} MB)`);
    assert.ok(alone.usedMb <= 48.5, `the pool within it (${alone.usedMb} MB)`);
    assert.ok(alone.spilledMb > 0, `the rows past it wait in the temporary file (${alone.spilledMb} MB)`);

    const beside = await store.reading(async () => ({
      pool: await pool(store),
      rows: (await store.query('SELECT count(DISTINCT mid), min(length(raw)) FROM events')).rows,
    }));
    assert.ok(near(beside.pool.limitMb, 256), `a read runs with the store's limit (${beside.pool.limitMb} MB)`);
    assert.equal(Number(beside.rows[0][0]), loaded, 'every row, those in the temporary file too');
    assert.ok(Number(beside.rows[0][1]) > 600);
    const after = await pool(store); // the lowering queued when the read ended has run
    assert.ok(near(after.limitMb, 48), `lowered again once the read ended (${after.limitMb} MB)`);

    // A load larger than the ingest limit holds (its rows stay in memory until COMMIT) runs at the store's limit.
    await load(40_000);
    assert.ok(near((await pool(store)).limitMb, 256));
    assert.deepEqual((await store.query('SELECT count(DISTINCT mid) FROM events')).rows, [[loaded]]);
    await load(100);
    const next = await pool(store);
    assert.ok(near(next.limitMb, 48), `the next load lowers it again (${next.limitMb} MB)`);
  } finally {
    await store.close();
  }
});
