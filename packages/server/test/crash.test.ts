/**
 * Crash safety of the real `telemetry serve` process: an event acknowledged with a 200 survives a
 * `kill -9` mid-load (it was fsynced to the spool first), is loaded exactly once after a restart,
 * and a re-sent batch comes back as duplicates. A `kill -9` while a segment holding events the
 * store refuses is being loaded (bisected): after a restart the valid events are stored once and
 * the refused ones are in failed_events once. SIGTERM ends the process within its bound even when
 * a load is in flight. A second process on the same data directory is refused with a clear
 * message while the first keeps working.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BatchFactory } from '../bench/batch.js';
import { type Child, children, freePort, HOST, startChild, stopChild, waitReady } from '../bench/child-process.js';
import { segmentFile } from '../src/spool/segment-recovery.js';
import { sql } from './helpers.js';
import { writePoisonSegment } from './poison-segment.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../src/cli.ts');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const dirs: string[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'telemetry-crash-'));
  dirs.push(dir);
  return dir;
}

type Serve = Child;

function serve(dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<Serve> {
  return freePort().then((port) =>
    startChild(
      'serve',
      ['--conditions=development', '--import', 'tsx', CLI, 'serve'],
      { PORT: String(port), HOST, TELEMETRY_DATA_DIR: dataDir, ...env },
      port,
    ),
  );
}

/** Resolves once the server answers HTTP at all (a /health 503 included). */
function listening(server: Serve): Promise<void> {
  return waitReady(server, '/health', 60_000, () => true);
}

