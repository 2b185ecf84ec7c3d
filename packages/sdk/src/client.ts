/** createTelemetry: the client — one method per V3 event, levels, sampling, consent, sessions, queue and delivery. */

import { levelAllows } from '@telemetry/spec/levels';
import type { EdataByEid } from '@telemetry/spec/types';
import { EIDS } from '@telemetry/spec/types';
import { buildEvent, type EventDefaults } from './event.js';
import { installLifecycle } from './lifecycle.js';
import { EventQueue } from './queue.js';
import { Sender } from './sender.js';
import { SESSION_TIMEOUT_MS, Sessions } from './session.js';
import { defaultStorage } from './storage.js';
import { fetchTransport } from './transport.js';
import type { CallOptions, Eid, TelemetryConfig, TelemetryEvent, TelemetryStats } from './types.js';
import { hash53, makeLogger, when } from './util.js';

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
  /** Flushes, then removes listeners and timers. */
  shutdown(): Promise<void>;
  /** Stops all sending and clears the queue, here and in storage; remembered across pages. */
  optOut(): void;
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

export function createTelemetry(config: TelemetryConfig): TelemetryClient {
  const c = config || {};
  const log = makeLogger(c.debug);
  const storage = c.storage ?? defaultStorage();
  const prefix = c.storageKey || 'telemetry';
  const stats: TelemetryStats = { queued: 0, sent: 0, evicted: 0, rejected: 0, dropped: 0, retries: 0 };
  const level = c.level || 'full';
  const sampleRate = c.sampleRate ?? 1;
  const sessions = new Sessions(storage, prefix, c.sessionTimeoutMs || SESSION_TIMEOUT_MS, c.did, c.sid);
  const queue = new EventQueue(storage, prefix + ':queue', c.maxQueueSize || 2000, log);
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
    skewMs: (c.timeDiff || 0) * 1000,
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
    log,
    stats,
  });
  let optedOut = false;
  let sampledIn = true;
  let isReady = false;
  /** Calls made before async storage answered, replayed in order with their original time. */
  let pending: Array<() => void> | undefined = [];
  const starts: TelemetryEvent[] = [];
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
      if (!event) {
        stats.dropped++;
        return;
      }
    }
    if (eid === 'START') starts.push(event);
    queue.push(event);
    stats.queued++;
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

  function track(eid: Eid, edata: unknown, o?: CallOptions, now = Date.now()): void {
    try {
      if (pending) {
        pending.push(() => track(eid, edata, o, now));
        return;
      }
      if (optedOut || !sampledIn || !levelAllows(level, eid)) return;
      session(now);
      if (eid === 'END' && edata && (edata as { duration?: number }).duration === undefined) {
        // Like Sunbird: an END without a duration measures from its START (same type, else the latest).
        const type = (edata as { type?: string }).type;
        let i = starts.length - 1;
        while (i > 0 && (starts[i].edata as { type?: string }).type !== type) i--;
        const start = starts.splice(i, 1)[0];
        if (start) edata = { ...edata, duration: Math.round((now + d.skewMs - start.ets) / 10) / 100 };
      }
      enqueue(eid, edata, o, now);
    } catch (err) {
      log(eid.toLowerCase() + '() failed', err);
    }
  }

  const finish = () => {
    d.did = sessions.did;
    sampledIn = sampleRate >= 1 || hash53(d.did) / 2 ** 53 < sampleRate;
    const calls = pending || [];
    pending = undefined;
    isReady = true;
    for (const call of calls) call();
    // Events left by an earlier page or run are already late: send them now, not after the interval.
    sender.schedule(queue.size > 0);
  };
  // Synchronous storage (localStorage, memory, files) loads right here, so the first event is not deferred;
  // AsyncStorage loads in the background while calls wait in `pending`.
  const loading = seq(
    [
      () =>
        when(storage.getItem(prefix + ':optout'), (v) => {
          optedOut = v ? v === '1' : !!c.optOutByDefault;
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
            for (const fn of hideHooks) fn();
            if (!optedOut && isReady) sender.flushUnload();
          },
          online: () => void sender.flush(),
        });

  const client = {
    track: (eid: Eid, edata: unknown, o?: CallOptions) => track(eid, edata, o, o?.ets),
    set: (values: Partial<EventDefaults>) => {
      Object.assign(d, values);
    },
    flush: () => ready.then(() => sender.flush()).catch((err) => log('flush failed', err)),
    endSession: () => {
      const ended = sessions.end();
      if (ended && !optedOut && c.sessionEvents !== false)
        enqueue(
          'END',
          { type: 'session', duration: Math.round((ended.last - ended.start) / 1000) },
          undefined,
          Date.now(),
        );
    },
    shutdown: async () => {
      await client.flush();
      sender.dispose();
      removeLifecycle();
    },
    optOut: () => {
      optedOut = true;
      sender.paused = true;
      queue.clear();
      when(storage.setItem(prefix + ':optout', '1'), () => {});
    },
    optIn: () => {
      optedOut = false;
      sender.paused = false;
      when(storage.setItem(prefix + ':optout', '0'), () => {});
    },
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
    onHide: (fn: () => void) => hideHooks.push(fn),
  } as unknown as TelemetryClient;
  for (const eid of EIDS)
    (client as unknown as Record<string, unknown>)[eid.toLowerCase()] = (e: unknown, o?: CallOptions) =>
      track(eid, e, o);
  return client;
}
