import os from 'node:os'; import path from 'node:path'; import fs from 'node:fs';
import { openDuckDBStore } from '/work/i10/packages/server/src/store/duckdb/duckdb-store.ts';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'garble-'));
const store = await openDuckDBStore({ file: path.join(dir, 'db.duckdb') });
const w = store.writeConnection;
await w.run("CREATE TABLE t (eid VARCHAR, actor VARCHAR, kind VARCHAR, n INTEGER)");
await w.run("INSERT INTO t SELECT 'START', 'teacher-' || (i % 10), CASE WHEN i % 3 = 0 THEN NULL ELSE 'User' END, i FROM range(4) r(i)");
setInterval(() => (globalThis as any).gc?.(), 5).unref();
const deadline = Date.now() + Number(process.argv[2] ?? 20000);
let bad = 0, reads = 0, writes = 0;
async function reader() {
  while (Date.now() < deadline) {
    const r = await store.readOnlyQuery("SELECT eid, actor, kind, n FROM t WHERE n < 4 ORDER BY n", { maxRows: 100, timeoutMs: 5000 });
    reads++;
    for (const row of r.rows) {
      const n = row[3] as number;
      if (row[0] !== 'START' || row[1] !== `teacher-${n % 10}` || row[2] !== (n % 3 === 0 ? null : 'User')) { bad++; if (bad < 5) console.log('BAD', JSON.stringify(r.rows)); break; }
    }
  }
}
async function writer() {
  let i = 4;
  while (Date.now() < deadline) {
    await store.serialised(async () => {
      await w.run(`INSERT INTO t SELECT 'X' || repeat('y', i % 40), 'filler-' || i, 'zzzzzzzzzzzzzzzzzz' || i, 1000 + i FROM range(2000) r(i)`);
      if (writes % 5 === 0) await w.run('CHECKPOINT');
    });
    writes++; i++;
  }
}
await Promise.all([reader(), reader(), reader(), writer()]);
console.log(JSON.stringify({ reads, writes, bad }));
await store.close();
