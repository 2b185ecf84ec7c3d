/** Test helpers: a recording transport, the Sunbird pipeline schemas as an oracle, and a capture HTTP server. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import type { SendRequest, SendResult, TelemetryEvent, Transport } from '../src/types.js';

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

/** Polls `check` until it returns truthy or `ms` pass. */
export async function until<T>(check: () => T | Promise<T>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
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