/** The value of one Prometheus sample line of GET /metrics. */
async function metric(server: Serve, name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

/** A data directory whose spool holds one unloaded segment of valid and poisonous events. */
function poisonedDataDir(valid: number, poisons: number) {
  const dataDir = tempDir();
  fs.mkdirSync(path.join(dataDir, 'spool'));
  return { dataDir, ...writePoisonSegment(segmentFile(path.join(dataDir, 'spool'), 1), valid, poisons) };
}

/** After loading: every valid event once, every poisonous one in failed_events once (reason load_error). */
async function assertLoadedOnce(server: Serve, mids: string[], poisonMids: string[]): Promise<void> {
  const deadline = Date.now() + 120_000;
  let present = await countPresent(server, mids);
  while (present < mids.length && Date.now() < deadline) {
    await sleep(500);
    present = await countPresent(server, mids);
  }
  assert.equal(present, mids.length, `all ${mids.length} valid events are stored`);
  assert.equal(await scalar(server, 'SELECT count(*) - count(DISTINCT mid) FROM events'), 0, 'no mid twice');
  const quarantined = await sql(
    server,
    "SELECT mid, reason, errors[1] FROM failed_events WHERE reason = 'load_error' ORDER BY mid",
  );
  assert.deepEqual(
    quarantined.map((row) => row[0]),
    [...poisonMids].sort(),
    'each poisonous event is in failed_events, once',
  );
  for (const row of quarantined) assert.match(String(row[2]), /Conversion Error|out of range/i, String(row[2]));
}

/** Resolves once GET /health answers 200; fails if the process exits first or after `timeoutMs`. */
function healthy(server: Serve, timeoutMs = 60_000): Promise<void> {
  return waitReady(server, '/health', timeoutMs, (status) => status === 200);
}

function stop(server: Serve): Promise<number | null> {
  return stopChild(server, 30_000);
}

interface IngestResponse {
  status: number;
  result?: { stored: number; duplicates: number; rejected: number; duplicate_batch: boolean };
}

async function post(server: Serve, body: string): Promise<IngestResponse> {
  const response = await fetch(`${server.url}/v1/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  const json = (await response.json()) as { result?: IngestResponse['result'] };
  return { status: response.status, result: json.result };
}

async function scalar(server: Serve, query: string): Promise<number> {
  return Number((await sql(server, query))[0]?.[0]);
}

/** How many of `mids` are in `events` (the ids are hex from the factory: safe as SQL literals). */
async function countPresent(server: Serve, mids: string[]): Promise<number> {
  let present = 0;
  for (let i = 0; i < mids.length; i += 2000) {
    const list = mids
      .slice(i, i + 2000)
      .map((mid) => {
        assert.match(mid, /^INTERACT:[0-9a-f]+$/);
        return `'${mid}'`;
      })
      .join(',');
    present += await scalar(server, `SELECT count(*) FROM events WHERE mid IN (${list})`);
  }
  return present;
}

test('every acknowledged event survives kill -9 mid-load, exactly once, and re-sends are duplicates', async (t) => {
  const dataDir = tempDir();
  const first = await serve(dataDir);
  await healthy(first);

  // 4 clients post unique 100-event batches; the server is killed while they are at it.
  const acked: Array<{ body: string; mids: string[] }> = [];
  let sent = 0;
  let failedAfterKill = 0;
  let killed = false;
  const loadEnds = Date.now() + 3000;
  const client = async (id: number) => {
    const factory = new BatchFactory(100, `c${id}${Math.random().toString(16).slice(2, 8)}`);
    for (let n = 0; n < 100_000 && Date.now() < loadEnds + 1000; n++) {
      const batch = factory.nextWithIds();
      sent++;
      let response: IngestResponse;
      try {
        response = await post(first, batch.body);
      } catch (error) {
        assert.ok(killed, `a request failed before the kill: ${(error as Error).message}`);
        failedAfterKill++;
        return;
      }
      assert.equal(response.status, 200);
      assert.equal(response.result?.stored, 100, 'every id is unique, so every event is stored');
      acked.push(batch);
    }
  };
  const clients = [0, 1, 2, 3].map(client);
  // Kill once there is a real load on (well into the 3 s), not at a quiet moment.
  await sleep(2000);
  assert.ok(acked.length > 0, 'some batches were acknowledged before the kill');
  killed = true;
  first.process.kill('SIGKILL');
  assert.equal(await first.exited, null, 'killed by the signal, no exit code');
  await Promise.all(clients);
  assert.ok(failedAfterKill > 0, 'the kill happened mid-load (requests were in flight)');
  const ackedMids = acked.flatMap((batch) => batch.mids);

  // The restart recovers the spool and loads everything before it reports healthy.
  const second = await serve(dataDir);
  try {
    await healthy(second);
    const deadline = Date.now() + 60_000;
    let present = await countPresent(second, ackedMids);
    while (present < ackedMids.length && Date.now() < deadline) {
      await sleep(500);
      present = await countPresent(second, ackedMids);
    }
    assert.equal(present, ackedMids.length, `all ${ackedMids.length} acknowledged events are stored`);
    assert.equal(await scalar(second, 'SELECT count(*) - count(DISTINCT mid) FROM events'), 0, 'no mid twice');
    const total = await scalar(second, 'SELECT count(*) FROM events');
    t.diagnostic(
      `${sent} batches sent, ${acked.length} acknowledged, ${failedAfterKill} cut by the kill; ${total} events stored`,
    );
    // Unacknowledged requests may or may not have made it; nothing else can be there.
    assert.ok(total >= ackedMids.length && total <= sent * 100, `${total} events stored for ${sent} batches sent`);

    for (const batch of [acked[0], acked[Math.floor(acked.length / 2)], acked[acked.length - 1]]) {
      const again = await post(second, batch.body);
      assert.equal(again.status, 200);
      assert.equal(again.result?.stored, 0);
      assert.equal(again.result?.duplicates, 100);
      assert.equal(again.result?.duplicate_batch, true, 'answered from the batch index rebuilt at restart');
    }
    // And it takes new events.
    const fresh = await post(second, new BatchFactory(100).next());
    assert.equal(fresh.result?.stored, 100);
    assert.equal(await scalar(second, 'SELECT count(*) - count(DISTINCT mid) FROM events'), 0);
  } finally {
    assert.equal(await stop(second), 0, `clean shutdown: ${second.output()}`);
  }
});

test('kill -9 while a segment with poisonous events is loading: after restart, valid events once, poisonous ones in failed_events', async () => {
  const { dataDir, mids, poisonMids } = poisonedDataDir(10_000, 5);
  const first = await serve(dataDir);
  await listening(first);
  // The server listens at once; the segment is still being loaded (bisected): nothing committed yet.
  assert.equal(await metric(first, 'telemetry_events_loaded_total'), 0);
  assert.ok((await metric(first, 'telemetry_loader_backlog_bytes')) > 0, 'the poisoned segment is queued');
  const acked = new BatchFactory(100).nextWithIds();
  assert.equal((await post(first, acked.body)).status, 200);
  first.process.kill('SIGKILL');
  assert.equal(await first.exited, null, 'killed by the signal');

  const second = await serve(dataDir);
  try {
    await listening(second);
    await assertLoadedOnce(second, [...mids, ...acked.mids], poisonMids);
    await healthy(second, 120_000);
  } finally {
    assert.equal(await stop(second), 0, `clean shutdown: ${second.output()}`);
  }
});

test('SIGTERM ends the process within its bound while a long load is in flight; nothing is lost', async () => {
  const { dataDir, mids, poisonMids } = poisonedDataDir(10_000, 5);
  const first = await serve(dataDir, { TELEMETRY_SHUTDOWN_TIMEOUT_MS: '300' });
  await listening(first);
  assert.equal(await metric(first, 'telemetry_events_loaded_total'), 0, 'the load is in flight');
  first.process.kill('SIGTERM');
  const timer = setTimeout(() => first.process.kill('SIGKILL'), 60_000);
  const code = await first.exited;
  clearTimeout(timer);
  assert.equal(code, 0, `exits by itself, not killed by the test: ${first.output()}`);
  assert.match(first.output(), /not stopped after 300 ms; exiting/, 'the bound ended it, not the load');

  const second = await serve(dataDir);
  try {
    await listening(second);
    await assertLoadedOnce(second, mids, poisonMids);
  } finally {
    assert.equal(await stop(second), 0, `clean shutdown: ${second.output()}`);
  }
});

test('a second serve on the same data directory is refused with a clear error; the first keeps working', async () => {
  const dataDir = tempDir();
  const first = await serve(dataDir);
  try {
    await healthy(first);
    const second = await serve(dataDir);
    const timer = setTimeout(() => second.process.kill('SIGKILL'), 60_000);
    const code = await second.exited;
    clearTimeout(timer);
    assert.notEqual(code, 0, 'the second process fails');
    assert.notEqual(code, null, 'it exits by itself (not killed by the timeout)');
    assert.match(second.output(), /in use by another process/i, second.output());

    const response = await post(first, new BatchFactory(100).next());
    assert.equal(response.status, 200);
    assert.equal(response.result?.stored, 100);
    const deadline = Date.now() + 30_000;
    let count = await scalar(first, 'SELECT count(*) FROM events');
    while (count < 100 && Date.now() < deadline) {
      await sleep(200);
      count = await scalar(first, 'SELECT count(*) FROM events');
    }
    assert.equal(count, 100);
  } finally {
    assert.equal(await stop(first), 0, `clean shutdown: ${first.output()}`);
  }
});
