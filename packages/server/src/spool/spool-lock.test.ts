// The spool lock in one process: held once, refused while held (naming the holder), released, and a stale lock (a
// dead pid, a torn file, our own pid from a previous life) taken over. Across processes: test/spool-lock.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { lockSpool, SPOOL_LOCK_FILE, SpoolLockedError } from './spool-lock.js';

/** What this process writes in its lock: its pid and host name. */
const OWN = `${process.pid} ${os.hostname()}\n`;

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'spool-lock-'));

/** A pid that was a process and is no more: a child that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

test('one owner: a second lock is refused naming the directory and the pid, until the first is released', () => {
  const dir = path.join(tempDir(), 'data');
  const lock = lockSpool(dir);
  const file = path.join(dir, SPOOL_LOCK_FILE);
  assert.equal(fs.readFileSync(file, 'utf8'), OWN, 'the directory is created, the pid and host written');
  assert.throws(
    () => lockSpool(dir),
    (error: unknown) =>
      error instanceof SpoolLockedError &&
      error.code === 'SPOOL_LOCKED' &&
      error.pid === process.pid &&
      error.message.includes(`the data directory ${dir} is in use by another process (pid ${process.pid})`),
  );
  lock.release();
  lock.release(); // idempotent
  assert.equal(fs.existsSync(file), false, 'a release removes the file');
  lockSpool(dir).release();
});

test('a live other process holding the lock refuses; a dead one, a torn file or our own pid is taken over', () => {
  const dir = tempDir();
  const file = path.join(dir, SPOOL_LOCK_FILE);
  // The parent of this test process is alive for as long as the test runs.
  fs.writeFileSync(file, `${process.ppid}\n`);
  assert.throws(() => lockSpool(dir), { name: 'SpoolLockedError', message: new RegExp(`\\(pid ${process.ppid}\\)`) });
  assert.equal(fs.readFileSync(file, 'utf8'), `${process.ppid}\n`, 'a live lock is left alone');

  const host = os.hostname();
  for (const stale of [`${deadPid()}\n`, `${deadPid()} ${host}\n`, '', 'garbage', `${process.pid}\n`, OWN]) {
    fs.writeFileSync(file, stale);
    const lock = lockSpool(dir);
    assert.equal(fs.readFileSync(file, 'utf8'), OWN, `stale ${JSON.stringify(stale)} taken over`);
    lock.release();
  }
  assert.deepEqual(fs.readdirSync(dir), [], 'nothing left behind (no set-aside file)');
});

test("a release does not remove a lock that is no longer this process's", () => {
  const dir = tempDir();
  const file = path.join(dir, SPOOL_LOCK_FILE);
  const lock = lockSpool(dir);
  fs.writeFileSync(file, `${process.ppid}\n`); // an operator removed ours, another process took the spool
  lock.release();
  assert.equal(fs.readFileSync(file, 'utf8'), `${process.ppid}\n`);
});

test('a lock written on another host (a container sharing the volume) is refused, whatever its pid, naming the host', () => {
  const dir = tempDir();
  const file = path.join(dir, SPOOL_LOCK_FILE);
  // Each container runs the collector as pid 1: our own pid, or a pid that is dead here, is not stale over there.
  for (const pid of [process.pid, 1, deadPid()]) {
    fs.writeFileSync(file, `${pid} another-container\n`);
    assert.throws(() => lockSpool(dir), {
      name: 'SpoolLockedError',
      message: new RegExp(`\\(pid ${pid} on host another-container\\)`),
    });
    assert.equal(fs.readFileSync(file, 'utf8'), `${pid} another-container\n`, 'left alone');
  }
});

test('a lock name that is a directory is refused with a clear reason, and left where it was', () => {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, SPOOL_LOCK_FILE));
  assert.throws(() => lockSpool(dir), /spool\.lock is a directory, not a lock file: remove it/);
  assert.deepEqual(fs.readdirSync(dir), [SPOOL_LOCK_FILE]);
});

test('many takers at once on a fresh directory: exactly one holds it (the lock is never seen empty)', async () => {
  const dir = tempDir();
  // Each child waits for the same instant, takes the lock, says what happened; a holder keeps it until killed.
  const script = `
    import { lockSpool } from ${JSON.stringify(new URL('./spool-lock.ts', import.meta.url).href)};
    const start = Number(process.argv[1]);
    while (Date.now() < start) {}
    try { lockSpool(${JSON.stringify(dir)}); console.log('held'); setInterval(() => {}, 1000); }
    catch (e) { console.log(e.name); }`;
  const { spawn } = await import('node:child_process');
  const start = Date.now() + 3000;
  const children = Array.from({ length: 8 }, () =>
    spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script, String(start)]),
  );
  try {
    const outputs = await Promise.all(
      children.map(
        (child) =>
          new Promise<string>((resolve) => {
            let out = '';
            child.stdout.on('data', (chunk) => {
              out += chunk;
              if (out.includes('\n')) resolve(out.trim());
            });
            child.on('close', () => resolve(out.trim()));
          }),
      ),
    );
    assert.equal(outputs.filter((o) => o === 'held').length, 1, outputs.join(', '));
    assert.equal(outputs.filter((o) => o === 'SpoolLockedError').length, 7, outputs.join(', '));
  } finally {
    for (const child of children) child.kill('SIGKILL');
  }
});
