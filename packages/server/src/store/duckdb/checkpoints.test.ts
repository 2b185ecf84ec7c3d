import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../../test/temp-dir.js';
import { eventLine, eventLinePrefix, frameGroup } from '../../spool/segment-format.js';
import { CHECKPOINT_EVENTS, type DuckDBStore, openDuckDBStore } from './duckdb-store.js';

const prefix = eventLinePrefix({ syncts: 1_790_000_000_000, msgid: 'b-1' });

/** A spool segment of `count` events numbered from `first`. */
function writeSegment(dir: string, segment: number, first: number, count: number): string {
  const records = Array.from({ length: count }, (_, i) => {
    const n = first + i;
    const mid = `m-${n}`;
    const event = {
      eid: 'INTERACT',
      ets: 1_790_000_000_000 + n,
      ver: '3.0',
      mid,
      edata: { type: 'CLICK', id: `b${n % 7}` },
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
