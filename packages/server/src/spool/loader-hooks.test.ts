// The loader's after-load hook (the summarizer), its byte budget per load, stop(), status() and listeners (issue 10:
// mutants of loader.ts these behaviours had no test for). A fake store records each load; the hook is a promise the
// test settles.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/temp-dir.js';
import type { LoadedSegment, Store } from '../store/store.js';
import { Loader } from './loader.js';

/** A store whose loads each wait for `gate()` (default: resolve at once); records the files of each load. */
function recordingStore(gate: () => Promise<void> = async () => {}) {
  const loads: string[][] = [];
  const store = {
    loadSegment: async (files: string[], segment: number): Promise<LoadedSegment> => {
      loads.push(files.map((f) => path.basename(f)));
      await gate();
      return { segment, events: files.length, failed: 0, batches: 0, quarantined: 0, quarantinedMids: [] };
    },
  } as unknown as Store;
  return { store, loads };
}

/** Sealed segments 1..n with the given byte sizes, as files in a fresh directory. */
function segments(...bytes: number[]) {
  const dir = tempDir('loader-hooks-');
  return bytes.map((b, i) => {
    const file = path.join(dir, `segment-${i + 1}.log`);
    fs.writeFileSync(file, 'x');
    return { segment: i + 1, file, bytes: b };
  });
}

/** A promise with its resolve function. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const until = async (condition: () => boolean) => {
  for (let waited = 0; !condition() && waited < 30_000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  assert.ok(condition(), 'condition not reached within 30 s');
};

/**
 * How many loads have committed. Listeners are called just before the load asks for an after-load run, in the same
 * turn: waiting for the count (not for an empty backlog, which comes before the files are deleted) means the
 * request was made.
 */
function countLoads(loader: Loader): () => number {
  let n = 0;
  loader.onLoaded(() => n++);
  return () => n;
}

test('a fresh loader: empty status, and idle() neither runs the after-load hook nor waits', async () => {
  let runs = 0;
  const { store } = recordingStore();
  const loader = new Loader({
    store,
    afterLoad: async () => {
      runs++;
    },
  });
  assert.deepEqual(loader.status(), {
    backlogSegments: 0,
    backlogBytes: 0,
    lagSeconds: 0,
    failing: false,
    storeDown: false,
    lastError: undefined,
    lastErrorAt: undefined,
    failures: 0,
  });
  assert.equal(loader.backlog, 0);
  await loader.idle();
  assert.equal(runs, 0, 'no load, no after-load run');
  assert.equal(loader.afterLoadRunningLongerThan(0, Date.now() + 1000), false);
});

test('status counts the backlog in segments and bytes, and its lag from the oldest segment', async () => {
  const gate = deferred();
  const { store } = recordingStore(() => gate.promise);
  const loader = new Loader({ store });
  const before = Date.now();
  const sealed = segments(10, 20, 30);
  for (const s of sealed) loader.enqueue(s);
  assert.equal(loader.backlog, 3, 'the load in flight keeps its segments queued until it commits');
  const status = loader.status(before + 60_000);
  assert.deepEqual([status.backlogSegments, status.backlogBytes], [3, 60]);
  // Enqueued at or after `before` and no later than now, so the lag at before + 60 s is at most 60 s, at least 59 s
  // unless this took a minute.
  assert.ok(status.lagSeconds <= 60 && status.lagSeconds > 30, String(status.lagSeconds));
  assert.equal(loader.status(before - 60_000).lagSeconds, 0, 'a clock that went back reports no negative lag');
  gate.resolve();
  await loader.idle();
  assert.deepEqual([loader.status().backlogSegments, loader.status().backlogBytes, loader.backlog], [0, 0, 0]);
});

