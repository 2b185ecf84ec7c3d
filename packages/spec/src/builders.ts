// Builds V3 events from an edata and the caller's envelope parts, filling ets, ver and mid. Small, ajv-free and
// tree-shakable, because the browser SDK bundles it.
import { createMid } from './mid.js';
import type {
  Actor,
  EdataByEid,
  Eid,
  EventOf,
  TelemetryContext,
  TelemetryEvent,
  TelemetryObject,
  TelemetryVersion,
} from './types.js';

export { createMid } from './mid.js';

/** The envelope parts a caller provides; ets, mid and ver default to now, a fresh `<EID>:<uuid>` and "3.0". */
export interface EventBase {
  actor: Actor;
  context: TelemetryContext;
  object?: TelemetryObject;
  tags?: string[];
  /** Epoch milliseconds; defaults to `Date.now()`. */
  ets?: number;
  mid?: string;
  /** Defaults to "3.0", the version every Sunbird pipeline accepts and Sunbird's JS SDK sends. */
  ver?: TelemetryVersion;
}

/**
 * A complete event with its keys in the order Sunbird's SDK writes them (eid, ets, ver, mid, actor, context, object,
 * tags, edata), so serialized events look the same as theirs. `object` and `tags` are left out when not given.
 * actor, context, object, tags and edata are used as given, not copied: treat them as immutable once passed.
 */
export function buildEvent<E extends Eid>(eid: E, edata: EdataByEid[E], base: EventBase): TelemetryEvent<E> {
  const event = {
    eid,
    ets: base.ets ?? Date.now(),
    ver: base.ver ?? '3.0',
    mid: base.mid ?? createMid(eid),
    actor: base.actor,
    context: base.context,
  } as EventOf<E>;
  if (base.object !== undefined) event.object = base.object;
  if (base.tags !== undefined) event.tags = base.tags;
  event.edata = edata;
  return event as TelemetryEvent<E>;
}
