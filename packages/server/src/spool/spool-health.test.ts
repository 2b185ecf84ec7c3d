// The spool's health for /health (spool-health.ts): a probe write, rate-limited and bounded, says the spool cannot
// be written before any commit fails, and clears a failed commit's error once it writes again, without traffic.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { PROBE_FILE, SpoolHealth } from './spool-health.js';

test('an unwritable spool directory is reported before any commit fails, and healthy again once it is writable', async () => {
  const dir = tempDir('spool-health-');
  const spool = path.join(dir, 'spool');
  fs.writeFileSync(spool, 'not a directory'); // what root cannot be stopped by (chmod), a file in its place can
  let now = 1_000;
  const health = new SpoolHealth({ lastError: undefined }, { dir: spool, intervalMs: 2000, now: () => now });
  assert.match((await health.error()) ?? '', /^the spool directory cannot be written: .*ENOTDIR/);
  fs.rmSync(spool);
  fs.mkdirSync(spool);
  now += 1999;
  assert.match((await health.error()) ?? '', /ENOTDIR/, 'the last probe is reused within the interval');
  now += 1;
  assert.equal(await health.error(), undefined);
  assert.deepEqual(fs.readdirSync(spool), [], `${PROBE_FILE} is removed after each probe`);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a failed commit's error stays until a probe started after it writes; then it is cleared", async () => {
  const dir = tempDir('spool-health-');
  let now = 1_000;
  const spool = { lastError: undefined as string | undefined };
  let writes = 0;
  const health = new SpoolHealth(spool, {
    dir,
    intervalMs: 2000,
    now: () => now,
    write: async () => {
      writes++;
    },
  });
  assert.equal(await health.error(), undefined);
  spool.lastError = 'ENOSPC: no space left on device';
  now += 500;
  assert.equal(await health.error(), spool.lastError, 'the probe before the failure does not clear it');
  assert.equal(writes, 1);
  now += 1500;
  assert.equal(await health.error(), undefined, 'a probe after it wrote: healthy, with no commit since');
  assert.equal(spool.lastError, undefined);
  assert.equal(writes, 2);
  spool.lastError = 'ENOSPC: no space left on device'; // fails again, same message
  now += 100;
  assert.equal(await health.error(), spool.lastError, 'the same message again is a new failure');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a probe write that hangs is a failure after the timeout; no second write joins it', async () => {
  const dir = tempDir('spool-health-');
  let now = 1_000;
  let writes = 0;
  let finish: () => void = () => {};
  const health = new SpoolHealth(
    { lastError: undefined },
    {
      dir,
      intervalMs: 10,
      timeoutMs: 20,
      now: () => now,
      write: () => {
        writes++;
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
    },
  );
  assert.match((await health.error()) ?? '', /did not finish within 20 ms/);
  now += 10;
  assert.match((await health.error()) ?? '', /an earlier probe write has not finished/);
  assert.equal(writes, 1);
  finish();
  await new Promise((resolve) => setImmediate(resolve));
  now += 10;
  const answer = health.error();
  finish();
  assert.equal(await answer, undefined);
  assert.equal(writes, 2);
  fs.rmSync(dir, { recursive: true, force: true });
});
