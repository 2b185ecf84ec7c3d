/** The retry rule and the next-delay function: one place decides whether and when a failed batch goes again. */

/** Base delay of the first retry, in ms. */
export const RETRY_BASE_MS = 1000;
/** Longest delay between two tries, in ms (Sunbird's SDK uses the same ceiling). */
export const RETRY_MAX_MS = 60_000;
/** Longest Retry-After we obey; a misconfigured server must not silence us for a day. */
export const RETRY_AFTER_MAX_MS = 10 * 60_000;

/**
 * Whether a batch that got `status` (not a 2xx) should be sent again. Only a 4xx is the collector saying "this
 * request is wrong" (400 malformed, 401 bad key, 413 too large, 415 encoding): re-sending the same bytes cannot help
 * (a 413 batch is split by the sender; a 400/415 to a gzip body is re-sent uncompressed). Everything else is "not
 * now" and retried, because an event must never be lost to a passing fault: 0 (network error, timeout), 5xx,
 * 429 (RFC 6585), 408 (RFC 9110 §15.5.9: the server gave up waiting for the request, which may be repeated), and
 * an unexpected 1xx/3xx (a proxy in the way).
 */
export function shouldRetry(status: number): boolean {
  return status < 400 || status >= 500 || status === 408 || status === 429;
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
