/**
 * A full disk: the data directory on a small tmpfs this test mounts (as root) and fills. Every
 * ingestion request is answered (200, or 503 with a JSON reason while the disk is full), /health
 * says why while it is, every event answered 200 is stored exactly once when space returns, and
 * ingestion recovers by itself.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BatchFactory } from '../bench/batch.js';
import { HEALTH_REASONS } from '../src/api/health.js';
import { parseRecords } from '../src/spool/segment-format.js';
import { SegmentLog } from '../src/spool/segment-log.js';
import { segmentFile, wholeLength } from '../src/spool/segment-recovery.js';
import { eventually, sql, startTestServer, tempDir } from './helpers.js';

/** Why this test cannot run here, or undefined when it can (root, and mount permitted). */
function cannotMount(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs';
  const probe = tempDir('mount-probe-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'mount is not permitted here (a container without CAP_SYS_ADMIN)';
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

/** The open files under `dir` of every process (/proc/<pid>/fd), as `pid: path`, to say what keeps a mount busy. */
function openFilesUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith(`${dir}/`)) found.push(`${pid}: ${target}`);
      }
    } catch {
      // the process ended meanwhile, or its fds are not ours to read
    }
  }
  return found;
}

/**
 * Unmounts `mount`, waiting up to 10 s while it is busy: a store's files can still be closing when close() returns
 * (once, in CI: "target is busy"). @throws with the files still open under it when it stays busy
 */
async function unmount(mount: string): Promise<void> {
  let failure: unknown;
  const unmounted = async () => {
    try {
      execFileSync('umount', [mount], { stdio: 'pipe' });
      return true;
    } catch (error) {
      failure = error;
      return false;
    }
  };
  await eventually(unmounted, 10_000).catch(() => {
    throw new Error(`umount ${mount}: ${failure}; open: ${openFilesUnder(mount).join(', ') || 'none'}`);
  });
}

/** Fills the file system of `dir` to its last byte with `file`. */
function fill(file: string): void {
  const fd = fs.openSync(file, 'a');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (let i = 0; i < 100_000; i++) fs.writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    fs.closeSync(fd);
  }
  // Byte by byte for the last partial chunk.
  const small = Buffer.alloc(512, 1);
  const tail = fs.openSync(file, 'a');
  try {
    for (let i = 0; i < 1000; i++) fs.writeSync(tail, small);
  } catch {
    // full
  } finally {
    fs.closeSync(tail);
  }
}

const skip = cannotMount();

