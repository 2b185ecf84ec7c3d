/** The retry rule and the next-delay function: one place decides whether and when a failed batch goes again. */

/** Base delay of the first retry, in ms. */
export const RETRY_BASE_MS = 1000;
/** Longest delay between two tries, in ms (Sunbird's SDK uses the same ceiling). */
export const RETRY_MAX_MS = 60_000;
/** Longest Retry-After we obey; a misconfigured server must not silence us for a day. */
export const RETRY_AFTER_MAX_MS = 10 * 60_000;

/**
 * Whether a batch that got `status` should be sent again. 0 is a network error (offline, DNS, reset): retry.
 * 5xx and 429 are the collector saying "not now": retry. Any other 4xx says the request itself is wrong
 * (400 malformed, 401 bad key, 413 too large, 415 encoding): re-sending the same bytes cannot help
 * (a 413 batch is split by the sender instead).
 */
export function shouldRetry(status: number): boolean {
  return status === 0 || status === 429 || status >= 500;
}

/** Whether `status` means the collector took the batch. */
export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/** Parses a Retry-After header (delta-seconds or an HTTP date) into ms from `now`; undefined when absent or bad. */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.min(seconds * 1000, RETRY_AFTER_MAX_MS));
  const date = Date.parse(header);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.min(date - now, RETRY_AFTER_MAX_MS));
}

/**
 * Delay before retry number `attempt` (1 = first retry): exponential, capped, with "equal jitter" (half fixed,
 * half random) so that many clients knocked offline together do not come back in lockstep. A server's
 * Retry-After wins when it asks for longer.
 */
export function nextDelay(attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const exp = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  return retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered) : Math.round(jittered);
}
