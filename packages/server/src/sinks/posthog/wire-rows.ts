/**
 * The stored events of one window as the forwarder reads them: FORWARD_SQL's one-text answer (forward-sql.ts
 * WIRE_ROW arrays joined by commas) parsed into StoredEvent rows, in arrival order. Pure, so the encoding workers
 * (encode-worker.ts) read windows exactly as the forwarder's own thread does.
 */
import type { StoredEvent } from './map.js';

/** The fields of a stored V3 event read from it (valid V3: strings where present). */
type RawV3 = Record<string, unknown> & {
  mid: string;
  eid: string;
  actor?: { id?: string };
  context?: { sid?: string };
};

/** The one text of a range query's answer (`rows[0][0]`), or undefined when the window holds no event (NULL). */
export function wireText(result: { rows: unknown[][] }): string | undefined {
  const text = result.rows[0]?.[0];
  return typeof text === 'string' ? text : undefined;
}

/**
 * The events of `text` (WIRE_ROW arrays `[arrival_seq, ets, did, posthog, raw]` joined by commas), in arrival order
 * (the store's text comes in no promised order; almost always already in it, which the sort only checks).
 * Throws SyntaxError for text that is not that JSON.
 */
export function storedEvents(text: string | undefined): StoredEvent[] {
  if (text === undefined) return [];
  const rows = JSON.parse(`[${text}]`) as Array<[number, number, string | null, string[] | null, RawV3]>;
  rows.sort((a, b) => a[0] - b[0]);
  return rows.map(([arrivalSeq, ets, did, posthog, event]) =>
    posthog
      ? {
          arrivalSeq,
          ets,
          did,
          mid: posthog[0],
          eid: posthog[1],
          actorId: posthog[2],
          sid: posthog[3],
          ingestFormat: 'posthog',
          event,
        }
      : {
          arrivalSeq,
          ets,
          did,
          mid: event.mid,
          eid: event.eid,
          actorId: event.actor?.id ?? null,
          sid: event.context?.sid ?? null,
          ingestFormat: 'sunbird',
          event,
        },
  );
}
