/**
 * The read gate: bounded concurrency, a bounded queue (STORE_BUSY), a read queued past its deadline never starts, and
 * reads yield to a loader that is behind.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadGate } from './read-gate.js';
import type { StoreError } from './store.js';

const later = (ms: number) => Date.now() + ms;

function blocker(): { promise: Promise<void>; release: () => void } {
  let release = () => {};
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

test('runs at most `concurrency` reads at once, the rest in arrival order', async () => {
  const gate = new ReadGate({ concurrency: 2, queue: 10 });
  const order: number[] = [];
  let running = 0;
  let most = 0;
  const block = blocker();
  const reads = [0, 1, 2, 3, 4].map((i) =>
    gate.run(later(60_000), async () => {
      running++;
      most = Math.max(most, running);
      order.push(i);
      await block.promise;
      running--;
      return i;
    }),
  );
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(gate.load, { running: 2, waiting: 3 });
  block.release();
  assert.deepEqual(await Promise.all(reads), [0, 1, 2, 3, 4]);
  assert.equal(most, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  assert.deepEqual(gate.load, { running: 0, waiting: 0 });
});

test('a full queue refuses at once with STORE_BUSY', async () => {
  const gate = new ReadGate({ concurrency: 1, queue: 1 });
  const block = blocker();
  const first = gate.run(later(60_000), () => block.promise);
  const second = gate.run(later(60_000), async () => 'second');
  await assert.rejects(
    gate.run(later(60_000), async () => 'third'),
    (error: StoreError) => error.code === 'STORE_BUSY',
  );
  block.release();
  await first;
  assert.equal(await second, 'second');
});

test('a read still queued at its deadline never starts and answers STORE_TIMEOUT', async () => {
  const gate = new ReadGate({ concurrency: 1, queue: 4 });
  const block = blocker();
  const first = gate.run(later(60_000), () => block.promise);
  let started = false;
  const queued = gate.run(later(30), async () => {
    started = true;
  });
  await assert.rejects(
    queued,
    (error: StoreError) => error.code === 'STORE_TIMEOUT' && /never started/.test(error.message),
  );
  assert.deepEqual(gate.load, { running: 1, waiting: 0 });
  block.release();
  await first;
  assert.equal(started, false);
});

test('a read whose deadline has passed on arrival never starts', async () => {
  const gate = new ReadGate({ concurrency: 1, queue: 1 });
  let started = false;
  await assert.rejects(
    gate.run(Date.now() - 1, async () => {
      started = true;
    }),
    (error: StoreError) => error.code === 'STORE_TIMEOUT',
  );
  assert.equal(started, false);
});

test('a failing read frees its slot', async () => {
  const gate = new ReadGate({ concurrency: 1, queue: 1 });
  await assert.rejects(
    gate.run(later(60_000), async () => Promise.reject(new Error('boom'))),
    /boom/,
  );
  assert.equal(await gate.run(later(60_000), async () => 'next'), 'next');
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('while the loader is behind: one read at a time; past the budget beside a load, the next waits for it', async () => {
  let load = blocker();
  let behind = true;
  const gate = new ReadGate({
    concurrency: 2,
    queue: 10,
    readBudgetMs: 30,
    loaderBehind: () => (behind ? load.promise : undefined),
  });
  const started: string[] = [];
  await gate.run(later(60_000), async () => {
    started.push('quick');
  });
  assert.deepEqual(started, ['quick'], 'within the budget a read does not wait for the load');
  const slow = gate.run(later(60_000), async () => {
    started.push('slow');
    await sleep(40);
  });
  const next = gate.run(later(60_000), async () => {
    started.push('next');
  });
  await sleep(10);
  assert.deepEqual(gate.load, { running: 1, waiting: 1 }, 'one at a time while behind');
  await slow;
  await sleep(20);
  assert.deepEqual(started, ['quick', 'slow'], 'the budget is spent: the next read waits for the load under way');
  const ended = load;
  load = blocker(); // the next load begins, with a budget of its own
  ended.release();
  await next;
  assert.deepEqual(started, ['quick', 'slow', 'next']);

  behind = false; // caught up: two reads at once again, and none waits
  const both = blocker();
  const two = [0, 1].map(() => gate.run(later(60_000), () => both.promise));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(gate.load, { running: 2, waiting: 0 });
  both.release();
  await Promise.all(two);
});

test('a read that waits on a load past its deadline never starts and answers STORE_TIMEOUT', async () => {
  const load = blocker();
  const gate = new ReadGate({ concurrency: 2, queue: 10, readBudgetMs: 0, loaderBehind: () => load.promise });
  await gate.run(later(60_000), async () => {}); // spends the budget of 0 ms
  let started = false;
  await assert.rejects(
    gate.run(later(30), async () => {
      started = true;
    }),
    (error: StoreError) => error.code === 'STORE_TIMEOUT',
  );
  assert.equal(started, false);
  assert.deepEqual(gate.load, { running: 0, waiting: 0 });
  load.release();
});
