/** The persistent event queue: in memory for speed, mirrored to storage once per burst, capped by evicting oldest. */
import type { KeyValueStorage } from './types.js';
import { type Logger, when } from './util.js';

/** How many delivered/evicted mids we remember, so a merge with another tab's write never resurrects them. */
const GONE_MEMORY = 5000;

/** One queued event: its mid and its JSON text, fixed when it was tracked (later changes by the host cannot reach it). */
export interface Queued {
  mid: string;
  json: string;
}

/** The storage format: a JSON array of the events, so a queue written by an older version still loads. */
const text = (items: Queued[]) => '[' + items.map((e) => e.json).join(',') + ']';

export class EventQueue {
  private _items: Queued[] = [];
  /** mids this instance delivered, dropped or evicted: they must not come back from storage. */
  private _gone = new Set<string>();
  private _scheduled = false;
  /** Events evicted because the queue was full (never silently: they are counted here). */
  evicted = 0;

  /**
   * `storage` never throws (see guardedStorage); a failed write leaves the events here, in memory, and is counted
   * by the storage's owner. `shared` is true for localStorage, which other tabs of the same app write too.
   */
  constructor(
    private readonly _storage: KeyValueStorage,
    private readonly _key: string,
    private readonly _max: number,
    private readonly _log: Logger,
    private readonly _shared: boolean,
  ) {}

  get size(): number {
    return this._items.length;
  }

  /** Adopts events left in storage by an earlier page, tab or process; they go out before anything new. */
  load(): void | Promise<void> {
    return when(this._read(), (stored) => {
      const mine = new Set(this._items.map((e) => e.mid));
      this._items = stored.filter((e) => !mine.has(e.mid)).concat(this._items);
      this._trim();
      if (stored.length) this._log('restored', stored.length);
    });
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
    for (const e of items) this._forget(e.mid);
    const before = this._items.length;
    this._items = this._items.filter((e) => !done.has(e));
    this._schedulePersist();
    return before - this._items.length;
  }

  /** Drops everything, in memory and in storage (opt-out). */
  clear(): void {
    this._items = [];
    this._scheduled = false;
    this._storage.removeItem(this._key);
  }

  /** Writes the queue now; used on pagehide, where a microtask may never run. A failed write keeps it in memory. */
  persistNow(): void {
    this._scheduled = false;
    if (!this._storage.volatile) this._storage.setItem(this._key, text(this._mergeWithStored()));
  }

  /** One write per synchronous burst: a loop of 1000 calls costs one write, not 1000. */
  private _schedulePersist(): void {
    if (this._scheduled || this._storage.volatile) return;
    this._scheduled = true;
    queueMicrotask(() => {
      if (this._scheduled) this.persistNow();
    });
  }

  private _trim(): void {
    if (this._items.length > this._max) this._evict(this._items.length - this._max);
  }

  private _evict(n: number): void {
    const dropped = this._items.splice(0, n);
    for (const e of dropped) this._forget(e.mid);
    this.evicted += dropped.length;
    this._log('evicted', dropped.length);
  }

  private _forget(mid: string): void {
    if (this._gone.size >= GONE_MEMORY) this._gone.clear();
    this._gone.add(mid);
  }

  /**
   * Another tab of the same app shares localStorage. We read before writing and keep its events (those we have not
   * ourselves delivered), so tabs never erase each other's queues. Other storages have one writer: no merge needed.
   */
  private _mergeWithStored(): Queued[] {
    if (!this._shared) return this._items;
    const stored = this._read() as Queued[];
    const mine = new Set(this._items.map((e) => e.mid));
    const others = stored.filter((e) => !mine.has(e.mid) && !this._gone.has(e.mid));
    return others.length ? others.concat(this._items).slice(-this._max) : this._items;
  }

  private _read(): Queued[] | Promise<Queued[]> {
    const parse = (raw: string | null | undefined): Queued[] => {
      try {
        const value = raw ? JSON.parse(raw) : [];
        return Array.isArray(value)
          ? value.filter((e) => e && typeof e.mid === 'string').map((e) => ({ mid: e.mid, json: JSON.stringify(e) }))
          : [];
      } catch {
        return [];
      }
    };
    const raw = this._storage.getItem(this._key);
    return raw && typeof (raw as Promise<string>).then === 'function'
      ? (raw as Promise<string | null>).then(parse)
      : parse(raw as string | null);
  }
}
