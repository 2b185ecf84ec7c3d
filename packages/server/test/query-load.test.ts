/**
 * The real `telemetry serve` (through its launcher, built dist/) under heavy user queries: 16 endless
 * queries at once each end with a timeout answer while /health and ingestion keep answering, and a 1 GB
 * result is cut to the byte limit with memory given back afterwards. Bounds are generous; no timing asserted.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { children, LAUNCHER, stopChild } from '../bench/child-process.js';
import { ENDLESS_QUERY, runSqlLoad, startServe } from '../bench/sql-load-run.js';
import { eventually } from './helpers.js';
import { tempDir } from './temp-dir.js';

const MAX_BYTES = 4 * 1024 * 1024;
let server: Awaited<ReturnType<typeof startServe>>;
let dataDir: string;

before(async () => {
  assert.ok(
    fs.existsSync(path.resolve(LAUNCHER, '../../dist/cli.js')),
    'run `npm run build` first: the launcher runs dist/',
  );
  dataDir = tempDir('telemetry-query-load-');
  server = await startServe({
    TELEMETRY_DATA_DIR: dataDir,
    // Long enough for the 1 GB query's first chunk on a loaded machine; the endless ones wait it out.
    TELEMETRY_SQL_TIMEOUT_MS: '20000',
    TELEMETRY_QUERY_MAX_BYTES: String(MAX_BYTES),
  });
});
after(async () => {
  if (server) await stopChild(server, 30_000);
  for (const child of children) child.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Resident memory of the server process, in MB (Linux /proc). */
function rssMb(): number {
  const status = fs.readFileSync(`/proc/${server.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

test('16 endless queries at once each end with SQL_TIMEOUT while /health and ingestion keep answering', async () => {
  const load = await runSqlLoad(server.url, ENDLESS_QUERY, 16);
  assert.deepEqual(
    load.queries.map((q) => `${q.status} ${q.code}`),
    Array(16).fill('400 SQL_TIMEOUT'),
  );
  const answeredDuring = (probes: typeof load.health) => probes.filter((p) => p.duringLoad && p.status === 200);
  assert.ok(answeredDuring(load.health).length >= 1, `/health during the load: ${JSON.stringify(load.health)}`);
  assert.ok(answeredDuring(load.ingest).length >= 1, `ingestion during the load: ${JSON.stringify(load.ingest)}`);
  assert.deepEqual(
    [...load.health, ...load.ingest].filter((p) => p.status !== 200),
    [],
    'every /health and ingestion request was answered 200',
  );
});

test('a 1 GB result is cut at the byte limit, and the memory it took is given back', async () => {
  const before = rssMb();
  const response = await fetch(`${server.url}/api/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: "SELECT repeat('x', 100000) AS s FROM range(10000)" }),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  assert.equal(response.status, 200, text.slice(0, 300));
  const body = JSON.parse(text) as { rows: string[][]; truncated: boolean; truncatedReason?: string };
  assert.equal(body.truncated, true);
  assert.equal(body.truncatedReason, 'bytes');
  assert.ok(body.rows.length > 0 && body.rows.length < 10_000);
  assert.ok(Buffer.byteLength(JSON.stringify(body.rows)) <= MAX_BYTES);
  // Generous: within 256 MB of where it started, polled for up to a minute.
  await eventually(async () => rssMb() < before + 256, 60_000);
});
