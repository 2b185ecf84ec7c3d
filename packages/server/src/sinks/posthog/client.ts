/**
 * One request to PostHog's `/batch/` endpoint (https://posthog.com/docs/api/capture): `{api_key, batch}` gzipped,
 * and what the answer means for the forwarder — the rule PostHog's capture and SDKs share (`rust/capture/src/api.rs`):
 * 2xx delivered; 429, 5xx and network errors retry (after `Retry-After` when sent); 400 and 413 are refused for good
 * (a bad event, or too big: the forwarder splits the batch to find the events at fault); 401/403 retry (a wrong key
 * is an operator's mistake, not the events': nothing is dead-lettered for it).
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { PostHogMessage } from './map.js';

const gzip = promisify(zlib.gzip);

export type Outcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry'; status?: number; answer: string; retryAfterMs?: number }
  | { kind: 'refused'; status: number; answer: string };

/** Seconds or an HTTP date → ms from `now`; undefined when absent or unreadable (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** The answer's text, cut to 2000 characters (it is kept with dead letters). */
async function answerOf(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  return text.slice(0, 2000);
}

/** Gzip level of every body: 1, the fastest (PostHog takes any gzip). */
export const GZIP_LEVEL = 1;

/** The JSON text of a `/batch/` body: `{"api_key":…,"batch":[…]}`, before gzip. */
export function batchJson(apiKey: string, messages: PostHogMessage[]): string {
  return JSON.stringify({ api_key: apiKey, batch: messages });
}

/** The gzipped `/batch/` body of `messages` (batchJson, GZIP_LEVEL), compressed on libuv's thread pool. */
export function encodeBatch(apiKey: string, messages: PostHogMessage[]): Promise<Buffer> {
  return gzip(batchJson(apiKey, messages), { level: GZIP_LEVEL });
}

/**
 * POSTs one batch (`body` from encodeBatch); never throws for an answer or a network failure (both are outcomes).
 * `timeoutMs` bounds the request; `signal` aborts it (the forwarder stopping).
 */
export async function sendBatch(
  host: string,
  body: Buffer,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<Outcome> {
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  let response: Response;
  try {
    response = await fetch(`${host.replace(/\/+$/, '')}/batch/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: body as Uint8Array<ArrayBuffer>, // a Buffer from zlib, over a plain ArrayBuffer
      signal: AbortSignal.any(signals),
    });
  } catch (error) {
    return { kind: 'retry', answer: `network: ${(error as Error).message}` };
  }
  if (response.ok) {
    await response.arrayBuffer().catch(() => undefined);
    return { kind: 'delivered', status: response.status };
  }
  const answer = await answerOf(response);
  if (response.status === 400 || response.status === 413) return { kind: 'refused', status: response.status, answer };
  return {
    kind: 'retry',
    status: response.status,
    answer,
    retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
  };
}