test('behind(s): undefined while the oldest segment is younger; else settles when the load under way ends', async () => {
  const gate = deferred();
  const { store } = recordingStore(() => gate.promise);
  const loader = new Loader({ store });
  assert.equal(loader.behind(0), undefined, 'nothing queued');
  const now = Date.now();
  for (const s of segments(10, 20)) loader.enqueue(s);
  assert.equal(loader.behind(5, now + 4_000), undefined);
  const ended = loader.behind(5, now + 6_000);
  assert.ok(ended);
  assert.equal(loader.behind(5, now + 7_000), ended, 'one promise per load (the read gate counts time against it)');
  let settled = false;
  void ended.then(() => (settled = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(settled, false, 'the load is still under way');
  gate.resolve();
  await ended;
  await loader.idle();
  assert.equal(loader.behind(0, now + 60_000), undefined, 'all loaded');
});

test('behind(s) settles, never rejects, when the load under way fails; between attempts it is settled', async () => {
  const gate = deferred();
  let calls = 0;
  const store = {
    loadSegment: async () => {
      calls++;
      await gate.promise;
      throw new Error('Out of Memory Error: failed to pin block');
    },
  } as unknown as Store;
  const loader = new Loader({ store, maxBackoffMs: 600_000 });
  loader.enqueue(segments(10)[0]);
  const ended = loader.behind(0, Date.now() + 1_000);
  assert.ok(ended);
  gate.resolve();
  await ended;
  await until(() => calls === 1 && loader.status().failing);
  const waiting = loader.behind(0, Date.now() + 1_000);
  assert.ok(waiting, 'still behind while it waits to retry');
  await waiting;
  await loader.stop(0);
});

test('a backlog is loaded in batches of at most maxBytesPerLoad, oldest first, at least one segment each', async () => {
  let gate = deferred();
  const { store, loads } = recordingStore(() => gate.promise);
  const loader = new Loader({ store, maxBytesPerLoad: 25 });
  const sealed = segments(10, 10, 10, 5, 10, 40, 10);
  loader.enqueue(sealed[0]);
  await until(() => loads.length === 1);
  for (const s of sealed.slice(1)) loader.enqueue(s);
  for (let i = 0; i < 6 && !(loads.length === 5 && loader.backlog === 0); i++) {
    const open = gate;
    gate = deferred();
    open.resolve();
    await until(() => loads.length > i + 1 || loader.backlog === 0);
  }
  gate.resolve();
  await loader.idle();
  // 10+10+5 = 25 fits (<=); 10 then 40 does not; 40 alone is over the budget but still goes; then 10. (Counting the
  // bytes down instead of up would take everything at once.)
  assert.deepEqual(loads, [
    ['segment-1.log'],
    ['segment-2.log', 'segment-3.log', 'segment-4.log'],
    ['segment-5.log'],
    ['segment-6.log'],
    ['segment-7.log'],
  ]);
});

test('without maxBytesPerLoad a backlog of small segments is loaded in one go (the default budget is 16 MB)', async () => {
  let gate = deferred();
  const { store, loads } = recordingStore(() => gate.promise);
  const loader = new Loader({ store });
  const sealed = segments(4096, 4096, 4096, 4096, 4096);
  loader.enqueue(sealed[0]);
  await until(() => loads.length === 1);
  for (const s of sealed.slice(1)) loader.enqueue(s);
  const open = gate;
  gate = deferred();
  gate.resolve();
  open.resolve();
  await loader.idle();
  assert.deepEqual(
    loads.map((l) => l.length),
    [1, 4],
  );
});

test('the after-load hook runs after a load, and a load during a run asks for one more run, after the interval', async () => {
  const starts: number[] = [];
  let hook = deferred();
  const { store } = recordingStore();
  const loader = new Loader({
    store,
    afterLoadIntervalMs: 300,
    afterLoad: () => {
      starts.push(performance.now());
      return hook.promise;
    },
  });
  const [first, second] = segments(1, 1);
  const loads = countLoads(loader);
  loader.enqueue(first);
  await until(() => starts.length === 1);
  assert.equal(loader.afterLoadRunningLongerThan(60_000), false, 'running, but not for a minute yet');
  assert.equal(loader.afterLoadRunningLongerThan(60_000, Date.now() + 61_000), true);
  loader.enqueue(second);
  await until(() => loads() === 2);
  assert.equal(starts.length, 1, 'never two runs at once');
  const open = hook;
  hook = deferred();
  open.resolve();
  hook.resolve();
  await until(() => starts.length === 2);
  assert.ok(starts[1] - starts[0] >= 299, `the second run waited for the interval: ${starts[1] - starts[0]} ms`);
  await loader.idle();
  assert.equal(starts.length, 2);
  assert.equal(loader.afterLoadRunningLongerThan(0, Date.now() + 1000), false, 'no run in flight');
});

test('idle() runs a pending after-load run at once instead of waiting for the interval', async () => {
  const starts: number[] = [];
  let hook = deferred();
  const { store } = recordingStore();
  const loader = new Loader({
    store,
    afterLoadIntervalMs: 600_000,
    afterLoad: () => {
      starts.push(performance.now());
      return hook.promise;
    },
  });
  const [first, second] = segments(1, 1);
  const loads = countLoads(loader);
  loader.enqueue(first);
  await until(() => starts.length === 1);
  loader.enqueue(second);
  await until(() => loads() === 2);
  const open = hook;
  hook = deferred();
  hook.resolve();
  open.resolve();
  await loader.idle();
  assert.equal(starts.length, 2, 'the run the second load asked for, not 10 minutes later');
});

test('idle() waits for an after-load run in flight when no load is', async () => {
  let finished = false;
  const { store } = recordingStore();
  const loader = new Loader({
    store,
    afterLoad: () =>
      new Promise<void>((resolve) =>
        setTimeout(() => {
          finished = true;
          resolve();
        }, 100),
      ),
  });
  loader.enqueue(segments(1)[0]);
  await until(() => loader.backlog === 0);
  await loader.idle();
  assert.equal(finished, true);
});

test('a failing after-load hook is logged, and runs again after the next load', async () => {
  const logged: string[] = [];
  let runs = 0;
  const { store } = recordingStore();
  const loader = new Loader({
    store,
    afterLoadIntervalMs: 0,
    log: (message) => logged.push(message),
    afterLoad: async () => {
      runs++;
      if (runs === 1) throw new Error('summaries table locked');
    },
  });
  const [first, second] = segments(1, 1);
  loader.enqueue(first);
  await loader.idle();
  assert.equal(runs, 1);
  assert.deepEqual(logged, ['after-load hook failed; it runs again after the next load']);
  loader.enqueue(second);
  await loader.idle();
  assert.equal(runs, 2);
});

test('requestAfterLoad() without a hook does nothing; with one, it runs at once when the interval has passed', async () => {
  const { store } = recordingStore();
  const bare = new Loader({ store });
  bare.requestAfterLoad();
  await bare.idle();
  let runs = 0;
  const loader = new Loader({
    store,
    afterLoad: async () => {
      runs++;
    },
  });
  loader.requestAfterLoad();
  assert.equal(runs, 1, 'ran synchronously: no run before, so no interval to wait for');
  await loader.idle();
});

test('stop(drainMs) stops after the load in flight and leaves the rest queued; no hook runs after stop', async () => {
  let hookRuns = 0;
  let gate = deferred();
  const { store, loads } = recordingStore(() => gate.promise);
  const loader = new Loader({
    store,
    maxBytesPerLoad: 1,
    afterLoadIntervalMs: 0,
    afterLoad: async () => {
      hookRuns++;
    },
  });
  const sealed = segments(1, 1, 1);
  for (const s of sealed) loader.enqueue(s);
  await until(() => loads.length === 1);
  const stopping = loader.stop(10);
  // The deadline passes while the first load is still in flight; stop() then waits for that load only.
  await new Promise((r) => setTimeout(r, 50));
  const open = gate;
  gate = deferred();
  open.resolve();
  await stopping;
  assert.equal(hookRuns, 0, 'the load that finished after the deadline runs no hook');
  assert.equal(loads.length, 1, 'no load started after stop');
  assert.equal(loader.backlog, 2, 'the rest stays queued (and in the spool) for the next start');
  const runsAtStop = hookRuns;
  loader.requestAfterLoad();
  loader.enqueue(segments(1)[0]);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(hookRuns, runsAtStop, 'a stopped loader runs no hook');
  assert.equal(loads.length, 1, 'a stopped loader loads nothing');
  gate.resolve();
});

test('stop() without a deadline loads everything queued first', async () => {
  const { store, loads } = recordingStore(() => new Promise((r) => setTimeout(r, 20)));
  const loader = new Loader({ store, maxBytesPerLoad: 1 });
  for (const s of segments(1, 1, 1)) loader.enqueue(s);
  await loader.stop();
  assert.equal(loads.length, 3);
  assert.equal(loader.backlog, 0);
});

test('listeners get each load with its duration in seconds, until they unsubscribe', async () => {
  const { store } = recordingStore(() => new Promise((r) => setTimeout(r, 30)));
  const loader = new Loader({ store });
  const heard: [number, number][] = [];
  const unsubscribe = loader.onLoaded((loaded, seconds) => heard.push([loaded.segment, seconds]));
  const [first, second] = segments(1, 1);
  const started = performance.now();
  loader.enqueue(first);
  await loader.idle();
  const elapsedSeconds = (performance.now() - started) / 1000;
  assert.equal(heard.length, 1);
  assert.equal(heard[0][0], 1);
  // At least the store's 30 ms, at most the time the whole load took around it: seconds, measured from its start.
  assert.ok(heard[0][1] >= 0.029 && heard[0][1] <= elapsedSeconds, `${heard[0][1]} s of ${elapsedSeconds} s`);
  unsubscribe();
  loader.enqueue(second);
  await loader.idle();
  assert.equal(heard.length, 1, 'an unsubscribed listener hears nothing');
});

test('a load that commits while a run outlasts the interval still gets its own run afterwards', async () => {
  let runs = 0;
  let hook = deferred();
  const { store } = recordingStore();
  const loader = new Loader({
    store,
    afterLoadIntervalMs: 0,
    afterLoad: () => {
      runs++;
      return hook.promise;
    },
  });
  const [first, second] = segments(1, 1);
  const loads = countLoads(loader);
  loader.enqueue(first);
  await until(() => runs === 1);
  // The interval (0 ms) has passed, but a run is in flight: the request must wait for it, not be dropped.
  loader.enqueue(second);
  await until(() => loads() === 2);
  const open = hook;
  hook = deferred();
  hook.resolve();
  open.resolve();
  await loader.idle();
  assert.equal(runs, 2);
});

test('a failing after-load hook without a log function is not an unhandled rejection', async () => {
  let runs = 0;
  const { store } = recordingStore();
  const loader = new Loader({
    store,
    afterLoad: async () => {
      runs++;
      throw new Error('summaries table locked');
    },
  });
  loader.enqueue(segments(1)[0]);
  await loader.idle();
  await loader.stop();
  assert.equal(runs, 1);
});

test('a load failure says whether the store is down: only StoreError STORE_UNAVAILABLE is', async () => {
  const { StoreError } = await import('../store/store.js');
  for (const [error, down] of [
    [new StoreError('STORE_UNAVAILABLE', 'disk full'), true],
    [new StoreError('STORE_LOCKED', 'database is locked'), false],
    [new StoreError('STORE_REOPENING', 'the database is being opened again'), false],
    [new StoreError('STORE_OUT_OF_MEMORY', 'failed to pin block'), false],
    [Object.assign(new Error('disk full'), { code: 'STORE_UNAVAILABLE' }), false],
  ] as const) {
    let calls = 0;
    const store = {
      loadSegment: async () => {
        calls++;
        throw error;
      },
    } as unknown as Store;
    const loader = new Loader({ store, maxBackoffMs: 600_000 });
    loader.enqueue(segments(1)[0]);
    await until(() => calls === 1 && loader.status().failing);
    assert.equal(loader.status().storeDown, down, error.message);
    await loader.stop(0);
  }
});

test('a loaded segment file is deleted, also when it is already gone', async () => {
  const { store } = recordingStore();
  const loader = new Loader({ store });
  const [kept, gone] = segments(1, 1);
  fs.rmSync(gone.file);
  loader.enqueue(kept);
  loader.enqueue(gone);
  await loader.idle();
  assert.equal(fs.existsSync(kept.file), false);
  assert.equal(loader.status().failing, false, 'a missing file is not a load failure');
});
