/** createTelemetry: the client — one method per V3 event, levels, sampling, consent, sessions, queue and delivery. */

import { levelAllows } from '@telemetry/spec/levels';
import type { EdataByEid } from '@telemetry/spec/types';
import { EIDS } from '@telemetry/spec/types';
import { buildEvent, type EventDefaults, serialize } from './event.js';
import { installLifecycle } from './lifecycle.js';
import { EventQueue } from './queue.js';
import { Sender } from './sender.js';
import { SESSION_TIMEOUT_MS, Sessions } from './session.js';
import { defaultStorage, guardedStorage } from './storage.js';
import { fetchTransport } from './transport.js';
import type { CallOptions, Eid, TelemetryConfig, TelemetryEvent, TelemetryStats } from './types.js';
import { attempt, hash53, makeLogger, when } from './util.js';

type Method<K extends Eid> = (edata: EdataByEid[K], options?: CallOptions) => void;

/** The methods named after the 17 events, e.g. `interact({type: 'TOUCH', id: 'next'})`. */
export type EventMethods = { [K in Eid as Lowercase<K>]: Method<K> };

export interface TelemetryClient extends EventMethods {
  /** Any event by eid, for generic code. */
  track<K extends Eid>(eid: K, edata: EdataByEid[K], options?: CallOptions): void;
  /** Changes defaults for all later events: uid, env, object, tags, cdata, rollup, context, actor. */
  set(
    defaults: Partial<
      Pick<EventDefaults, 'uid' | 'env' | 'object' | 'tags' | 'cdata' | 'rollup' | 'context' | 'actor'>
    >,
  ): void;
  /** Sends everything queued now. Resolves when the queue is empty or a failure has started a backoff. */
  flush(): Promise<void>;
  /** Ends the current session (sends its END); the next event starts a new one. */
  endSession(): void;
  /** Flushes, then removes listeners and timers. Resolves (never rejects) within about `requestTimeoutMs`. */
  shutdown(): Promise<void>;
  /**
   * Stops all sending and clears the queue, here and in storage, with the stored device id and session; remembered
   * across pages (with `optOutByDefault` there is nothing to remember: out is the default).
   */
  optOut(): void;
  /** Starts storing and sending; writes the device id, session, queue and the choice (see docs/sdk.md, Storage). */
  optIn(): void;
  readonly optedOut: boolean;
  readonly did: string;
  readonly sid: string;
  /** Resolves once storage (device id, session, queued events) has been read; immediate for sync storage. */
  readonly ready: Promise<void>;
  stats(): TelemetryStats;
  /** Internal hooks for the facade and auto-capture. */
  readonly defaults: EventDefaults;
  /** Runs `fn` when the page is hidden or closed, just before the queue is written and sent. */
  onHide(fn: () => void): void;
}

export { EIDS };

/** Runs steps in order: synchronously while they are, switching to promises at the first async one. */
function seq(steps: Array<() => unknown>, log: (...a: unknown[]) => void): Promise<void> | undefined {
  for (let i = 0; i < steps.length; i++) {
    let r: unknown;
    try {
      r = steps[i]();
    } catch (err) {
      log('storage load failed', err);
    }
    if (r && typeof (r as Promise<void>).then === 'function')
      return (r as Promise<void>)
        .catch((err) => log('storage load failed', err))
        .then(() => seq(steps.slice(i + 1), log));
  }
  return undefined;
}

/**
 * A client for `config` (see TelemetryConfig). Never throws: a config that cannot even be read (a throwing getter or
 * proxy) gives a client with the defaults, which keeps its events queued until it can send them.
 */
export function createTelemetry(config: TelemetryConfig): TelemetryClient {
  try {
    return build({ ...config });
  } catch {
    return build({});
  }
}

