/**
 * Test helpers: a recording transport, the Sunbird pipeline schemas as an oracle, a capture HTTP server, the real
 * collector with a per-mid count, and a gateway in front of it that can refuse, hang or forward each request.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { startServer } from '@telemetry/server';
import type { EventQueue } from '../src/queue.js';
import { Sender, type SenderOptions } from '../src/sender.js';
import type { SendRequest, SendResult, TelemetryEvent, TelemetryStats, Transport } from '../src/types.js';

/** A transport that records every request and answers with the next status from `statuses` (then 200). */
export function recorder(statuses: Array<number | SendResult> = []) {
  const requests: Array<SendRequest & { events: TelemetryEvent[]; msgid: string }> = [];
  const transport: Transport = async (r) => {
    const batch = JSON.parse(r.body);
    requests.push({ ...r, events: batch.events, msgid: batch.params.msgid });
    const next = statuses.shift() ?? 200;
    return typeof next === 'number' ? { status: next } : next;
  };
  return { transport, requests, events: () => requests.flatMap((r) => r.events) };
}

export { pipelineErrors } from '../../spec/src/test-support/pipeline-oracle.js';
export { REFERENCE_SKIP } from '../../spec/src/test-support/reference-dir.js';

/**
 * A Sender over `queue` with test defaults (batches of 10, a 3 s interval, gzip on, no clock skew, silent) and its
 * own zeroed stats; `options` must name the transport and may override any default.
 */
export function testSender(queue: EventQueue, options: Partial<SenderOptions> & { transport: Transport }) {
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
  const sender = new Sender(queue, {
    url: 'u',
    headers: () => ({}),
    batchSize: 10,
    intervalMs: 3000,
    gzip: true,
    timeoutMs: 10_000,
    skewMs: 0,
    log: () => {},
    stats,
    ...options,
  });
  return { sender, stats };
}

/** A local collector stand-in: records decoded batches and headers, answers with `respond(n)` (default 200). */
export async function captureServer(
  respond: (n: number) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 }),
) {
  const requests: Array<{
    url: string;
    headers: http.IncomingHttpHeaders;
    batch: { params: { msgid: string }; events: TelemetryEvent[] };
  }> = [];
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      requests.push({ url: req.url!, headers: req.headers, batch: JSON.parse(body.toString('utf8')) });
      const r = respond(n++);
      res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
      res.end(JSON.stringify({ responseCode: r.status === 200 ? 'SUCCESS' : 'SERVER_ERROR' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    events: () => requests.flatMap((r) => r.batch.events),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Polls `check` until it returns truthy or `ms` pass (30 s by default, generous for a loaded machine). */
export async function until<T>(check: () => T | Promise<T>, ms = 30_000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A persistent-looking storage (not volatile): two clients sharing it behave like a restart of one app. */
export function mapStorage() {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

/** Runs a read-only query on the collector's /api/sql. */
export async function sql(base: string, query: string, token?: string): Promise<unknown[][]> {
  const res = await fetch(base + '/api/sql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: 'Bearer ' + token } : {}) },
    body: JSON.stringify({ query }),
  });
  if (!res.ok) throw new Error(`sql ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { rows: unknown[][] }).rows;
}

/** The real collector on a random port with a fresh data directory; `counts` reads the store, not the SDK. */
export async function collector() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-collector-'));
  const server = await startServer({ port: 0, dataDir: dir, logLevel: 'silent', adminToken: 'admin' });
  return {
    url: server.url,
    endpoint: server.url + '/v1/telemetry',
    /**
     * Waits until every mid is in the events table, then returns how often each one is there, in order. The bound is
     * generous: on a loaded shared machine a load into the store can take many seconds.
     */
    async counts(mids: string[], ms = 60_000): Promise<number[]> {
      const list = mids.map((m) => `'${m.replace(/'/g, '')}'`).join(',');
      const rows = await until(async () => {
        const r = await sql(
          server.url,
          `SELECT mid, count(*) FROM events WHERE mid IN (${list}) GROUP BY mid`,
          'admin',
        );
        return r.length === new Set(mids).size ? r : undefined;
      }, ms);
      const n = new Map(rows.map((r) => [String(r[0]), Number(r[1])]));
      return mids.map((m) => n.get(m) ?? 0);
    },
    /** How many stored events have one of these mids (0 when none arrived). */
    async stored(mids: string[]): Promise<number> {
      if (mids.length === 0) return 0;
      const list = mids.map((m) => `'${m.replace(/'/g, '')}'`).join(',');
      const [[n]] = await sql(server.url, `SELECT count(*) FROM events WHERE mid IN (${list})`, 'admin');
      return Number(n);
    },
    /** The stored raw events with these mids, parsed. */
    async raw(mids: string[]): Promise<TelemetryEvent[]> {
      const list = mids.map((m) => `'${m.replace(/'/g, '')}'`).join(',');
      const rows = await sql(server.url, `SELECT raw FROM events WHERE mid IN (${list}) ORDER BY mid`, 'admin');
      return rows.map((r) => JSON.parse(String(r[0])));
    },
    query: (q: string) => sql(server.url, q, 'admin'),
    close: async () => {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What the gateway does with request `n`: pass it on, never answer, or answer itself. */
export type GatewayAction = 'forward' | 'hang' | { status: number; headers?: Record<string, string> };

/**
 * An HTTP hop in front of `target` (a proxy, a CDN, a corporate gateway): `decide` sees each request (its number,
 * headers and raw body) and forwards it unchanged, leaves it hanging, or answers. Records what it saw.
 */
export async function gateway(
  target: string,
  decide: (n: number, req: { headers: http.IncomingHttpHeaders; body: Buffer }) => GatewayAction,
) {
  const seen: Array<{ headers: http.IncomingHttpHeaders; body: Buffer; answered: number | 'hang' }> = [];
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const action = decide(seen.length, { headers: req.headers, body });
      const record = { headers: req.headers, body, answered: 0 as number | 'hang' };
      seen.push(record);
      if (action === 'hang') {
        record.answered = 'hang';
        hanging.push(res);
        return;
      }
      if (action !== 'forward') {
        record.answered = action.status;
        res.writeHead(action.status, { 'content-type': 'application/json', ...action.headers });
        res.end('{}');
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
      try {
        const upstream = await fetch(target + req.url, { method: 'POST', headers, body });
        record.answered = upstream.status;
        res.writeHead(upstream.status, { 'content-type': 'application/json' });
        res.end(await upstream.text());
      } catch {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    /** The batch envelope of request `i` (gunzipped when it came compressed). */
    batch(i: number): { ets: number; params: { msgid: string }; events: TelemetryEvent[] } {
      const r = seen[i];
      const raw = r.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(r.body) : r.body;
      return JSON.parse(raw.toString('utf8'));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Collects the mids of tracked events (as `beforeSend`), so a test knows what must arrive. */
export function midRecorder() {
  const mids: string[] = [];
  return {
    mids,
    beforeSend: <E extends { mid: string }>(e: E) => {
      mids.push(e.mid);
      return e;
    },
  };
}

/** Every unhandled rejection and uncaught exception while `fn` runs (the host process must see none). */
export async function hostFailures(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const on = (err: unknown) => seen.push(err);
  process.on('unhandledRejection', on);
  process.on('uncaughtException', on);
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    process.off('unhandledRejection', on);
    process.off('uncaughtException', on);
  }
  return seen;
}
