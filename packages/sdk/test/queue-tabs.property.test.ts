/**
 * Tabs sharing localStorage, modelled the way browsers implement it: one store (in Chromium, the browser process)
 * and in each tab a cache that answers its reads. A tab's writes change its cache at once and reach the store later,
 * in order; the store's changes reach the other tabs' caches later still. So a tab's read-then-write is never atomic
 * with respect to another tab, however short it is. Whatever the interleaving of tabs opening, tracking, sending,
 * closing and of those deliveries, no event may be lost: a tab opened at the end sends every event not yet sent, and
 * afterwards nothing is left in storage. (An event may go twice, from two tabs: the collector drops it by mid.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { EventQueue, type Queued } from '../src/queue.js';
import type { KeyValueStorage } from '../src/types.js';

type Op = [key: string, value: string | null];

/** One tab's view of the shared store: its cache, its writes on their way to the store, the store's news for it. */
interface Tab {
  queue: EventQueue;
  cache: Map<string, string>;
  outbox: Op[];
  inbox: Op[];
  open: boolean;
}

/** The shared store and its tabs; `step` delivers one pending message, to the store or to a tab's cache. */
function browser() {
  const store = new Map<string, string>();
  const tabs: Tab[] = [];
  const apply = (m: Map<string, string>, [k, v]: Op) => (v === null ? m.delete(k) : m.set(k, v));
  return {
    store,
    tabs,
    /** A new tab reads the store as it is now; its queue loads from that. */
    open(): Tab {
      const cache = new Map(store);
      const tab: Tab = { cache, outbox: [], inbox: [], open: true, queue: undefined as unknown as EventQueue };
      const write = (op: Op) => {
        apply(cache, op);
        tab.outbox.push(op);
      };
      const storage: KeyValueStorage = {
        getItem: (k) => cache.get(k) ?? null,
        setItem: (k, v) => write([k, v]),
        removeItem: (k) => write([k, null]),
      };
      tab.queue = new EventQueue(
        storage,
        'q',
        1000,
        () => {},
        () => [...cache.keys()],
      );
      tab.queue.load();
      tabs.push(tab);
      return tab;
    },
    /** Tab `i`'s oldest write reaches the store, and is queued for every other open tab's cache. */
    toStore(tab: Tab): void {
      const op = tab.outbox.shift();
      if (!op) return;
      apply(store, op);
      for (const t of tabs) if (t !== tab && t.open) t.inbox.push(op);
    },
    /** The oldest change from the store reaches tab `i`'s cache. */
    toTab(tab: Tab): void {
      const op = tab.inbox.shift();
      if (op) apply(tab.cache, op);
    },
    /** Every message delivered (writes in flight from closed tabs too). */
    settle(): void {
      while (tabs.some((t) => t.outbox.length || t.inbox.length))
        for (const t of tabs) {
          this.toStore(t);
          this.toTab(t);
        }
    },
  };
}

const item = (mid: string): Queued => ({ mid, json: JSON.stringify({ mid }) });
const tick = () => new Promise<void>((r) => queueMicrotask(r));
/** Every event still in storage, whatever key it is under. */
const inStore = (store: Map<string, string>) =>
  [...store.values()].flatMap((v) => (JSON.parse(v) as { mid: string }[]).map((e) => e.mid));

type Step =
  | { kind: 'open' }
  | { kind: 'track'; tab: number; n: number }
  | { kind: 'send'; tab: number; n: number }
  | { kind: 'close'; tab: number; hide: boolean }
  | { kind: 'toStore' | 'toTab'; tab: number };

/** Runs `steps`, then closes every tab, lets every message arrive and opens one more tab, which sends all it finds. */
async function run(steps: Step[]) {
  const b = browser();
  const tracked: string[] = [];
  const sent = new Set<string>();
  const send = (tab: Tab, n: number) => {
    const batch = tab.queue.peek(n);
    for (const e of batch) sent.add(e.mid);
    tab.queue.remove(batch);
  };
  b.open();
  for (const s of steps) {
    if (s.kind === 'open') {
      if (b.tabs.length < 6) b.open();
      continue;
    }
    const tab = b.tabs[s.tab % b.tabs.length];
    if (s.kind === 'toStore') b.toStore(tab);
    else if (s.kind === 'toTab') b.toTab(tab);
    if (s.kind === 'toStore' || s.kind === 'toTab') continue;
    if (!tab.open) continue;
    if (s.kind === 'track') {
      for (let k = 0; k < s.n; k++) {
        const mid = 'm' + tracked.length;
        tracked.push(mid);
        tab.queue.push(item(mid));
      }
    } else if (s.kind === 'send') send(tab, s.n);
    else if (s.kind === 'close') {
      // pagehide writes the queue; without flushOnHide (or when the tab is killed) the last burst's write is all.
      if (s.hide) tab.queue.persistNow();
      tab.open = false;
    }
    await tick();
    for (const t of b.tabs) assert.equal(new Set(t.queue.peek(1e9).map((e) => e.mid)).size, t.queue.size);
  }
  for (const t of b.tabs) t.open = false;
  b.settle();
  const last = b.open();
  send(last, 1e9);
  await tick();
  b.settle();
  return { tracked, sent, stored: inStore(b.store) };
}

test('two tabs writing at once (each before it sees the other’s write): both tabs’ events survive', async () => {
  const { tracked, sent, stored } = await run([
    { kind: 'open' },
    { kind: 'track', tab: 0, n: 5 },
    { kind: 'track', tab: 1, n: 5 },
    { kind: 'close', tab: 0, hide: false },
    { kind: 'close', tab: 1, hide: false },
  ]);
  assert.deepEqual([...sent].sort(), [...tracked].sort(), 'every event of both tabs reaches the later tab');
  assert.deepEqual(stored, []);
});

test('a tab opening while another closes: the closing tab’s last write is not erased', async () => {
  const { tracked, sent, stored } = await run([
    { kind: 'track', tab: 0, n: 2 },
    { kind: 'toStore', tab: 0 },
    { kind: 'open' },
    { kind: 'track', tab: 0, n: 1 },
    { kind: 'close', tab: 0, hide: true },
    { kind: 'toStore', tab: 0 },
    { kind: 'track', tab: 1, n: 1 },
    { kind: 'close', tab: 1, hide: true },
  ]);
  assert.deepEqual([...sent].sort(), [...tracked].sort());
  assert.deepEqual(stored, []);
});

test('property: any interleaving of tabs and of storage deliveries loses no event and leaves nothing behind', async () => {
  const tab = fc.nat(5);
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 1, arbitrary: fc.constant({ kind: 'open' as const }) },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('track' as const), tab, n: fc.integer({ min: 1, max: 3 }) }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('send' as const), tab, n: fc.integer({ min: 1, max: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), tab, hide: fc.boolean() }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('toStore' as const, 'toTab' as const), tab }) },
  );
  await fc.assert(
    fc.asyncProperty(fc.array(step, { maxLength: 40 }), async (steps) => {
      const { tracked, sent, stored } = await run(steps);
      assert.deepEqual(
        tracked.filter((m) => !sent.has(m)),
        [],
        'every tracked event was sent',
      );
      assert.deepEqual(stored, [], 'nothing left in storage');
    }),
    { numRuns: 500 },
  );
});
