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

/** The Sunbird batch envelope. Its msgid is derived from the mids, so the same batch re-sent keeps its msgid. */
export function buildBatch(events: TelemetryEvent[], msgid: string, now: number): string {
  return JSON.stringify({ id: 'api.sunbird.telemetry', ver: '3.0', params: { msgid }, ets: now, events });
}
