/**
 * One process per data directory's spool (src/spool/spool-lock.ts), with real `telemetry` processes: a second serve
 * naming another store, an import and a simulate on a live directory are refused before they touch it, naming the
 * directory and the owner's pid, while the owner keeps working and loses nothing; the lock goes with a clean stop
 * and a lock left by kill -9 is taken over at the next start.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BatchFactory } from '../bench/batch.js';
import { type Child, children, HOST, startChild, stopChild, waitReady } from '../bench/child-process.js';
import { SPOOL_LOCK_FILE } from '../src/spool/spool-lock.js';
import { eventually, sql } from './helpers.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src/cli.ts');
const NODE_ARGS = ['--conditions=development', '--import', 'tsx', CLI];

const dirs: string[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telemetry-spool-lock-'));
  dirs.push(dir);
  return dir;
}

/** Ports of this file's servers, in the range the project's tests may use. */
let nextPort = 35_600 + (process.pid % 50) * 4;

/** `telemetry serve` on `dataDir`, a segment rotating only every minute (so what it acknowledged stays spooled). */
function serve(dataDir: string, env: NodeJS.ProcessEnv = {}): Child {
  const port = nextPort++;
  return startChild(
    'serve',
    [...NODE_ARGS, 'serve'],
    { PORT: String(port), HOST, TELEMETRY_DATA_DIR: dataDir, TELEMETRY_SPOOL_ROTATE_MS: '60000', ...env },
    port,
  );
}

const healthy = (server: Child) => waitReady(server, '/health', 60_000, (status) => status === 200);

/** `telemetry …args` to its end: exit code and everything it wrote. */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

async function post(server: Child, body: string): Promise<number> {
  const response = await fetch(`${server.url}/v1/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  const json = (await response.json()) as { result?: { stored: number } };
  assert.equal(response.status, 200);
  return json.result?.stored ?? 0;
}

const count = async (server: Child) => Number((await sql(server, 'SELECT count(DISTINCT mid) FROM events'))[0][0]);

/** The refusal: names the directory and the owner's pid, and it is the spool lock's (not DuckDB's) message. */
function assertRefused(result: { code: number | null; output: string }, dataDir: string, owner: Child): void {
  assert.notEqual(result.code, 0, result.output);
  assert.notEqual(result.code, null, 'it exits by itself');
  assert.ok(
    result.output.includes(`the data directory ${dataDir} is in use by another process (pid ${owner.pid})`),
    result.output,
  );
}

test('a second serve on the same data directory with another store is refused; the first keeps every event', async () => {
  const dataDir = tempDir();
  const other = path.join(tempDir(), 'other.duckdb');
  const first = serve(dataDir);
  try {
    await healthy(first);
    // Acknowledged and still in the open segment: what the second process's recovery used to take and delete.
    const factory = new BatchFactory(100);
    assert.equal(await post(first, factory.next()), 100);

    const second = serve(dataDir, { TELEMETRY_STORE: `duckdb:${other}` });
    // Should it start (the fault), it is stopped after a minute and fails the assertions below.
    const timer = setTimeout(() => second.process.kill('SIGKILL'), 60_000);
    const code = await second.exited;
    clearTimeout(timer);
    assertRefused({ code, output: second.output() }, dataDir, first);
    assert.equal(fs.existsSync(other), false, 'the other store was not even created');

    assert.equal(await post(first, factory.next()), 100);
    await eventually(async () => (await count(first)) === 200);
  } finally {
    assert.equal(await stopChild(first, 30_000), 0, first.output());
  }
  assert.equal(fs.existsSync(path.join(dataDir, SPOOL_LOCK_FILE)), false, 'a clean stop gives the spool up');

  // A restart works; a kill -9 leaves the lock behind, and the next start takes it over (its pid is dead).
  const again = serve(dataDir);
  await healthy(again);
  assert.equal(await count(again), 200);
  again.process.kill('SIGKILL');
  await again.exited;
  assert.equal(
    fs.readFileSync(path.join(dataDir, SPOOL_LOCK_FILE), 'utf8'),
    `${again.pid} ${os.hostname()}\n`,
    'left by kill -9',
  );
  const third = serve(dataDir);
  try {
    await healthy(third);
    assert.equal(await count(third), 200, 'nothing lost');
    assert.equal(fs.readFileSync(path.join(dataDir, SPOOL_LOCK_FILE), 'utf8'), `${third.pid} ${os.hostname()}\n`);
  } finally {
    assert.equal(await stopChild(third, 30_000), 0, third.output());
  }
});

test('import and simulate into a live data directory (another store) are refused; the server loses nothing', async () => {
  const dataDir = tempDir();
  const other = path.join(tempDir(), 'other.duckdb');
  const server = serve(dataDir);
  try {
    await healthy(server);
    assert.equal(await post(server, new BatchFactory(100).next()), 100);
    const file = path.join(tempDir(), 'batch.ndjson');
    fs.writeFileSync(file, `${new BatchFactory(10).next()}\n`);
    const env = { TELEMETRY_STORE: `duckdb:${other}` };
    assertRefused(await run(['import', '--data-dir', dataDir, '-q', file], env), dataDir, server);
    assertRefused(await run(['simulate', '--data-dir', dataDir, '--users', '2', '--days', '1'], env), dataDir, server);
    assert.equal(fs.existsSync(other), false, 'the other store was not even created');
    await eventually(async () => (await count(server)) === 100);
  } finally {
    assert.equal(await stopChild(server, 30_000), 0, server.output());
  }
});
