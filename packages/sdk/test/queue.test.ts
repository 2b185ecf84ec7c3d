// The SDK's persistent queue called directly (issue 10: queue.ts was reached only through the whole client): what it
// adopts from storage, eviction, one write per burst, removal, the snapshot keys tabs share localStorage with, unreadable
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
  const queue = new EventQueue(storage, 'q', 3, (...args) => logs.push(args));
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
  const queue = new EventQueue(memory().storage, 'q', 10, (...args) => logs.push(args));
  await queue.load();
  assert.equal(queue.size, 0);
  assert.deepEqual(logs, []);
});

test('unreadable storage is an empty queue: bad JSON, not an array, entries without a string mid', async () => {
  for (const raw of ['{not json', '{"mid":"x"}', '"text"', '']) {
    const queue = new EventQueue(memory({ q: raw }).storage, 'q', 10, () => {});
    await queue.load();
    assert.equal(queue.size, 0, raw);
  }
  const queue = new EventQueue(
    memory({ q: JSON.stringify([null, 5, { mid: 7 }, { eid: 'x' }, { mid: 'ok', n: 1 }]) }).storage,
    'q',
    10,
    () => {},
  );
  await queue.load();
  assert.deepEqual(queue.peek(10), [{ mid: 'ok', json: '{"mid":"ok","n":1}' }]);
});

test('a burst of pushes is written once, after the burst, as a JSON array; a volatile storage is never written', async () => {
  const { storage, data, writes } = memory();
  const queue = new EventQueue(storage, 'q', 100, () => {});
  for (const mid of ['a', 'b', 'c']) queue.push(item(mid));
  assert.equal(writes.length, 0, 'not during the burst');
  await tick();
  assert.equal(writes.length, 1);
  assert.equal(data.get('q'), `[${['a', 'b', 'c'].map((m) => item(m).json).join(',')}]`);
  const gone = memory({}, true);
  const volatileQueue = new EventQueue(gone.storage, 'q', 100, () => {});
  volatileQueue.push(item('a'));
  volatileQueue.persistNow();
  await tick();
  assert.deepEqual(gone.writes, []);
});

test('pushing past the cap evicts the oldest, counts and logs them', async () => {
  const logs: unknown[][] = [];
  const queue = new EventQueue(memory().storage, 'q', 2, (...args) => logs.push(args));
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
  const queue = new EventQueue(storage, 'q', 100, () => {});
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
  const queue = new EventQueue(storage, 'q', 100, () => {});
  queue.push(item('a'));
  queue.clear();
  await tick();
  assert.equal(queue.size, 0);
  assert.equal(data.has('q'), false);
  assert.deepEqual(writes, [], 'the write scheduled by push does not bring it back');
});

/** A shared storage (localStorage) for one tab's queue: the queue lists its keys. */
const sharedQueue = (m: ReturnType<typeof memory>, max = 10) =>
  new EventQueue(
    m.storage,
    'q',
    max,
    () => {},
    () => [...m.data.keys()],
  );
const snapshots = (data: Map<string, string>) => [...data.keys()].filter((k) => /^q:[0-9a-f-]{36}$/.test(k));
const ID = 'q:00000000-0000-4000-8000-000000000000';

test('a shared storage (tabs): each write goes to a fresh key and removes the tab’s previous one, nothing else', async () => {
  const m = memory({ [ID]: `[${item('x').json}]`, other: 'kept' });
  const tab = sharedQueue(m, 2);
  const [a, b, c] = ['a', 'b', 'c'].map(item);
  tab.push(a);
  tab.push(b);
  await tick();
  const [first] = snapshots(m.data).filter((k) => k !== ID);
  assert.deepEqual(JSON.parse(m.data.get(first)!), [
    { mid: 'a', eid: 'LOG' },
    { mid: 'b', eid: 'LOG' },
  ]);
  tab.push(c); // over the cap of 2: a is evicted, and is not written
  tab.remove([b]);
  await tick();
  const [second] = snapshots(m.data).filter((k) => k !== ID);
  assert.notEqual(second, first, 'a new key, never the same one rewritten');
  assert.equal(m.data.has(first), false, 'the previous snapshot is removed');
  assert.deepEqual(JSON.parse(m.data.get(second)!), [{ mid: 'c', eid: 'LOG' }]);
  tab.remove([c]);
  await tick();
  assert.deepEqual([...m.data.keys()], [ID, 'other'], 'an empty queue has no key; another tab’s snapshot is untouched');
});

test('a loading page adopts every snapshot and an older version’s key, each mid once, then removes them', async () => {
  const m = memory({
    q: `[${item('a').json},${item('b').json}]`,
    [ID]: `[${item('b').json},${item('c').json}]`,
    'q:not-a-snapshot': `[${item('z').json}]`,
    other: 'kept',
  });
  const tab = sharedQueue(m);
  tab.push(item('d'));
  await tab.load();
  assert.deepEqual(mids(tab.peek(10)), ['a', 'b', 'c', 'd']);
  const [own] = snapshots(m.data);
  assert.deepEqual(
    [...m.data.keys()].sort(),
    [own, 'other', 'q:not-a-snapshot'].sort(),
    'written under its own key before the adopted ones go',
  );
  assert.deepEqual(stored(new Map([['q', m.data.get(own)!]])), ['a', 'b', 'c', 'd']);
});

test('a page whose writes are refused (quota) leaves the snapshots it read for the next page', async () => {
  const m = memory({ [ID]: `[${item('a').json}]` });
  m.storage.setItem = () => {};
  const tab = sharedQueue(m);
  await tab.load();
  assert.deepEqual(mids(tab.peek(10)), ['a'], 'in memory');
  assert.deepEqual([...m.data.keys()], [ID], 'and still in storage');
});

test('a snapshot that fits only once the previous one is gone is written after removing it', async () => {
  const m = memory();
  const set = m.storage.setItem;
  // Room for one snapshot of two events, not for two snapshots at once.
  m.storage.setItem = (k, v) => {
    if ([...m.data.values()].reduce((n, x) => n + x.length, 0) + v.length <= 2 * item('a').json.length + 3) set(k, v);
  };
  const tab = sharedQueue(m);
  tab.push(item('a'));
  await tick();
  tab.push(item('b'));
  await tick();
  assert.deepEqual(
    snapshots(m.data).map((k) => stored(new Map([['q', m.data.get(k)!]]))),
    [['a', 'b']],
  );
});

test('clear() on a shared storage removes every tab’s snapshot and an older version’s key, nothing else', async () => {
  const m = memory({ q: '[]', [ID]: `[${item('x').json}]`, other: 'kept' });
  const tab = sharedQueue(m);
  tab.push(item('a'));
  await tick();
  tab.clear();
  assert.deepEqual([...m.data.keys()], ['other']);
  assert.equal(tab.size, 0);
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
  const queue = new EventQueue(storage, 'q', 10, () => {});
  const loading = queue.load();
  assert.ok(loading instanceof Promise, 'load() waits for the storage');
  assert.equal(queue.size, 0);
  await loading;
  assert.deepEqual(mids(queue.peek(10)), ['a']);
});
