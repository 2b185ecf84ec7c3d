/** Device id and session id: generated, persisted, and a session rolls over after a stretch of inactivity. */
import type { KeyValueStorage } from './types.js';
import { uuid, when } from './util.js';

/** Sunbird's summarizer breaks a session after a 30-minute gap; we roll over on the same rule. */
export const SESSION_TIMEOUT_MS = 30 * 60_000;
/** Activity is written back at most this often: the exact last second does not matter, a write per event would. */
const PERSIST_EVERY_MS = 5000;

interface SessionRecord {
  sid: string;
  start: number;
  last: number;
}

/** What `touch` reports: the session that just ended (if any) and whether a new one began. */
export interface SessionChange {
  ended?: SessionRecord;
  started?: SessionRecord;
}

export class Sessions {
  did = '';
  /** The device id is ours to store (not given by the config). */
  private _generated = false;
  private _current?: SessionRecord;
  private _persistedAt = 0;

  constructor(
    private readonly _storage: KeyValueStorage,
    private readonly _prefix: string,
    private readonly _timeoutMs: number,
    fixedDid?: string,
    private readonly _fixedSid?: string,
  ) {
    if (fixedDid) this.did = fixedDid;
  }

  get sid(): string {
    return this._fixedSid ?? this._current?.sid ?? '';
  }

  /**
   * Reads (or creates and stores) the device id, and picks up a session still alive from an earlier page. The
   * storage is the client's guarded one: before consent its writes do nothing, and `save()` writes them on opt-in.
   */
  load(): void | Promise<void> {
    const dev = this.did ? undefined : this._storage.getItem(this._prefix + ':device');
    const ses = this._fixedSid ? undefined : this._storage.getItem(this._prefix + ':session');
    return when(dev, (d) =>
      when(ses, (s) => {
        if (!this.did) {
          this.did = d || uuid();
          this._generated = true;
          if (!d) this.save();
        }
        if (s && !this._current) {
          try {
            const rec = JSON.parse(s) as SessionRecord;
            if (rec && typeof rec.sid === 'string') this._current = rec;
          } catch {
            // A corrupt record only costs a new session.
          }
        }
      }),
    );
  }

  /** Records activity at `now`; ends the current session first when it has been idle past the timeout. */
  touch(now: number): SessionChange {
    if (this._fixedSid) return {};
    const change: SessionChange = {};
    const cur = this._current;
    if (cur && now - cur.last > this._timeoutMs) change.ended = cur;
    if (!cur || change.ended) {
      this._current = change.started = { sid: uuid(), start: now, last: now };
    } else {
      cur.last = now;
    }
    if (change.started || now - this._persistedAt > PERSIST_EVERY_MS) {
      this._persistedAt = now;
      this.save();
    }
    return change;
  }

  /** Writes the device id (when generated here) and the current session: after load, on activity, on opt-in. */
  save(): void {
    if (this._generated) this._storage.setItem(this._prefix + ':device', this.did);
    if (this._current) this._storage.setItem(this._prefix + ':session', JSON.stringify(this._current));
  }

  /** Ends the session now (logout, shutdown); the next event starts a new one. */
  end(): SessionRecord | undefined {
    const cur = this._current;
    this._current = undefined;
    this._storage.removeItem(this._prefix + ':session');
    return cur;
  }

  /** Removes the stored device id and session (opt-out); the page keeps them in memory. */
  erase(): void {
    this._storage.removeItem(this._prefix + ':device');
    this._storage.removeItem(this._prefix + ':session');
  }
}
