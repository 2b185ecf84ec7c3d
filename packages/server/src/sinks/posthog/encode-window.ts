/**
 * One window of stored events as the gzipped `/batch/` body PostHog receives: the store's wire text parsed
 * (wire-rows.ts), each event mapped (map.ts), the batch serialised (client.ts batchJson) and gzipped. The one
 * function both paths run — on the forwarder's thread, or in an encoding worker (encode-worker.ts) — so the bytes
 * sent are the same whichever does it.
 */
import zlib from 'node:zlib';
import { batchJson, GZIP_LEVEL } from './client.js';
import { type EventNaming, toPostHogMessage } from './map.js';
import { storedEvents } from './wire-rows.js';

/** What an encoding needs: the window's wire text (undefined: no event), the project key and the naming rule. */
export interface WindowTask {
  text: string | undefined;
  apiKey: string;
  naming: EventNaming;
}

/** A window encoded: how many events its body holds, and the body (undefined when it holds none). */
export interface EncodedWindow {
  count: number;
  body: Uint8Array | undefined;
}

/**
 * The body of `task`'s window, gzipped synchronously (a worker has nothing else to do meanwhile). Throws what the
 * parse or the mapping throws (SyntaxError for text that is not the wire format, RangeError for an `ets` no Date holds).
 */
export function encodeWindowSync({ text, apiKey, naming }: WindowTask): EncodedWindow {
  const events = storedEvents(text);
  if (events.length === 0) return { count: 0, body: undefined };
  const messages = events.map((event) => toPostHogMessage(event, naming));
  return { count: events.length, body: zlib.gzipSync(batchJson(apiKey, messages), { level: GZIP_LEVEL }) };
}
