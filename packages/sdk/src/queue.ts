/** The persistent event queue: in memory for speed, mirrored to storage once per burst, capped by evicting oldest. */
import type { KeyValueStorage, TelemetryEvent } from './types.js';
import { type Logger, when } from './util.js';

/** How many delivered/evicted mids we remember, so a merge with another tab's write never resurrects them. */
const GONE_MEMORY = 5000;

export class EventQueue {
  private _items: TelemetryEvent[] = [];
  /** mids this instance delivered, dropped or evicted: they must not come back from storage. */
  private _gone = new Set<string>();
  private _scheduled = false;
  /** Events evicted because the queue was full (never silently: they are counted here). */
  evicted = 0;

  constructor(
    private readonly _storage: KeyValueStorage,
    private readonly _key: string,
    private readonly _max: number,
    private readonly _log: Logger,
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

  push(event: TelemetryEvent): void {
    this._items.push(event);
    this._trim();
    this._schedulePersist();
  }

  /** The oldest `n` events, still queued until `remove` confirms them. */
  peek(n: number): TelemetryEvent[] {
    return this._items.slice(0, n);
  }

  /** Removes delivered (or rejected) events by mid. */
  remove(events: TelemetryEvent[]): void {
    const done = new Set(events.map((e) => e.mid));
    for (const mid of done) this._forget(mid);
    this._items = this._items.filter((e) => !done.has(e.mid));
    this._schedulePersist();
  }

  /** Drops everything, in memory and in storage (opt-out). */
  clear(): void {
    this._items = [];
    this._scheduled = false;
    try {
      when(this._storage.removeItem(this._key), () => {});
    } catch (err) {
      this._log('clear failed', err);
    }
  }

  /** Writes the queue now; used on pagehide, where a microtask may never run. */
  persistNow(): void {
    this._scheduled = false;
    try {
      const merged = this._mergeWithStored();
      when(this._storage.setItem(this._key, JSON.stringify(merged)), () => {});
    } catch (err) {
      // Usually QuotaExceededError: shed the oldest half and try once more, counting what was lost.
      this._log('write failed, evicting', err);
      const drop = Math.ceil(this._items.length / 2);
      this._evict(drop);
      try {
        when(this._storage.setItem(this._key, JSON.stringify(this._items)), () => {});
      } catch {
        this._log('queue in memory only');
      }
    }
  }

  /** One write per synchronous burst: a loop of 1000 calls costs one JSON.stringify, not 1000. */
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
  private _mergeWithStored(): TelemetryEvent[] {
    if (this._storage !== (globalThis as { localStorage?: unknown }).localStorage) return this._items;
    const stored = this._read();
    if (!Array.isArray(stored) || stored.length === 0) return this._items;
    const mine = new Set(this._items.map((e) => e.mid));
    const others = stored.filter((e) => !mine.has(e.mid) && !this._gone.has(e.mid));
    return others.length ? others.concat(this._items).slice(-this._max) : this._items;
  }

  private _read(): TelemetryEvent[] | Promise<TelemetryEvent[]> {
    const parse = (raw: string | null | undefined): TelemetryEvent[] => {
      try {
        const value = raw ? JSON.parse(raw) : [];
        return Array.isArray(value) ? value.filter((e) => e && typeof e.mid === 'string') : [];
      } catch {
        return [];
      }
    };
    try {
      const raw = this._storage.getItem(this._key);
      return raw && typeof (raw as Promise<string>).then === 'function'
        ? (raw as Promise<string | null>).then(parse, () => [])
        : parse(raw as string | null);
    } catch {
      return [];
    }
  }
}