function build(c: TelemetryConfig): TelemetryClient {
  const log = makeLogger(c.debug);
  const prefix = c.storageKey || 'telemetry';
  const stats: TelemetryStats = {
    queued: 0,
    sent: 0,
    evicted: 0,
    rejected: 0,
    dropped: 0,
    retries: 0,
    replaced: 0,
    storageErrors: 0,
  };
  const told = new Set<string>();
  /** Tells the host's onError hook, once per kind, what the SDK had to change or keep back. */
  const report = (code: string, message: string) => {
    log(code, message);
    if (told.has(code) || typeof c.onError !== 'function') return;
    told.add(code);
    try {
      c.onError(Object.assign(new Error(message), { code }));
    } catch {}
  };
  let optedOut = !!c.optOutByDefault;
  const raw = c.storage ?? defaultStorage();
  // Consent gates every write; a failed write keeps the data in memory and is counted, never thrown.
  const storage = guardedStorage(
    raw,
    () => !optedOut,
    (err) => {
      stats.storageErrors++;
      log('storage write failed', err);
      report('STORAGE', 'a storage write failed: the queue is kept in memory');
    },
  );
  const level = c.level || 'full';
  const sampleRate = c.sampleRate ?? 1;
  const sessions = new Sessions(storage, prefix, c.sessionTimeoutMs || SESSION_TIMEOUT_MS, c.did, c.sid);
  // localStorage is shared by the app's tabs: the queue then keeps one snapshot key per page (see EventQueue).
  const shared = raw === (globalThis as { localStorage?: unknown }).localStorage;
  const queue = new EventQueue(
    storage,
    prefix + ':queue',
    c.maxQueueSize || 2000,
    log,
    shared ? () => Object.keys(raw) : undefined,
  );
  const d: EventDefaults = {
    channel: c.channel || 'sunbird',
    pdata: { id: 'sunbird', ver: '1.0', pid: '', ...c.pdata },
    env: c.env || 'home',
    sid: c.sid || '',
    did: c.did || '',
    uid: c.uid,
    actorType: c.actorType || 'User',
    cdata: c.cdata || [],
    rollup: c.rollup,
    object: c.object,
    tags: c.tags || [],
    skewMs: (Number(c.timeDiff) || 0) * 1000,
  };
  const sender = new Sender(queue, {
    url: c.url || '',
    headers: () => {
      const h: Record<string, string> = {
        'Content-Type': 'application/json',
        'x-app-id': d.pdata.id,
        'x-device-id': d.did,
        'x-channel-id': d.channel,
      };
      if (c.writeKey) h.Authorization = 'Bearer ' + c.writeKey;
      return h;
    },
    batchSize: Math.min(Math.max(1, c.batchSize || 20), 1000),
    intervalMs: c.flushIntervalMs ?? 3000,
    gzip: c.gzip !== false,
    transport: c.transport || fetchTransport,
    timeoutMs: c.requestTimeoutMs || 10_000,
    skewMs: d.skewMs,
    log,
    stats,
  });
  sender.paused = optedOut;
  let sampledIn = true;
  let isReady = false;
  /** Calls made before async storage answered, replayed in order with their original time. */
  let pending: Array<() => void> | undefined = [];
  /** START events not yet ended: their type and ets, for an END without a duration. */
  const starts: Array<{ type?: unknown; ets: number }> = [];
  /** The host chose (optIn/optOut) before async storage said what it chose earlier: the new choice wins. */
  let chosen = false;
  const hideHooks: Array<() => void> = [];

  function enqueue(eid: Eid, edata: unknown, o: CallOptions | undefined, now: number): void {
    let event: TelemetryEvent | null | false | undefined = buildEvent(d, eid, edata, o, now);
    if (c.beforeSend) {
      try {
        event = c.beforeSend(event);
      } catch (err) {
        // A failing redactor must not leak what it was meant to remove: drop, count, say so.
        log('beforeSend threw', err);
        event = null;
      }
    }
    // Serialised now, alone: a value that cannot be serialised costs at most this event, never a batch.
    const s = event && typeof event === 'object' ? serialize(event) : undefined;
    if (!s) {
      stats.dropped++;
      if (event) report('UNSERIALIZABLE', eid + ' dropped: it cannot be serialised');
      return;
    }
    if (s.replaced) {
      stats.replaced++;
      report('UNSERIALIZABLE', eid + ': a cycle or BigInt was replaced by a marker');
    }
    queue.push({ mid: String((event as TelemetryEvent).mid), json: s.json });
    stats.queued++;
    if (eid === 'START') starts.push({ type: (edata as { type?: unknown } | undefined)?.type, ets: now + d.skewMs });
    sender.schedule(eid === 'END');
  }

  function session(now: number): void {
    if (c.sessionEvents === false && c.sid) return;
    const change = sessions.touch(now);
    d.sid = sessions.sid;
    if (c.sessionEvents === false) return;
    if (change.ended && levelAllows(level, 'END')) {
      const { sid, start, last } = change.ended;
      enqueue('END', { type: 'session', duration: Math.round((last - start) / 1000) }, { context: { sid } }, last);
    }
    if (change.started && levelAllows(level, 'START')) enqueue('START', { type: 'session' }, undefined, now);
  }

  function track(eid: Eid, edata: unknown, o?: CallOptions, at?: unknown): void {
    try {
      const now = typeof at === 'number' && !Number.isNaN(at) ? at : Date.now();
      if (pending) {
        pending.push(() => track(eid, edata, o, now));
        return;
      }
      if (optedOut || !sampledIn || !levelAllows(level, eid)) return;
      session(now);
      if (eid === 'END' && edata && (edata as { duration?: number }).duration === undefined) {
        // Like Sunbird: an END without a duration measures from its START (same type, else the latest), in seconds.
        const type = (edata as { type?: string }).type;
        let i = starts.length - 1;
        while (i > 0 && starts[i].type !== type) i--;
        const start = starts.splice(i, 1)[0];
        if (start) edata = { ...edata, duration: Math.round((now + d.skewMs - start.ets) / 10) / 100 };
      }
      enqueue(eid, edata, o, now);
    } catch (err) {
      log('track failed', err);
    }
  }

  const finish = () => {
    try {
      d.did = sessions.did;
      sampledIn = sampleRate >= 1 || hash53(d.did) / 2 ** 53 < sampleRate;
      const calls = pending || [];
      pending = undefined;
      isReady = true;
      for (const call of calls) call();
      // Events left by an earlier page or run are already late: send them now, not after the interval.
      sender.schedule(queue.size > 0);
    } catch (err) {
      log('start failed', err);
    }
  };
  // Synchronous storage (localStorage, memory, files) loads right here, so the first event is not deferred;
  // AsyncStorage loads in the background while calls wait in `pending`.
  const loading = seq(
    [
      () =>
        when(storage.getItem(prefix + ':optout'), (v) => {
          if (v && !chosen) optedOut = sender.paused = v === '1';
        }),
      () => sessions.load(),
      () => queue.load(),
    ],
    log,
  );
  const ready = loading ? loading.then(finish) : Promise.resolve(finish());
  const removeLifecycle =
    c.flushOnHide === false
      ? () => {}
      : installLifecycle({
          hide: () => {
            // Auto-capture's last IMPRESSION and INTERRUPT must be in the queue before it is written and sent.
            for (const fn of hideHooks) guard(fn)();
            if (!optedOut && isReady) sender.flushUnload();
          },
          online: () => void sender.flush(),
        });
  /** Every public method: whatever the host passes, nothing is thrown back into it. */
  function guard<F extends (...a: never[]) => unknown>(fn: F): F {
    return ((...a: never[]) => {
      try {
        return fn(...a);
      } catch (err) {
        log('call failed', err);
      }
    }) as F;
  }
  const flush = () => ready.then(() => sender.flush()).catch((err) => log('flush failed', err));

  const client = {
    track: (eid: Eid, edata: unknown, o?: CallOptions) => track(eid, edata, o, guard(() => o?.ets)()),
    set: guard((values: Partial<EventDefaults>) => {
      for (const k of ['uid', 'env', 'object', 'tags', 'cdata', 'rollup', 'context', 'actor'] as const)
        if (values && k in values) (d as unknown as Record<string, unknown>)[k] = values[k];
    }),
    flush,
    endSession: guard(() => {
      const ended = sessions.end();
      if (ended && !optedOut && c.sessionEvents !== false)
        enqueue(
          'END',
          { type: 'session', duration: Math.round((ended.last - ended.start) / 1000) },
          undefined,
          Date.now(),
        );
    }),
    shutdown: async () => {
      await flush();
      sender.dispose();
      guard(removeLifecycle)();
    },
    optOut: guard(() => {
      optedOut = sender.paused = chosen = true;
      queue.clear();
      sessions.erase();
      // With optOutByDefault, out is what a new page assumes anyway: nothing to write.
      if (c.optOutByDefault) storage.removeItem(prefix + ':optout');
      else
        attempt(
          () => raw.setItem(prefix + ':optout', '1'),
          () => {},
        );
    }),
    optIn: guard(() => {
      optedOut = sender.paused = false;
      chosen = true;
      storage.setItem(prefix + ':optout', '0');
      // Before async storage has loaded, its stored queue must not be overwritten: load writes what it needs.
      if (isReady) {
        sessions.save();
        queue.persistNow();
        sender.schedule();
      }
    }),
    get optedOut() {
      return optedOut;
    },
    get did() {
      return d.did;
    },
    get sid() {
      return d.sid;
    },
    ready,
    stats: () => ({ ...stats, evicted: queue.evicted }),
    defaults: d,
    onHide: (fn: () => void) => void hideHooks.push(fn),
  } as unknown as TelemetryClient;
  for (const eid of EIDS)
    (client as unknown as Record<string, unknown>)[eid.toLowerCase()] = (e: unknown, o?: CallOptions) =>
      track(eid, e, o);
  return client;
}
