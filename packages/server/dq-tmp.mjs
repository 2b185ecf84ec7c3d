import { DuckDBInstance } from '@duckdb/node-api';
const i = await DuckDBInstance.create(':memory:'); const c = await i.connect();
const sql = process.argv[2];
const r = await c.runAndReadAll(sql); console.log(JSON.stringify(r.getRowsJS(), (k,v)=> typeof v==='bigint'? Number(v): v));
