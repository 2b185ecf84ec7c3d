/**
 * Reads through a test server's HTTP API, for tests that compare two servers' answers (DuckDB against ClickHouse).
 */
import assert from 'node:assert/strict';

/** The JSON body of a GET (or, with `body`, a POST of it as JSON) to `server`, asserted 200. */
export async function readOk(server: { url: string }, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${server.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const json = await res.json();
  assert.equal(res.status, 200, `${path}: ${JSON.stringify(json)}`);
  return json;
}

/**
 * `json` without what differs between two servers by design: the envelope's time `ets`, and each server's own
 * receive times (`syncts`, and the feeds' cursor `next`, made of them).
 */
export function withoutReceiveTimes(json: unknown): unknown {
  return JSON.parse(
    JSON.stringify(json, (key, value) => (['ets', 'syncts', 'next'].includes(key) ? undefined : value)),
  );
}

/** Loaded and summarized, with nothing left in the spool, as `server`'s /health reports it. */
export async function settled(server: { url: string }): Promise<boolean> {
  const health = (await readOk(server, '/health')) as { result: { details: Record<string, number> } };
  const d = health.result.details;
  return d.unloaded_events === 0 && d.unsummarized_events === 0 && d.spool_backlog_segments === 0;
}

/** Reads a live tail's (GET /api/events/live) `event: event` messages, parsed, until `count` arrived or the deadline passes. */
export async function readTail(
  response: Response,
  count: number,
  timeoutMs: number,
): Promise<{ mid: string; eid: string }[]> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const received: { mid: string; eid: string }[] = [];
  let buffer = '';
  const deadline = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (received.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = message.split('\n').find((line) => line.startsWith('data: '));
        if (message.includes('event: event') && data) received.push(JSON.parse(data.slice(6)));
        end = buffer.indexOf('\n\n');
      }
    }
  } finally {
    clearTimeout(deadline);
    await reader.cancel().catch(() => {});
  }
  return received;
}
