// The SDK's persistent queue called directly (issue 10: queue.ts was reached only through the whole client): what it
// adopts from storage, eviction, one write per burst, removal, the merge with another tab's writes, unreadable
// storage, and an asynchronous storage.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventQueue, type Queued } from '../src/queue.js';
import type { KeyValueStorage } from '../src/types.js';

/** A storage over a Map that counts writes. */
function memory(initial: Record<string, string> = {}, volatile = false) {
  const data = new Map(Object.entries(initial));
  const writes: string[] = [];
  const storage: KeyValueStorage = {
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => {
      writes.push(v);
      data.set(k, v);
    },
    removeItem: (k) => {
      data.delete(k);
    },
    volatile,
  };
  return { storage, data, writes };
}

const item = (mid: string): Queued => ({ mid, json: JSON.stringify({ mid, eid: 'LOG' }) });
const mids = (items: Queued[]) => items.map((e) => e.mid);
const stored = (data: Map<string, string>) =>
  (JSON.parse(data.get('q') ?? 'null') as { mid: string }[] | null)?.map((e) => e.mid);
const tick = () => new Promise<void>((r) => queueMicrotask(r));

test('events left in storage go first, without doubling events already queued; a long stored queue is trimmed', async () => {
  const logs: unknown[][] = [];
  const { storage } = memory({ q: JSON.stringify([{ mid: 'a' }, { mid: 'b' }, { mid: 'c' }]) });
  const queue = new EventQueue(storage, 'q', 3, (...args) => logs.push(args), false);
  queue.push(item('c'));
  queue.push(item('d'));
  await queue.load();
  // a, b from storage first, then c and d (c only once); over the cap of 3, the oldest (a) is evicted and counted.
  assert.deepEqual(mids(queue.peek(10)), ['b', 'c', 'd']);
  assert.equal(queue.size, 3);
  assert.equal(queue.evicted, 1);
  assert.deepEqual(logs, [
    ['evicted', 1],
    ['restored', 3],
  ]);
  assert.deepEqual(queue.peek(1)[0], { mid: 'b', json: JSON.stringify({ mid: 'b' }) });
  assert.deepEqual(mids(queue.peek(2)), ['b', 'c'], 'peek takes the oldest n');
});

test('nothing stored: nothing restored nor logged', async () => {
  const logs: unknown[][] = [];
  const queue = new EventQueue(memory().storage, 'q', 10, (...args) => logs.push(args), false);
  await queue.load();
  assert.equal(queue.size, 0);
  assert.deepEqual(logs, []);
});

test('unreadable storage is an empty queue: bad JSON, not an array, entries without a string mid', async () => {
  for (const raw of ['{not json', '{"mid":"x"}', '"text"', '']) {
    const queue = new EventQueue(memory({ q: raw }).storage, 'q', 10, () => {}, false);
    await queue.load();
    assert.equal(queue.size, 0, raw);
  }
  const queue = new EventQueue(
    memory({ q: JSON.stringify([null, 5, { mid: 7 }, { eid: 'x' }, { mid: 'ok', n: 1 }]) }).storage,
    'q',
    10,
    () => {},
    false,
  );
  await queue.load();
  assert.deepEqual(queue.peek(10), [{ mid: 'ok', json: '{"mid":"ok","n":1}' }]);
});

test('a burst of pushes is written once, after the burst, as a JSON array; a volatile storage is never written', async () => {
  const { storage, data, writes } = memory();
  const queue = new EventQueue(storage, 'q', 100, () => {}, false);
  for (const mid of ['a', 'b', 'c']) queue.push(item(mid));
  assert.equal(writes.length, 0, 'not during the burst');
  await tick();
  assert.equal(writes.length, 1);
  assert.equal(data.get('q'), `[${['a', 'b', 'c'].map((m) => item(m).json).join(',')}]`);
  const gone = memory({}, true);
  const volatileQueue = new EventQueue(gone.storage, 'q', 100, () => {}, false);
  volatileQueue.push(item('a'));
  volatileQueue.persistNow();
  await tick();
  assert.deepEqual(gone.writes, []);
});

