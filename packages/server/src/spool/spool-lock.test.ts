// The spool lock in one process: held once, refused while held (naming the holder), released, and a stale lock (a
// dead pid, a torn file, our own pid from a previous life) taken over. Across processes: test/spool-lock.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { lockSpool, SPOOL_LOCK_FILE, SpoolLockedError } from './spool-lock.js';

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
  assert.equal(fs.readFileSync(file, 'utf8'), `${process.pid}\n`, 'the directory is created, the pid written');
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

  for (const stale of [`${deadPid()}\n`, '', 'garbage', `${process.pid}\n`]) {
    fs.writeFileSync(file, stale);
    const lock = lockSpool(dir);
    assert.equal(fs.readFileSync(file, 'utf8'), `${process.pid}\n`, `stale ${JSON.stringify(stale)} taken over`);
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
