import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
const c = await inst.connect();
await c.run("CREATE TABLE t AS SELECT 'START' AS eid, 'teacher-' || (i%10) AS actor, CASE WHEN i%3=0 THEN NULL ELSE 'User' END AS kind, i AS n FROM range(4) r(i)");
let bad = 0;
for (let k = 0; k < Number(process.argv[2] ?? 200); k++) {
  const q = await inst.connect();
  const prepared = await q.prepare("SELECT eid, actor, kind, n FROM t ORDER BY n, CASE eid WHEN 'START' THEN 0 ELSE 1 END");
  const result = await prepared.stream();
  const chunk = await result.fetchChunk();
  const mode = process.argv[3] ?? 'after';
  let early: unknown[][] = [];
  if (mode === 'before') early = chunk!.getRowsJS?.() ?? chunk!.getRows();
  const next = await result.fetchChunk();
  // churn memory in DuckDB meanwhile
  await c.run("CREATE OR REPLACE TABLE junk AS SELECT 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz' || i AS s, i FROM range(50000) r(i) ORDER BY i DESC");
  const rows = mode === 'before' ? early : chunk!.getRows();
  q.closeSync();
  for (const row of rows) if (row[0] !== 'START') { bad++; if (bad < 4) console.log('BAD', JSON.stringify(rows, (_k, v) => typeof v === 'bigint' ? Number(v) : v)); break; }
}
console.log({ bad });