test('pushing past the cap evicts the oldest, counts and logs them', async () => {
  const logs: unknown[][] = [];
  const queue = new EventQueue(memory().storage, 'q', 2, (...args) => logs.push(args), false);
  for (const mid of ['a', 'b', 'c', 'd']) queue.push(item(mid));
  assert.deepEqual(mids(queue.peek(10)), ['c', 'd']);
  assert.equal(queue.evicted, 2);
  assert.deepEqual(logs, [
    ['evicted', 1],
    ['evicted', 1],
  ]);
});

test('remove() takes out exactly the given events, says how many were still queued, and writes the queue', async () => {
  const { storage, data } = memory();
  const queue = new EventQueue(storage, 'q', 100, () => {}, false);
  const [a, b, c] = ['a', 'b', 'c'].map(item);
  for (const e of [a, b, c]) queue.push(e);
  await tick();
  assert.equal(queue.remove([a, c]), 2);
  assert.deepEqual(mids(queue.peek(10)), ['b']);
  assert.equal(queue.remove([a]), 0, 'already removed (a concurrent send won)');
  assert.equal(queue.remove([item('b')]), 0, 'the same mid is not the same queued event');
  await tick();
  assert.deepEqual(stored(data), ['b']);
});

test('clear() empties the queue and its storage, and cancels a pending write', async () => {
  const { storage, data, writes } = memory({ q: '[]' });
  const queue = new EventQueue(storage, 'q', 100, () => {}, false);
  queue.push(item('a'));
  queue.clear();
  await tick();
  assert.equal(queue.size, 0);
  assert.equal(data.has('q'), false);
  assert.deepEqual(writes, [], 'the write scheduled by push does not bring it back');
});

test('a shared storage (tabs): a write keeps the other tab’s events, but never ones this tab delivered or evicted', async () => {
  const { storage, data } = memory();
  const tab = new EventQueue(storage, 'q', 4, () => {}, true);
  const [a, b] = [item('a'), item('b')];
  tab.push(a);
  tab.push(b);
  await tick();
  // The other tab wrote its own x and y, and still lists a (it read before we delivered it).
  data.set('q', `[${[item('x').json, item('y').json, a.json, b.json].join(',')}]`);
  tab.remove([a]);
  await tick();
  assert.deepEqual(stored(data), ['x', 'y', 'b'], 'x, y kept; a delivered here is not resurrected');
  data.set('q', `[${['p', 'q', 'r', 'x', 'y'].map((m) => item(m).json).join(',')},${b.json}]`);
  tab.persistNow();
  assert.deepEqual(stored(data), ['r', 'x', 'y', 'b'], 'merged, the newest within the cap of 4');
  // Not shared: this tab's queue is written as it is.
  const single = memory({ q: `[${item('x').json}]` });
  const alone = new EventQueue(single.storage, 'q', 4, () => {}, false);
  alone.push(item('z'));
  await tick();
  assert.deepEqual(stored(single.data), ['z']);
});

test('an evicted event is not resurrected from a shared storage either', async () => {
  const { storage, data } = memory();
  const tab = new EventQueue(storage, 'q', 1, () => {}, true);
  tab.push(item('old'));
  tab.push(item('new'));
  data.set('q', `[${item('old').json}]`);
  tab.persistNow();
  assert.deepEqual(stored(data), ['new']);
});

test('an asynchronous storage (React Native) is read through its promise', async () => {
  const data = new Map([['q', JSON.stringify([{ mid: 'a' }])]]);
  const storage: KeyValueStorage = {
    getItem: async (k) => data.get(k) ?? null,
    setItem: async (k, v) => {
      data.set(k, v);
    },
    removeItem: async () => {},
  };
  const queue = new EventQueue(storage, 'q', 10, () => {}, false);
  const loading = queue.load();
  assert.ok(loading instanceof Promise, 'load() waits for the storage');
  assert.equal(queue.size, 0);
  await loading;
  assert.deepEqual(mids(queue.peek(10)), ['a']);
});
