/** The drop-in `EkTelemetry`/`$t`: Sunbird's SDK API (2.0.1 semantics, sticky options included) on top of our client. */
import { createTelemetry, EIDS, type TelemetryClient } from './client.js';
import type { CallOptions, Eid, KeyValueStorage, TelemetryConfig, Transport } from './types.js';

/** Sunbird's TelemetryConfig, plus our delivery options (flushIntervalMs, level, storage, debug...). */
export interface SunbirdConfig {
  pdata?: { id: string; ver?: string; pid?: string };
  env?: string;
  channel?: string;
  did?: string;
  authtoken?: string;
  uid?: string;
  sid?: string;
  batchsize?: number;
  host?: string;
  endpoint?: string;
  /** Sunbird 1.x: URL = host + apislug + endpoint. */
  apislug?: string;
  tags?: string[];
  cdata?: Array<{ type: string; id: string }>;
  dispatcher?: { dispatch(batch: unknown): void };
  timeDiff?: number;
  object?: { id: string; ver: string; rollup?: unknown };
  rollup?: Record<string, string>;
  flushIntervalMs?: number;
  storage?: KeyValueStorage;
  debug?: boolean;
  [key: string]: unknown;
}

type Data = Record<string, unknown> | undefined;
type Options = { context?: object; object?: object; actor?: object; tags?: string[]; eventVer?: string } | undefined;

const DEFAULTS = {
  env: 'contentplayer',
  channel: 'sunbird',
  uid: 'anonymous',
  authtoken: '',
  batchsize: 20,
  host: 'https://api.ekstep.in',
  endpoint: '/data/v3/telemetry',
};

/** Sunbird fills START's uaspec; Node gives the same values as its SDK, browsers a small parse of the user agent. */
function uaspec(): Record<string, string> {
  const nav = (globalThis as { navigator?: { userAgent?: string } }).navigator;
  const proc = (globalThis as { process?: { version: string; platform: string; arch: string } }).process;
  if (!nav?.userAgent && proc)
    return {
      agent: 'Node',
      ver: proc.version,
      system: proc.platform,
      platform: proc.arch,
      raw: 'Node.js ' + proc.version,
    };
  const ua = nav?.userAgent || '';
  const b = /(Edg|OPR|Firefox|Chrome|Version)\/([\d.]+)/.exec(ua);
  const os = /(Windows NT|Android|iPhone OS|Mac OS X|CrOS|Linux)[ /]?([\d._]*)/.exec(ua);
  const names: Record<string, string> = {
    Edg: 'Edge',
    OPR: 'Opera',
    Version: 'Safari',
    'Windows NT': 'Windows',
    'iPhone OS': 'iOS',
    'Mac OS X': 'Mac OS',
    CrOS: 'Chromium OS',
  };
  return {
    agent: b ? names[b[1]] || b[1] : '',
    ver: b ? b[2] : '',
    system: os ? names[os[1]] || os[1] : '',
    platform: os ? os[2].replace(/_/g, '.') : '',
    raw: ua,
  };
}

