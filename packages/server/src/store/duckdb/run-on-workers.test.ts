import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { runOnWorkers } from './run-on-workers.js';

/** Rows of `sql` as plain values, or the first line of its error. */
async function outcome(connection: DuckDBConnection, sql: string, values?: Record<string, number>) {
  try {
    return { rows: (await connection.runAndReadAll(sql, values)).getRowsJS() };
  } catch (error) {
    return { error: String((error as Error).message).split('\n')[0] };
  }
}

/** Run on a connection waiting for the workers and on a plain one, each in a database of its own. */
const STATEMENTS: { sql: string; values?: Record<string, number> }[] = [
  { sql: 'CREATE TABLE t (k INTEGER, v BIGINT)' },
  { sql: 'INSERT INTO t SELECT x % 97, x // 7 FROM range(300000) r(x)' },
  // Parallel: many row groups, an aggregate and a sort, so tasks go to DuckDB's worker (integers: sums are exact).
  { sql: 'SELECT k, count(*), sum(v) FROM t GROUP BY k ORDER BY k' },
  { sql: 'SELECT count(*) FROM t WHERE k = $k', values: { k: 13 } },
  { sql: 'BEGIN; INSERT INTO t VALUES (1000, 1); SELECT count(*) FROM t WHERE k = 1000' },
  { sql: 'ROLLBACK' },
  { sql: 'SELECT count(*) FROM t WHERE k = 1000' },
  { sql: 'SELECT * FROM no_such_table' },
  { sql: 'SELECT 1 / 0, CAST($v AS TINYINT)', values: { v: 1000 } },
  { sql: 'SELECT count(*) FROM t' },
  { sql: 'CHECKPOINT' },
];

test('a connection that waits for DuckDB’s workers answers as run does: rows, errors, transactions', async () => {
  const instances = [
    await DuckDBInstance.create(':memory:', { threads: '2' }),
    await DuckDBInstance.create(':memory:', { threads: '2' }),
  ];
  const onWorkers = runOnWorkers(await instances[0].connect(), 2);
  const plain = await instances[1].connect();
  try {
    assert.ok(Object.hasOwn(onWorkers, 'run'), 'with two threads, run is replaced');
    for (const { sql, values } of STATEMENTS) {
      assert.deepEqual(await outcome(onWorkers, sql, values), await outcome(plain, sql, values), sql);
    }
  } finally {
    onWorkers.closeSync();
    plain.closeSync();
    for (const instance of instances) instance.closeSync();
  }
});

test('with one DuckDB thread there is no worker: statements run on the caller as before (none waits forever)', {
  timeout: 20_000,
}, async () => {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = runOnWorkers(await instance.connect(), 1);
  try {
    assert.ok(!Object.hasOwn(connection, 'run'));
    const rows = (
      await connection.runAndReadAll('SELECT count(*) FROM range(2000000) r(x) WHERE x % 3 = 0')
    ).getRowsJS();
    assert.deepEqual(rows, [[666667n]]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
});

test('property: parameterised inserts and aggregates read back the same on workers as on the caller', async () => {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const onWorkers = runOnWorkers(await instance.connect(), 2);
  try {
    await onWorkers.run('CREATE TABLE p (v BIGINT)');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -1e9, max: 1e9 }), { maxLength: 40 }), async (values) => {
        await onWorkers.run('DELETE FROM p');
        for (const v of values) await onWorkers.run('INSERT INTO p VALUES ($v)', { v });
        const rows = (await onWorkers.runAndReadAll('SELECT count(*), sum(v), min(v), max(v) FROM p')).getRowsJS();
        const sum = values.reduce((s, v) => s + BigInt(v), 0n);
        assert.deepEqual(rows, [
          [
            BigInt(values.length),
            values.length ? sum : null,
            values.length ? BigInt(Math.min(...values)) : null,
            values.length ? BigInt(Math.max(...values)) : null,
          ],
        ]);
      }),
      { numRuns: 60 },
    );
  } finally {
    onWorkers.closeSync();
    instance.closeSync();
  }
});

test('a statement is not held behind another query that occupies the worker: the caller runs it after HELP_AFTER_MS', {
  timeout: 60_000,
}, async () => {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const busy = await instance.connect();
  const onWorkers = runOnWorkers(await instance.connect(), 2);
  try {
    // Started and never run by its caller: DuckDB's worker takes its task and runs it for minutes.
    await busy.start('SELECT count(*) FROM range(100000000000) r(x) WHERE x % 7 = 3');
    const rows = (await onWorkers.runAndReadAll('SELECT sum(x) FROM range(1000) r(x)')).getRowsJS();
    assert.deepEqual(rows, [[499500n]]);
    // Without the caller's help this waits for the other query (minutes): the test's timeout.
    assert.ok(busy.progress.percentage < 100, 'the other query still holds the worker');
  } finally {
    busy.interrupt();
    busy.closeSync();
    onWorkers.closeSync();
    instance.closeSync();
  }
});
