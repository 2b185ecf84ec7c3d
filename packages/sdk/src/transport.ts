/** HTTP delivery of one batch: fetch (keepalive on unload), gzip through CompressionStream, sendBeacon as a best effort. */
import { parseRetryAfter } from './retry.js';
import type { SendRequest, Transport } from './types.js';

/** Bodies smaller than this go uncompressed: gzip's header and the async round trip cost more than they save. */
const GZIP_MIN_BYTES = 1024;
/** Browsers cap the bodies of all in-flight keepalive requests together at 64 KiB. */
export const KEEPALIVE_MAX_BYTES = 60_000;

interface G {
  fetch?: typeof fetch;
  CompressionStream?: typeof CompressionStream;
  navigator?: { sendBeacon?(url: string, data: Blob | string): boolean };
  Blob?: typeof Blob;
  Response?: typeof Response;
}
const g = globalThis as unknown as G;

/** Gzips a string with the platform's CompressionStream; undefined where the platform has none. */
export async function gzip(text: string): Promise<Uint8Array | undefined> {
  if (!g.CompressionStream || !g.Response) return undefined;
  const stream = new g.Response(text).body!.pipeThrough(new g.CompressionStream('gzip'));
  return new Uint8Array(await new g.Response(stream).arrayBuffer());
}

/**
 * The beacon fallback of a dying page. Its `true` only means "queued by the browser", never "stored by the
 * collector", so it acknowledges nothing: the events stay queued (and in storage) until a later request gets a 2xx;
 * the collector drops the duplicate by mid (and by msgid) should the beacon have arrived too. No custom headers
 * are possible, so it only helps a collector that needs no write key.
 */
function beacon(request: SendRequest): void {
  try {
    // text/plain keeps the beacon a "simple" request (no CORS preflight, which a dying page cannot wait for).
    g.navigator?.sendBeacon?.(request.url, new g.Blob!([request.body], { type: 'text/plain' }));
  } catch {}
}

/**
 * The default transport. Resolves (never rejects) with the status, 0 for a network error or an abort; `gzipped`
 * says whether the body went compressed (only bodies of 1 KiB and more, and never on unload); `redirected` that the
 * answer was a redirect, not followed (a browser hides its status: 0).
 */
export const fetchTransport: Transport = async (request) => {
  const headers = { ...request.headers };
  let body: string | Uint8Array = request.body;
  let gzipped = false;
  if (request.gzip && !request.unload && body.length >= GZIP_MIN_BYTES) {
    const zipped = await gzip(request.body).catch(() => undefined);
    if (zipped) {
      body = zipped;
      headers['Content-Encoding'] = 'gzip';
      gzipped = true;
    }
  }
  try {
    const response = await g.fetch!(request.url, {
      method: 'POST',
      headers,
      body: body as BodyInit,
      // keepalive lets the request outlive the page; it is limited to 64 KiB, so only used when needed.
      keepalive: request.unload && request.body.length <= KEEPALIVE_MAX_BYTES,
      credentials: 'omit',
      // Never follow a redirect: fetch would turn a 301/302/303 POST into a GET (the batch then "refused" and
      // dropped) and cannot replay a gzip stream for 307/308. 'manual' hands back the 3xx itself (Node) or an
      // opaque redirect with status 0 (browsers); either is retried with backoff, the batch kept.
      redirect: 'manual',
      signal: request.signal,
    });
    // Drain the body so Node's fetch releases the socket; its content does not matter, only the status.
    await response.text().catch(() => '');
    return {
      status: response.status,
      redirected: response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400) || undefined,
      retryAfterMs: parseRetryAfter(response.headers.get('Retry-After'), Date.now()),
      gzipped,
    };
  } catch {
    // A keepalive request over quota (or to an unreachable collector) fails at once; the beacon may still get through.
    if (request.unload) beacon(request);
    return { status: 0 };
  }
};
