/**
 * Test helper: a local HTTP server speaking PostHog's `/batch/` (https://posthog.com/docs/api/capture), checking
 * every request against the documented format — POST, gzip (Content-Encoding) JSON `{api_key, batch:[…]}`, each
 * message with a non-empty `event` and `distinct_id`, a valid `uuid`, an ISO `timestamp`, an object `properties`
 * (and objects `$set` / `$set_once` when present and not null) —
 * and recording what it received. `answer(i, messages)` decides the answer of request i (default 200 Ok).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import type { ForwardPostHogConfig } from '../src/config.js';

export interface BatchMessage {
  event: string;
  distinct_id: string;
  uuid: string;
  timestamp: string;
  properties: Record<string, unknown>;
  $set?: Record<string, unknown>;
  $set_once?: Record<string, unknown>;
}

export type Answer = { status: number; retryAfter?: string; delayMs?: number };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Why a request is not PostHog's documented `/batch/` format, or undefined when it is. */
function violation(request: http.IncomingMessage, body: unknown, apiKey: string): string | undefined {
  if (request.method !== 'POST' || request.url !== '/batch/') return `${request.method} ${request.url}`;
  if (request.headers['content-encoding'] !== 'gzip') return 'not gzipped';
  const b = body as { api_key?: unknown; batch?: unknown };
  if (b.api_key !== apiKey) return `api_key ${String(b.api_key)}`;
  if (!Array.isArray(b.batch) || b.batch.length === 0) return 'no batch';
  for (const m of b.batch as Record<string, unknown>[]) {
    if (typeof m.event !== 'string' || m.event === '') return 'event';
    if (typeof m.distinct_id !== 'string' || m.distinct_id === '') return 'distinct_id';
    if (typeof m.uuid !== 'string' || !UUID.test(m.uuid)) return `uuid ${String(m.uuid)}`;
    if (typeof m.timestamp !== 'string' || Number.isNaN(Date.parse(m.timestamp))) return 'timestamp';
    for (const key of ['properties', '$set', '$set_once']) {
      const value = m[key];
      // PostHog reads a missing or null $set / $set_once as none.
      if (key !== 'properties' && (value === undefined || value === null)) continue;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return key;
    }
  }
  return undefined;
}

export async function startBatchServer(
  apiKey: string,
  answer: (i: number, batch: BatchMessage[]) => Answer = () => ({ status: 200 }),
) {
  const state = {
    requests: 0,
    /** Every message of every request answered 200, in order (a re-sent one appears again). */
    accepted: [] as BatchMessage[],
    violations: [] as string[],
    statuses: [] as number[],
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(zlib.gunzipSync(Buffer.concat(chunks)).toString('utf8'));
      } catch (error) {
        state.violations.push(`unreadable body: ${(error as Error).message}`);
        response.writeHead(400).end('bad body');
        return;
      }
      const wrong = violation(request, body, apiKey);
      if (wrong) {
        state.violations.push(wrong);
        response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: wrong }));
        return;
      }
      const batch = (body as { batch: BatchMessage[] }).batch;
      const planned = answer(state.requests++, batch);
      setTimeout(() => {
        state.statuses.push(planned.status);
        if (planned.status === 200) state.accepted.push(...batch);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (planned.retryAfter !== undefined) headers['retry-after'] = planned.retryAfter;
        const text =
          planned.status === 200 ? '{"status":"Ok"}' : JSON.stringify({ type: 'error', code: planned.status });
        response.writeHead(planned.status, headers).end(text);
      }, planned.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    state,
    distinctUuids: () => new Set(state.accepted.map((m) => m.uuid)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The server's forwarder settings for a test PostHog at `host` (project key `apiKey`): small batches, quick retries. */
export function forwardConfig(
  host: string,
  apiKey: string,
  extra: Partial<ForwardPostHogConfig> = {},
): ForwardPostHogConfig {
  return {
    host,
    apiKey,
    channels: [],
    eids: [],
    naming: 'eid',
    batchSize: 10,
    retryMs: 20,
    encodeThreads: 1,
    ...extra,
  };
}
