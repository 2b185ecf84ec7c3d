/**
 * `npm run bench:sql-load`: 16 endless queries at once against the real server (launched as `telemetry
 * serve`), with /health and ingestion probed while they run. Prints how far past its timeout the slowest
 * query was answered and the p99 latency of /health and ingestion during the load; last line JSON.
 * Settings: SQL_LOAD_QUERIES (16), SQL_LOAD_TIMEOUT_MS (2000), TELEMETRY_QUERY_CONCURRENCY (2).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stopChild } from './child-process.js';
import { ENDLESS_QUERY, percentile, runSqlLoad, startServe } from './sql-load-run.js';

const queries = Number(process.env.SQL_LOAD_QUERIES ?? 16);
const timeoutMs = Number(process.env.SQL_LOAD_TIMEOUT_MS ?? 2000);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'telemetry-sql-load-'));
const server = await startServe({ TELEMETRY_DATA_DIR: dataDir, TELEMETRY_SQL_TIMEOUT_MS: String(timeoutMs) });
try {
  const load = await runSqlLoad(server.url, ENDLESS_QUERY, queries);
  const during = (probes: typeof load.health) =>
    probes.filter((p) => p.duringLoad && p.status === 200).map((p) => p.ms);
  const codes: Record<string, number> = {};
  for (const q of load.queries) codes[q.code ?? String(q.status)] = (codes[q.code ?? String(q.status)] ?? 0) + 1;
  const worst = Math.max(...load.queries.map((q) => q.ms));
  const result = {
    bench: 'sql-load',
    queries,
    timeoutMs,
    answers: codes,
    worstQueryMs: Math.round(worst),
    worstPastTimeoutMs: Math.round(worst - timeoutMs),
    healthDuringLoad: during(load.health).length,
    healthP99Ms: Math.round(percentile(during(load.health), 99)),
    ingestDuringLoad: during(load.ingest).length,
    ingestP99Ms: Math.round(percentile(during(load.ingest), 99)),
    cpus: os.cpus().length,
  };
  console.log(
    `${queries} queries answered: ${JSON.stringify(codes)}; slowest ${result.worstQueryMs} ms (timeout ${timeoutMs} ms)`,
  );
  console.log(`/health during the load: ${result.healthDuringLoad} answers, p99 ${result.healthP99Ms} ms`);
  console.log(`ingestion during the load: ${result.ingestDuringLoad} answers, p99 ${result.ingestP99Ms} ms`);
  console.log(JSON.stringify(result));
} finally {
  await stopChild(server, 30_000);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