test('the spool on a full disk: a short or failed write is cut off, never merged; appends work again once space returns', {
  skip,
}, async () => {
  const mount = tempDir('spool-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]);
  try {
    const dir = path.join(mount, 'spool');
    fs.mkdirSync(dir);
    const log = new SegmentLog({ dir, rotateMs: 60_000, onSealed: () => {} }, 1);
    const record = (n: number, size: number) => `e\x1f${n}\x1f0${'\x1f'.repeat(10)}\x02${'x'.repeat(size)}\x02\n`;
    await log.append(record(1, 100));
    fs.writeFileSync(path.join(mount, 'slack'), Buffer.alloc(64 * 1024, 1));
    fill(path.join(mount, 'filler'));
    fs.rmSync(path.join(mount, 'slack'));
    // 64 kB free: a 200 kB group is written in part (a short write), then fails: rejected and cut off.
    await assert.rejects(log.append(record(2, 200 * 1024)), /ENOSPC|no space/i);
    const file = segmentFile(dir, 1);
    const afterFailure = fs.readFileSync(file);
    assert.equal(wholeLength(afterFailure), afterFailure.length, 'only whole groups are on disk');
    await log.append(record(3, 100)); // fits into the space the cut gave back
    fs.rmSync(path.join(mount, 'filler'));
    await log.append(record(4, 200 * 1024));
    await log.close();
    const data = fs.readFileSync(file);
    assert.equal(wholeLength(data), data.length);
    const syncts: string[] = [];
    parseRecords(data, 0, data.length, (fields) => fields[0] === 'e' && syncts.push(fields[1]));
    assert.deepEqual(syncts, ['1', '3', '4'], 'the acknowledged records, none merged with the failed one');
  } finally {
    await unmount(mount);
    fs.rmSync(mount, { recursive: true, force: true });
  }
});

test('disk full: 503 with a reason, /health says so, every 200 is stored once when space returns', {
  skip,
}, async (t) => {
  const mount = tempDir('disk-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mount]);
  const server = await startTestServer({ dataDir: mount });
  const factory = new BatchFactory(100);
  const acked: string[] = [];
  const post = async () => {
    const batch = factory.nextWithIds();
    const response = await fetch(`${server.url}/v1/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: batch.body,
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as { params: { err?: string }; result: { stored?: number } };
    if (response.status === 200) {
      assert.equal(body.result.stored, 100);
      acked.push(...batch.mids);
    } else {
      assert.equal(response.status, 503, JSON.stringify(body));
      assert.equal(body.params.err, 'INGEST_STORE_UNAVAILABLE');
    }
    return response.status;
  };
  try {
    assert.equal(await post(), 200);
    await eventually(async () => Number((await sql(server, 'SELECT count(*) FROM events'))[0][0]) === 100, 30_000);

    // Full but for 256 kB: a few batches fit (one torn by a short write), then the spool and the store run out.
    fs.writeFileSync(path.join(mount, 'slack'), Buffer.alloc(256 * 1024, 1));
    fill(path.join(mount, 'filler'));
    fs.rmSync(path.join(mount, 'slack'));
    let refused = 0;
    const healthReasons = new Set<string>();
    for (let i = 0; i < 300 && (refused < 5 || healthReasons.size === 0); i++) {
      if ((await post()) === 503) refused++;
      const health = await fetch(`${server.url}/health`);
      const body = (await health.json()) as { result: { reasons: string[] } };
      if (health.status === 503) for (const reason of body.result.reasons) healthReasons.add(reason);
      else assert.equal(health.status, 200);
      if (i % 10 === 9) fill(path.join(mount, `filler-${i}`)); // what the loader freed is taken again
    }
    t.diagnostic(`${acked.length / 100} batches acknowledged, ${refused} refused; /health: ${[...healthReasons]}`);
    assert.ok(refused >= 5, 'a full disk is answered with 503s');
    assert.ok(healthReasons.size > 0, '/health answered 503 while the disk was full');
    for (const reason of healthReasons) assert.ok((HEALTH_REASONS as readonly string[]).includes(reason), reason);

    // PostHog's capture answers a full disk alike, in PostHog's error shape, with when to retry.
    const posthogAcked: string[] = [];
    let refusal: Response | undefined;
    for (let i = 0; i < 50 && !refusal; i++) {
      if (i % 10 === 0) fill(path.join(mount, `filler-posthog-${i}`));
      const uuid = randomUUID();
      const response = await fetch(`${server.url}/e/`, {
        method: 'POST',
        body: JSON.stringify([{ event: 'full', distinct_id: 'u', uuid, token: 'any' }]),
        signal: AbortSignal.timeout(30_000),
      });
      if (response.status === 200) posthogAcked.push(uuid);
      else refusal = response;
    }
    assert.ok(refusal, 'a full disk is answered with a 503 on /e/ too');
    const refused503 = (await refusal.json()) as Record<string, unknown>;
    assert.equal(refusal.status, 503, JSON.stringify(refused503));
    assert.equal(refusal.headers.get('retry-after'), '1');
    assert.deepEqual([refused503.type, refused503.code], ['server_error', 'INGEST_STORE_UNAVAILABLE']);

    // Space returns: ingestion and loading recover by themselves.
    for (const name of fs.readdirSync(mount)) if (name.startsWith('filler')) fs.rmSync(path.join(mount, name));
    await eventually(async () => (await post()) === 200, 60_000);
    await eventually(async () => (await fetch(`${server.url}/health`)).status === 200, 60_000);
    const list = acked.map((mid) => `'${mid.replace(/[^A-Za-z0-9:]/g, '')}'`).join(',');
    await eventually(
      async () =>
        Number((await sql(server, `SELECT count(*) FROM events WHERE mid IN (${list})`))[0][0]) === acked.length,
      60_000,
    );
    const uuids = posthogAcked.map((uuid) => `'${uuid}'`).join(',') || "''";
    await eventually(
      async () =>
        Number((await sql(server, `SELECT count(*) FROM events WHERE mid IN (${uuids})`))[0][0]) ===
        posthogAcked.length,
      60_000,
    );
    assert.deepEqual(await sql(server, 'SELECT count(*) - count(DISTINCT mid) FROM events'), [[0]]);
  } finally {
    await server.close();
    await unmount(mount);
    fs.rmSync(mount, { recursive: true, force: true });
  }
});