export function createFacade() {
  let client: TelemetryClient | undefined;
  let config: SunbirdConfig = {};
  let globalObject: Record<string, unknown> = {};
  let current = { context: {} as object, object: {} as object, actor: {} as object, tags: [] as string[] };
  const starts: Array<{ ets: number }> = [];

  const update = (o: Options) => {
    if (!o) return;
    if (o.context) current.context = o.context;
    if (o.object) current.object = o.object;
    if (o.actor) current.actor = o.actor;
    if (o.tags) current.tags = Array.isArray(o.tags) ? o.tags : [];
  };
  /** Sticky options become per-call overrides of the client; the global object and tags merge as Sunbird's do. */
  const options = (extra?: Partial<CallOptions>): CallOptions => ({
    context: current.context,
    object: { ...globalObject, ...current.object },
    actor: current.actor,
    tags: [...(config.tags || []), ...current.tags],
    ...extra,
  });
  const emit = (eid: Eid, data: unknown, o: Options, extra?: Partial<CallOptions>) => {
    if (!client) return void console.warn('[telemetry] call initialize() or start() first');
    update(o);
    client.track(eid, data as never, options(extra));
  };

  const t = {
    initialize(cfg: SunbirdConfig) {
      if (client) return void console.warn('Telemetry is already initialized');
      config = { ...DEFAULTS, ...cfg, pdata: { id: 'sunbird', ver: '1.0', ...cfg?.pdata } };
      const dispatcher = config.dispatcher;
      const transport: Transport | undefined = dispatcher
        ? async (r) => {
            // Sunbird 2.x hands its dispatcher the whole batch envelope at flush time; so do we.
            dispatcher.dispatch(JSON.parse(r.body));
            return { status: 200 };
          }
        : undefined;
      if (config.object) globalObject = { ...config.object };
      // Our own options (flushIntervalMs, level, storage, debug, url...) pass through; Sunbird's keys are mapped.
      client = createTelemetry({
        ...(cfg as TelemetryConfig),
        url: (cfg.url as string) || config.host! + (config.apislug || '') + config.endpoint,
        writeKey: config.authtoken || undefined,
        channel: config.channel,
        pdata: { pid: '', ...(config.pdata as { id: string }) },
        env: config.env,
        did: config.did || undefined,
        uid: config.uid,
        sid: config.sid || undefined,
        cdata: config.cdata || [],
        rollup: config.rollup || {},
        batchSize: config.batchsize,
        timeDiff: config.timeDiff,
        sessionEvents: false,
        transport: transport || (cfg.transport as Transport),
        object: undefined,
        tags: [],
      });
      config.did = client.did;
    },
    start(cfg: SunbirdConfig, contentId: string, contentVer: string, data: Data, o?: Options) {
      try {
        if (!client) (t.initialize as (c: SunbirdConfig) => void)(cfg);
        if (contentId && contentVer) globalObject = { ...globalObject, id: contentId, ver: contentVer };
        const edata: Record<string, unknown> = data || {};
        edata.duration = edata.duration || 0;
        if (!edata.uaspec) edata.uaspec = uaspec();
        const now = Date.now() + (config.timeDiff || 0) * 1000;
        emit('START', edata, o);
        starts.push({ ets: now });
      } catch (err) {
        if (config.debug) console.debug('[telemetry] start failed', err);
      }
      return Promise.resolve();
    },
    end(data: Data, o?: Options) {
      const start = starts.pop();
      if (!start) return void console.info('Please invoke start before invoking end event.');
      const edata: Record<string, unknown> = data || {};
      edata.duration = Number(((Date.now() + (config.timeDiff || 0) * 1000 - start.ets) * 0.001).toFixed(2));
      emit('END', edata, o);
    },
    feedback(data: Data, o?: Options) {
      const d = data || {};
      emit('FEEDBACK', { rating: d.rating, commentid: d.commentid || '', commenttxt: d.commenttxt || '' }, o);
    },
    assess(data: Data, o?: Options) {
      emit('ASSESS', data, o, o?.eventVer ? { ver: o.eventVer } : undefined);
    },
    resetContext(c?: object) {
      current.context = c || {};
    },
    resetObject(c?: object) {
      current.object = c || {};
    },
    resetActor(c?: object) {
      current.actor = c || {};
    },
    resetTags(c?: string[]) {
      current.tags = Array.isArray(c) ? c : [];
    },
    syncEvents: () => client?.flush() ?? Promise.resolve(),
    get isInitialized() {
      return !!client;
    },
    get config() {
      return config;
    },
    /** Ours, not Sunbird's: the client underneath, for flush(), optOut() and stats(). */
    get client() {
      return client;
    },
    /** Ours: flush and forget everything (tests, logout); initialize() may be called again. */
    shutdown() {
      client?.shutdown();
      client = undefined;
      globalObject = {};
      current = { context: {}, object: {}, actor: {}, tags: [] };
      starts.length = 0;
    },
  } as Record<string, unknown>;
  for (const eid of EIDS) {
    const name = eid.toLowerCase();
    if (!t[name]) t[name] = (data: Data, o?: Options) => emit(eid, data, o);
  }
  // No call throws into the page, whatever it is given (start() and syncEvents() still return their promise).
  for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(t))) {
    const fn = d.value;
    if (typeof fn === 'function')
      t[name] = (...a: unknown[]) => {
        try {
          return fn(...a);
        } catch (err) {
          if (config.debug) console.debug('[telemetry] ' + name + ' failed', err);
          return name === 'start' || name === 'syncEvents' ? Promise.resolve() : undefined;
        }
      };
  }
  return t as ReturnType<typeof createFacadeShape>;
}

/** The facade's shape for TypeScript users (every event method takes Sunbird's `(data, options)`). */
declare function createFacadeShape(): {
  initialize(config: SunbirdConfig): void;
  start(config: SunbirdConfig, contentId: string, contentVer: string, data: Data, options?: Options): Promise<void>;
  resetContext(c?: object): void;
  resetObject(c?: object): void;
  resetActor(c?: object): void;
  resetTags(c?: string[]): void;
  syncEvents(): Promise<void>;
  readonly isInitialized: boolean;
  readonly config: SunbirdConfig;
  readonly client: TelemetryClient | undefined;
  shutdown(): void;
} & { [K in Exclude<Lowercase<Eid>, 'start'>]: (data: Data, options?: Options) => void };
