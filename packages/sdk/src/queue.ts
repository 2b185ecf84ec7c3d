/** The persistent event queue: in memory for speed, mirrored to storage once per burst, capped by evicting oldest. */
import type { KeyValueStorage } from './types.js';
import { type Logger, uuid, when } from './util.js';

/** One queued event: its mid and its JSON text, fixed when it was tracked (later changes by the host cannot reach it). */
export interface Queued {
  mid: string;
  json: string;
}

/** The storage format: a JSON array of the events, so a queue written by an older version still loads. */
const text = (items: Queued[]) => '[' + items.map((e) => e.json).join(',') + ']';

/** A stored queue's events; anything unreadable (bad JSON, not an array, entries without a string mid) reads as none. */
function parse(raw: string | null | undefined): Queued[] {
  try {
    const value = raw ? JSON.parse(raw) : [];
    return Array.isArray(value)
      ? value.filter((e) => e && typeof e.mid === 'string').map((e) => ({ mid: e.mid, json: JSON.stringify(e) }))
      : [];
  } catch {
    return [];
  }
}

/**
 * The queue of one page. With a storage of its own (memory, a file, AsyncStorage) it is written under `key`.
 *
 * localStorage is shared by the app's tabs, and no lock makes a tab's read-then-write atomic: each tab reads its own
 * copy, which learns of other tabs' writes later. So tabs never rewrite or merge a common key. Each write goes to a
 * fresh key, `key:<uuid>`, that nothing ever writes again, and then the tab removes its own previous one. A page that
 * loads adopts every such snapshot (and a `key` left by an older version), writes its own, and only then removes the
 * ones it read. A write never replaces another tab's events and a removal drops only events its remover has written,
 * so no interleaving loses one. The price is at-least-once: a tab still open keeps, and may still send, what a newer
 * page adopted from it; the collector drops such duplicates by mid.
 */
export class EventQueue {
  private _items: Queued[] = [];
  private _scheduled = false;
  /** The key of this page's latest snapshot in a shared storage (undefined while its queue is empty). */
  private _own?: string;
  /** Events evicted because the queue was full (never silently: they are counted here). */
  evicted = 0;

  /**
   * `storage` never throws (see guardedStorage); a failed write leaves the events here, in memory, and is counted
   * by the storage's owner. `keys`, given for localStorage only, lists its keys: it marks the storage as shared.
   */
  constructor(
    private readonly _storage: KeyValueStorage,
    private readonly _key: string,
    private readonly _max: number,
    private readonly _log: Logger,
    private readonly _keys?: () => string[],
  ) {}

  get size(): number {
    return this._items.length;
  }

  /** Adopts events left in storage by an earlier page, tab or process; they go out before anything new. */
  load(): void | Promise<void> {
    if (!this._keys) return when(this._storage.getItem(this._key), (raw) => this._adopt(parse(raw)));
    // Shared storage is localStorage: synchronous.
    const keys = this._snapshots().filter((k) => k !== this._own);
    this._adopt(keys.flatMap((k) => parse(this._storage.getItem(k) as string | null)));
    this.persistNow();
    // Not written (quota, no consent yet): the snapshots stay for the next page.
    if (!this._own || this._storage.getItem(this._own)) for (const k of keys) this._storage.removeItem(k);
  }

  push(item: Queued): void {
    this._items.push(item);
    this._trim();
    this._schedulePersist();
  }

  /** The oldest `n` events, still queued until `remove` confirms them. */
  peek(n: number): Queued[] {
    return this._items.slice(0, n);
  }

  /** Removes delivered (or refused) events; returns how many were still here (a concurrent send may have won). */
  remove(items: Queued[]): number {
    const done = new Set(items);
    const before = this._items.length;
    this._items = this._items.filter((e) => !done.has(e));
    this._schedulePersist();
    return before - this._items.length;
  }

  /** Drops everything, in memory and in storage, every tab's snapshot included (opt-out). */
  clear(): void {
    this._items = [];
    this._scheduled = false;
    this._own = undefined;
    for (const k of this._keys ? this._snapshots() : [this._key]) this._storage.removeItem(k);
  }

  /** Writes the queue now; used on pagehide, where a microtask may never run. A failed write keeps it in memory. */
  persistNow(): void {
    const s = this._storage;
    this._scheduled = false;
    if (s.volatile) return;
    const json = text(this._items);
    if (!this._keys) return void s.setItem(this._key, json);
    const old = this._own;
    const key = this._items.length ? this._key + ':' + uuid() : undefined;
    this._own = key;
    if (key) s.setItem(key, json);
    if (old) s.removeItem(old);
    // Refused (quota): the old snapshot held the room the new one needs.
    if (key && !s.getItem(key)) s.setItem(key, json);
  }

  /** One write per synchronous burst: a loop of 1000 calls costs one write, not 1000. */
  private _schedulePersist(): void {
    if (this._scheduled || this._storage.volatile) return;
    this._scheduled = true;
    queueMicrotask(() => {
      if (this._scheduled) this.persistNow();
    });
  }

  /** Stored events first (each mid once, ours kept), then ours; over the cap, the oldest go. */
  private _adopt(stored: Queued[]): void {
    const seen = new Set(this._items.map((e) => e.mid));
    this._items = stored.filter((e) => !seen.has(e.mid) && seen.add(e.mid)).concat(this._items);
    this._trim();
    if (stored.length) this._log('restored', stored.length);
  }

  /** This app's queue keys in the shared storage: the snapshots (`key:` and a uuid) and an older version's `key`. */
  private _snapshots(): string[] {
    const k = this._key;
    return this._keys!().filter((x) => x === k || (x.length === k.length + 37 && x.startsWith(k + ':')));
  }

  private _trim(): void {
    if (this._items.length > this._max) this._evict(this._items.length - this._max);
  }

  private _evict(n: number): void {
    this.evicted += this._items.splice(0, n).length;
    this._log('evicted', n);
  }
}
