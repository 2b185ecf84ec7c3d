/** Builds one V3 event from the client's defaults and a call's overrides, in the key order Sunbird's SDK uses. */
import type { CallOptions, Cdata, Eid, EventContext, EventObject, Pdata, Rollup, TelemetryEvent } from './types.js';
import { uuid } from './util.js';

/** The defaults every event starts from; the client keeps one and updates it (identify, set, session). */
export interface EventDefaults {
  channel: string;
  pdata: Pdata;
  env: string;
  sid: string;
  did: string;
  uid?: string;
  actorType: string;
  cdata: Cdata[];
  rollup?: Rollup;
  object?: EventObject;
  tags: string[];
  /** Milliseconds added to every ets (Sunbird's timeDiff, in seconds, times 1000). */
  skewMs: number;
  /** Extra context keys applied to every event (a facade's sticky context). */
  context?: Partial<EventContext>;
  /** Extra actor keys applied to every event. */
  actor?: Record<string, unknown>;
}

/**
 * A new event. The mid is `EID:uuid`, random rather than a content hash, so two identical events in the same
 * millisecond stay two events; it is fixed here, at creation, so every retry carries the same mid and the
 * collector's de-duplication makes delivery exactly-once.
 */
export function buildEvent(
  d: EventDefaults,
  eid: Eid,
  edata: unknown,
  o: CallOptions | undefined,
  now: number,
): TelemetryEvent {
  const context: EventContext = {
    channel: d.channel,
    pdata: d.pdata,
    env: d.env,
    sid: d.sid,
    did: d.did,
    cdata: o?.cdata ?? d.cdata,
  };
  if (d.rollup) context.rollup = d.rollup;
  if (d.context) Object.assign(context, d.context);
  if (o?.context) Object.assign(context, o.context);
  const actor = { id: d.uid || d.did, type: d.actorType, ...d.actor, ...o?.actor };
  // Sunbird's rule: an anonymous user is counted as its device.
  if ((!actor.id || actor.id === 'anonymous') && context.did) actor.id = context.did as string;
  return {
    eid,
    ets: now + d.skewMs,
    ver: o?.ver || '3.0',
    mid: eid + ':' + uuid(),
    actor,
    context,
    object: o?.object ? { ...d.object, ...o.object } : d.object ? { ...d.object } : {},
    tags: o?.tags ?? d.tags,
    edata: (edata ?? {}) as Record<string, unknown>,
  };
}

/**
 * The JSON text of an event, made once when it is tracked, so that a value that cannot be serialised is dealt with
 * here, alone, instead of failing every batch it would later be part of. A cycle becomes the string "[Circular]"
 * and a BigInt its decimal string (`replaced`); functions, symbols and undefined are left out, as JSON.stringify
 * does. Undefined when even that fails (a getter or toJSON that throws): the caller drops the event and counts it.
 */
export function serialize(value: unknown): { json: string; replaced: boolean } | undefined {
  try {
    return { json: JSON.stringify(value), replaced: false };
  } catch {
    // Only the slow path tracks ancestors: the holder chain of the current value (so a shared, non-cyclic
    // reference is written twice, as JSON.stringify would, and only a true cycle is cut).
    const stack: unknown[] = [];
    let replaced = false;
    try {
      const json = JSON.stringify(value, function (this: unknown, _key, v: unknown) {
        if (typeof v === 'bigint') {
          replaced = true;
          return v.toString();
        }
        if (v && typeof v === 'object') {
          while (stack.length && stack[stack.length - 1] !== this) stack.pop();
          if (stack.includes(v)) {
            replaced = true;
            return '[Circular]';
          }
          stack.push(v);
        }
        return v;
      });
      return { json, replaced };
    } catch {
      return undefined;
    }
  }
}

/**
 * The Sunbird batch envelope around events already serialised. Its msgid is derived from the mids, so the same batch
 * re-sent keeps its msgid; `ets` is the send time on the device's clock, skew-adjusted like the events' ets, so the
 * collector can tell how far that clock is off (received time − ets).
 */
export function buildBatch(events: string[], msgid: string, ets: number): string {
  return `{"id":"api.sunbird.telemetry","ver":"3.0","params":{"msgid":"${msgid}"},"ets":${ets},"events":[${events.join(',')}]}`;
}
