/** The SDK's public types: configuration, the event shape it produces, per-call options and the storage contract. */

import type { TelemetryLevel } from '@telemetry/spec/levels';
import type { Cdata, Eid, Pdata, Rollup, TelemetryContext, TelemetryObject } from '@telemetry/spec/types';

export type { Cdata, Eid, Pdata, Rollup, TelemetryLevel };

/** The V3 context; extra keys are allowed, as the pipeline allows them. */
export type EventContext = TelemetryContext & { [key: string]: unknown };

export type EventObject = TelemetryObject & { [key: string]: unknown };

export interface Actor {
  id: string;
  type: string;
  [key: string]: unknown;
}

/** A V3 event exactly as it is sent (key order as Sunbird's SDK: eid, ets, ver, mid, actor, context, object, tags, edata). */
export interface TelemetryEvent<E = Record<string, unknown>> {
  eid: Eid;
  ets: number;
  ver: string;
  mid: string;
  actor: Actor;
  context: EventContext;
  object?: EventObject;
  tags?: string[];
  edata: E;
  [key: string]: unknown;
}

/** Per-call overrides; each is shallow-merged over the client's defaults for this one event only. */
export interface CallOptions {
  context?: Partial<EventContext>;
  object?: EventObject;
  actor?: Partial<Actor>;
  tags?: string[];
  cdata?: Cdata[];
  /** When it happened (epoch ms), if not now: e.g. an IMPRESSION sent at page exit is stamped with its entry. */
  ets?: number;
  /** Overrides the event's `ver` (Sunbird's `eventVer`, used for ASSESS 3.1). */
  ver?: string;
}

/** Key/value storage: `localStorage`, React Native's `AsyncStorage` and our file storage all fit. */
export interface KeyValueStorage {
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  setItem(key: string, value: string): void | Promise<void>;
  removeItem(key: string): void | Promise<void>;
  /** True when the storage dies with the process (memory): the queue then skips writing itself there. */
  volatile?: boolean;
}

/** What a transport returns: `status` 0 means the request never got an answer (network error, offline). */
export interface SendResult {
  status: number;
  /** The server's Retry-After, in ms from now (already capped). */
  retryAfterMs?: number;
  /** True when the body went gzip-compressed: a 400/415 answer is then retried once uncompressed. */
  gzipped?: boolean;
  /** True when the answer was a redirect (never followed, retried): the configured url is not the collector's. */
  redirected?: boolean;
}

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The page is going away: use keepalive/sendBeacon and do not compress (no time for async work). */
  unload: boolean;
  /** Compression is allowed (the sender turns it off for the session after a gateway refused a gzip body). */
  gzip: boolean;
  /** Aborted when the request has taken longer than `requestTimeoutMs`. */
  signal?: AbortSignal;
}

export type Transport = (request: SendRequest) => Promise<SendResult>;

export interface TelemetryConfig {
  /** Collector URL, e.g. "https://t.example.org/v1/telemetry". Required unless `transport` is given. */
  url?: string;
  /** Write key or Sunbird auth token, sent as `Authorization: Bearer <key>`. Default none. */
  writeKey?: string;
  /** Tenant id (context.channel). Default "sunbird". */
  channel?: string;
  /** Producer (context.pdata). Default `{id: 'sunbird', ver: '1.0', pid: ''}`. */
  pdata?: Pdata;
  /** Environment (context.env). Default "home". */
  env?: string;
  /** Device id. Default: generated once and persisted in `storage`. */
  did?: string;
  /** User id (actor.id). Default: the device id, as Sunbird does for anonymous users. */
  uid?: string;
  /** Actor type. Default "User". */
  actorType?: string;
  /** Session id. Default: generated, persisted, rolled over after `sessionTimeoutMs` of inactivity. */
  sid?: string;
  /** Default object for every event. */
  object?: EventObject;
  /** Default tags for every event. */
  tags?: string[];
  /** Default correlation data (context.cdata). */
  cdata?: Cdata[];
  /** Default context.rollup. */
  rollup?: Rollup;
  /** Events per request; a full batch is sent at once. Default 20, at most 1000. */
  batchSize?: number;
  /** Longest time an event waits in the queue before it is sent, in ms. Default 3000. */
  flushIntervalMs?: number;
  /** Highest level sent; events above it are dropped at the source. Default "full". */
  level?: TelemetryLevel;
  /** Share of devices whose events are sent, 0..1, decided per device so journeys stay whole. Default 1. */
  sampleRate?: number;
  /** Called with each event before it is queued: return it (possibly changed) or null/false to drop it. */
  beforeSend?: (event: TelemetryEvent) => TelemetryEvent | null | false | undefined;
  /** Log what the SDK does to the console. Default false. */
  debug?: boolean;
  /** Where the queue, device id and session live. Default localStorage in browsers, memory elsewhere. */
  storage?: KeyValueStorage;
  /** Prefix of the storage keys, so two apps on one origin keep apart. Default "telemetry". */
  storageKey?: string;
  /** Most events kept while undelivered; the oldest are evicted (and counted) beyond it. Default 2000. */
  maxQueueSize?: number;
  /** Inactivity after which a new session starts, in ms. Default 30 minutes. */
  sessionTimeoutMs?: number;
  /** Send START and END of type "session" as sessions begin and end. Default true. */
  sessionEvents?: boolean;
  /** Compress request bodies with gzip where CompressionStream exists. Default true. */
  gzip?: boolean;
  /** Flush on visibilitychange to hidden and on pagehide (browsers). Default true. */
  flushOnHide?: boolean;
  /** Start opted out: nothing is written to storage or sent until `optIn()`. Default false. */
  optOutByDefault?: boolean;
  /** Clock skew to add to every `ets`, in seconds (Sunbird's `timeDiff`). Default 0. */
  timeDiff?: number;
  /** Replace HTTP (tests, custom pipes). */
  transport?: Transport;
  /** Longest wait for one request's answer, in ms; then it counts as a network error and is retried. Default 10000. */
  requestTimeoutMs?: number;
  /**
   * Told once per kind (`error.code`) when the SDK had to change or keep back what it was given:
   * `UNSERIALIZABLE` (an event held a cycle, a BigInt or a throwing getter: replaced by a marker, or the event dropped)
   * and `STORAGE` (a storage write failed: the queue is kept in memory). A throwing hook is ignored.
   */
  onError?: (error: Error & { code: string }) => void;
}

/** Counters a host app can read (and tests assert on): nothing is dropped without being counted. */
export interface TelemetryStats {
  /** Events accepted into the queue. */
  queued: number;
  /** Events the collector acknowledged with a 2xx (a sendBeacon is never counted: nothing acknowledges it). */
  sent: number;
  /** Events evicted, oldest first, because the queue held `maxQueueSize`. */
  evicted: number;
  /** Events the collector refused for good (a 4xx other than 408, 413 and 429). */
  rejected: number;
  /** Events not queued: dropped by `beforeSend`, or not serialisable at all. */
  dropped: number;
  /** Failed requests that were (or will be) tried again. */
  retries: number;
  /** Events queued with a value replaced by a marker: a cycle ("[Circular]") or a BigInt (its decimal string). */
  replaced: number;
  /** Storage writes that failed (quota, private mode); the events stay queued in memory. */
  storageErrors: number;
}
