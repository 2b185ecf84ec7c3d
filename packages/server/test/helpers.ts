/** Shared test helpers: a collector on a temp data dir, SQL through the API, valid V3 events, waiting for the loader. */
import { type RunningServer, type ServerOptions, startServer } from '../src/server.js';
import { tempDir } from './temp-dir.js';

export { tempDir } from './temp-dir.js';

export async function startTestServer(options: ServerOptions = {}): Promise<RunningServer & { dataDir: string }> {
  const dataDir = options.dataDir ?? tempDir();
  const server = await startServer({
    port: 0,
    dataDir,
    logLevel: 'silent',
    spoolRotateMs: 50,
    summarizeIntervalMs: 100,
    ...options,
  });
  return Object.assign(server, { dataDir });
}

export async function sql(server: { url: string }, query: string, token?: string): Promise<unknown[][]> {
  const response = await fetch(`${server.url}/api/sql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json()) as { rows: unknown[][] };
  if (!response.ok) throw new Error(`SQL failed ${response.status}: ${JSON.stringify(body)}`);
  return body.rows;
}

/** Waits until `check` returns true (polling, bounded: 60 s by default, generous for a loaded machine). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

let counter = 0;
export function interact(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    eid: 'INTERACT',
    ets: 1_790_000_000_000 + counter,
    ver: '3.0',
    mid: `INTERACT:test-${process.pid}-${counter}`,
    actor: { id: 'user-1', type: 'User' },
    context: {
      channel: 'test-channel',
      pdata: { id: 'test.app', ver: '1.0', pid: 'test.app.web' },
      env: 'home',
      sid: 's1',
      did: 'd1',
    },
    edata: { type: 'CLICK', id: 'submit', pageid: 'quiz' },
    ...overrides,
  };
}

export function postBatch(
  server: { url: string },
  body: string | Buffer<ArrayBuffer> | Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Response> {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return fetch(`${server.url}/v1/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: payload,
  });
}
