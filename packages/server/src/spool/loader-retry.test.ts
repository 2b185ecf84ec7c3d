// The loader when the store cannot load (issue 10): the same segments are retried, never skipped, with waits that
// double from 200 ms up to maxBackoffMs; its status says so while it fails and clears once a load succeeds; stop()
// cuts a retry wait short.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import { type LoadedSegment, type Store, StoreError } from '../store/store.js';
import { Loader } from './loader.js';

/** A store whose first `failures` loads throw `error`; records each attempt. */
function flakyStore(failures: number, error: () => Error) {
  const attempts: { at: number; files: string[]; segment: number }[] = [];
  const store = {
    loadSegment: async (files: string[], segment: number): Promise<LoadedSegment> => {
      attempts.push({ at: performance.now(), files, segment });
      if (attempts.length <= failures) throw error();
      return { segment, events: files.length, failed: 0, batches: 0, quarantined: 0, quarantinedMids: [] };
    },
  } as unknown as Store;
  return { store, attempts };
}

function segments(n: number) {
  const dir = tempDir('loader-retry-');
  return Array.from({ length: n }, (_, i) => {
    const file = path.join(dir, `segment-${i + 1}.log`);
    fs.writeFileSync(file, 'x');
    return { segment: i + 1, file, bytes: 1 };
  });
}

test('a failing load is retried with doubling waits, the same segments each time, until it succeeds', async () => {
  const { store, attempts } = flakyStore(3, () => new StoreError('STORE_UNAVAILABLE', 'disk full'));
  const loaded: LoadedSegment[] = [];
  const loader = new Loader({ store, maxBackoffMs: 1000 });
  loader.onLoaded((l) => loaded.push(l));
  const sealed = segments(2);
  for (const s of sealed) loader.enqueue(s);
  // While it fails, /health's view of it says so.
  for (let waited = 0; attempts.length < 2 && waited < 10_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  const failing = loader.status();
  assert.deepEqual(
    [failing.failing, failing.storeDown, failing.failures, failing.lastError, failing.backlogSegments],
    [true, true, 2, 'disk full', 2],
  );
  await loader.idle();
  assert.equal(attempts.length, 4);
  // The first attempt started as segment 1 arrived; every retry takes the backlog from segment 1 on, none skips it.
  assert.deepEqual(
    attempts.map((a) => [a.files.length, a.files[0], a.segment]),
    [[1, sealed[0].file, 1], ...[1, 2, 3].map(() => [2, sealed[0].file, 2])],
  );
  // Waits of 200, 400, 800 ms (100 × 2^failures): a timer never fires early (1 ms of rounding allowed).
  const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i].at);
  for (const [i, wait] of [200, 400, 800].entries()) assert.ok(gaps[i] >= wait - 1, `gap ${i}: ${gaps[i]} ms`);
  assert.deepEqual(loaded, [{ segment: 2, events: 2, failed: 0, batches: 0, quarantined: 0, quarantinedMids: [] }]);
  const after = loader.status();
  assert.deepEqual(
    [after.failing, after.storeDown, after.failures, after.lastError, after.backlogSegments],
    [false, false, 0, undefined, 0],
  );
  assert.ok(
    sealed.every((s) => !fs.existsSync(s.file)),
    'loaded segment files are deleted',
  );
});

test('a failure that is not the store being down is failing but not storeDown; stop() cuts the retry wait short', async () => {
  const { store, attempts } = flakyStore(Number.POSITIVE_INFINITY, () => new Error('constraint violated'));
  const loader = new Loader({ store, maxBackoffMs: 600_000 });
  loader.enqueue(segments(1)[0]);
  for (let waited = 0; attempts.length < 2 && waited < 10_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  const status = loader.status();
  assert.deepEqual([status.failing, status.storeDown, status.failures], [true, false, 2]);
  // The next wait is 400 ms and the cap 10 minutes; stop() must not wait for either.
  await loader.stop(0);
  assert.equal(loader.status().backlogSegments, 1, 'what was not loaded stays queued (and in the spool)');
});

test('the wait between attempts is capped at maxBackoffMs', async () => {
  const { store, attempts } = flakyStore(6, () => new Error('busy'));
  const loader = new Loader({ store, maxBackoffMs: 150 });
  loader.enqueue(segments(1)[0]);
  await loader.idle();
  assert.equal(attempts.length, 7);
  // Uncapped, the six waits would take 200 + 400 + … + 6,400 = 12.6 s; capped, each is 150 ms (so at least that).
  const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i].at);
  assert.ok(
    gaps.every((g) => g >= 149),
    gaps.join(', '),
  );
  assert.ok(attempts.at(-1)!.at - attempts[0].at < 10_000, 'six capped waits (0.9 s), not 12.6 s of doubling ones');
});
