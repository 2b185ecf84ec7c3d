/**
 * Heavy user queries against a running `telemetry serve`, with /health and ingestion probed while they run:
 * shared by `npm run bench:sql-load` and test/query-load.test.ts. Every loop is bounded in count.
 */
import { BatchFactory } from './batch.js';
import { type Child, freePort, HOST, LAUNCH, startChild, waitReady } from './child-process.js';

/** A query that runs for minutes unless interrupted. */
export const ENDLESS_QUERY = 'SELECT count(*) FROM range(100000000000)';

export interface Answer {
  status: number;
  /** The error code (params.err) of an error answer. */
  code?: string;
  /** From sending the request to the end of its answer. */
  ms: number;
}

export interface Probe extends Answer {
  /** True when at least one heavy query was still unanswered as this probe was answered. */
  duringLoad: boolean;
}

export interface SqlLoad {
  queries: Answer[];
  health: Probe[];
  ingest: Probe[];
}

/** Starts the real server from the launcher on a free port and waits until /health answers 200. */
export async function startServe(env: NodeJS.ProcessEnv): Promise<Child> {
  const port = await freePort();
  const child = startChild('serve', [...LAUNCH, 'serve'], { PORT: String(port), HOST, ...env }, port);
  await waitReady(child, '/health', 60_000, (status) => status === 200);
  return child;
}

async function timed(request: () => Promise<Response>): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await request();
    const text = await response.text();
    let code: string | undefined;
    if (!response.ok) code = (JSON.parse(text) as { params?: { err?: string } }).params?.err;
    return { status: response.status, code, ms: performance.now() - started };
  } catch (error) {
    return { status: 0, code: String((error as Error).message), ms: performance.now() - started };
  }
}

/** POSTs `sql` to /api/sql. */
export function sqlRequest(url: string, sql: string, token?: string): Promise<Answer> {
  return timed(() =>
    fetch(`${url}/api/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query: sql }),
      signal: AbortSignal.timeout(300_000),
    }),
  );
}

/**
 * Sends `count` copies of `sql` at once and, until they are all answered (at most `maxProbes` rounds),
 * GET /health and POST a one-event batch in turn, recording each answer and whether the load was still on.
 */
export async function runSqlLoad(url: string, sql: string, count: number, maxProbes = 2000): Promise<SqlLoad> {
  let pending = count;
  const queries = Array.from({ length: count }, () =>
    sqlRequest(url, sql).finally(() => {
      pending--;
    }),
  );
  const batches = new BatchFactory(1);
  const health: Probe[] = [];
  const ingest: Probe[] = [];
  const probe = async (list: Probe[], request: () => Promise<Response>) => {
    const answer = await timed(request);
    list.push({ ...answer, duringLoad: pending > 0 });
  };
  for (let round = 0; round < maxProbes && pending > 0; round++) {
    await probe(health, () => fetch(`${url}/health`, { signal: AbortSignal.timeout(120_000) }));
    await probe(ingest, () =>
      fetch(`${url}/v1/telemetry`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: batches.next(),
        signal: AbortSignal.timeout(120_000),
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { queries: await Promise.all(queries), health, ingest };
}

/** The p-th percentile (0–100) of `values`, nearest rank; 0 for none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
