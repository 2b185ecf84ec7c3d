/**
 * The one V3 ↔ PostHog mapping (docs/posthog.md), shared by the capture endpoints, the insights and the forwarder.
 */
import crypto from 'node:crypto';

/**
 * PostHog events an insight counts as the V3 eid: a page or screen view is an IMPRESSION, an autocaptured click or
 * change is an INTERACT. One direction: a series over `IMPRESSION` includes `$pageview`, a series over `$pageview`
 * is PostHog's events only.
 */
export const POSTHOG_EQUIVALENTS: Readonly<Record<string, readonly string[]>> = {
  IMPRESSION: ['$pageview', '$screen'],
  INTERACT: ['$autocapture'],
};

/** The event names an insight step or series over `eid` matches: the eid and its PostHog equivalents. */
export function eidsMatching(eid: string): readonly string[] {
  const equivalents = POSTHOG_EQUIVALENTS[eid];
  return equivalents ? [eid, ...equivalents] : [eid];
}

/**
 * The namespace of the UUIDv5 the forwarder makes from each event's `mid` (PostHog rejects a request whose `uuid` is
 * not a UUID, and de-duplicates by it, so a re-sent event must get the same one). Fixed forever: changing it would
 * make every event already forwarded look new to PostHog. Generated once for this project (a random UUIDv4).
 */
export const MID_NAMESPACE = '0c3a5e8e-5b8f-4a57-9d0e-7f1f6a2b9c41';

/** The namespace as bytes, parsed once. */
const NAMESPACE_BYTES = Buffer.from(MID_NAMESPACE.replaceAll('-', ''), 'hex');

/**
 * The namespace followed by room for a mid: each call writes its mid after the namespace and hashes the bytes in one
 * call (crypto.hash, Node ≥ 20.12), where a Hash object per call cost more than the SHA-1 itself.
 */
const SCRATCH = Buffer.alloc(1024);
NAMESPACE_BYTES.copy(SCRATCH);

/** SHA-1 of NAMESPACE_BYTES and `mid` (UTF-8). */
function sha1OfMid(mid: string): Buffer {
  // 3 bytes per UTF-16 unit at most: a mid that may not fit takes the general path instead of being cut.
  if (typeof crypto.hash === 'function' && 16 + mid.length * 3 <= SCRATCH.length) {
    const length = SCRATCH.write(mid, 16, 'utf8');
    return crypto.hash('sha1', SCRATCH.subarray(0, 16 + length), 'buffer');
  }
  return crypto.createHash('sha1').update(NAMESPACE_BYTES).update(mid, 'utf8').digest();
}

/**
 * The uuid a V3 event has in PostHog: UUIDv5(mid, MID_NAMESPACE) (RFC 9562 §5.5: SHA-1 of namespace and name, version
 * and variant bits set), the same every time it is sent. One hash and one hex string per call (the `uuid` package
 * copied the name into arrays first; the tests check against it).
 */
export function forwardedUuid(mid: string): string {
  const hash = sha1OfMid(mid);
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const x = hash.toString('hex', 0, 16);
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** How the forwarded event is named: the eid (default), or `eid:edata.type` (Samagra's names, e.g. `INTERACT:CLICK`). */
export type EventNaming = 'eid' | 'eid:edata.type';

/** The columns of `events` the forwarder reads (sinks/posthog/forward-sql.ts). */
export interface StoredEvent {
  arrivalSeq: number;
  mid: string;
  eid: string;
  ets: number;
  actorId: string | null;
  sid: string | null;
  did: string | null;
  ingestFormat: string;
  /** The stored `raw` event, parsed. */
  event: Record<string, unknown>;
}

/** One message of PostHog's `/batch/` body (https://posthog.com/docs/api/capture). */
export interface PostHogMessage {
  event: string;
  distinct_id: string;
  uuid: string;
  timestamp: string;
  properties: Record<string, unknown>;
  /** Person properties to set, when the event came with them at its top level (PostHog accepts them there too). */
  $set?: Record<string, unknown>;
  /** Person properties to set only where unset, likewise. */
  $set_once?: Record<string, unknown>;
}

/**
 * Dotted keys already made, by prefix then key: the same few hundred names recur in every event, and a name looked up
 * here is a string V8 has already hashed, where one concatenated per leaf had to be flattened and hashed again to
 * become a property key. Bounded (an event's edata may carry keys of its own): emptied when it holds MAX_NAMES,
 * and names longer than MAX_NAME_LENGTH are not kept.
 */
const names = new Map<string, Map<string, string>>();
let nameCount = 0;
const MAX_NAMES = 10_000;
const MAX_NAME_LENGTH = 200;

/** `${prefix}.${key}`, from `names` when made before. */
function dotted(prefix: string, key: string): string {
  if (prefix.length + key.length >= MAX_NAME_LENGTH) return `${prefix}.${key}`;
  let byKey = names.get(prefix);
  if (byKey === undefined) {
    if (nameCount >= MAX_NAMES) {
      names.clear();
      nameCount = 0;
    }
    byKey = new Map();
    names.set(prefix, byKey);
  }
  let name = byKey.get(key);
  if (name === undefined) {
    name = `${prefix}.${key}`;
    byKey.set(key, name);
    nameCount++;
  }
  return name;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Dotted keys for every leaf of `value` under `prefix` (`context.pdata.id`); arrays are kept whole, as values. */
function flatten(prefix: string, value: unknown, into: Record<string, unknown>): void {
  if (isPlainObject(value)) {
    // for…in, not Object.entries: no array per object (a parsed JSON object has no inherited keys).
    for (const key in value) flatten(dotted(prefix, key), value[key], into);
  } else if (value !== undefined) {
    into[prefix] = value;
  }
}

/**
 * A stored event as PostHog receives it. V3 events: `distinct_id` = `actor.id` (else `context.did`), `uuid` =
 * UUIDv5(mid, MID_NAMESPACE), `timestamp` = `ets` as ISO, properties `$session_id` (context.sid), `$device_id`
 * (context.did), `$lib`, `eid`, `mid`, `ver`, `actor.type`, `tags` and `context.*`, `object.*`, `edata.*` flattened
 * into dotted keys (Samagra's shape). Events that came in PostHog's format go back as they came: their name, uuid,
 * properties, and the person properties `$set` / `$set_once` where they sent them at the top level
 * (https://posthog.com/docs/api/capture; inside `properties` they go back with the properties).
 */
export function toPostHogMessage(row: StoredEvent, naming: EventNaming): PostHogMessage {
  const { event } = row;
  const timestamp = new Date(row.ets).toISOString();
  const distinctId = row.actorId ?? row.did ?? row.mid;
  if (row.ingestFormat === 'posthog') {
    const properties = (event.properties ?? {}) as Record<string, unknown>;
    const message: PostHogMessage = { event: row.eid, distinct_id: distinctId, uuid: row.mid, timestamp, properties };
    // Objects only: PostHog reads them as maps and refuses the whole request over another type (its RawEvent).
    if (isPlainObject(event.$set)) message.$set = event.$set;
    if (isPlainObject(event.$set_once)) message.$set_once = event.$set_once;
    return message;
  }
  const properties: Record<string, unknown> = {
    eid: row.eid,
    mid: row.mid,
    ver: event.ver,
    $lib: FORWARDER_LIB,
  };
  if (row.sid) properties.$session_id = row.sid;
  if (row.did) properties.$device_id = row.did;
  const actor = event.actor as Record<string, unknown> | undefined;
  if (actor?.type !== undefined) properties['actor.type'] = actor.type;
  if (event.tags !== undefined) properties.tags = event.tags;
  flatten('context', event.context, properties);
  flatten('object', event.object, properties);
  flatten('edata', event.edata, properties);
  const type = properties['edata.type'];
  const name = naming === 'eid:edata.type' && typeof type === 'string' && type !== '' ? `${row.eid}:${type}` : row.eid;
  return { event: name, distinct_id: distinctId, uuid: forwardedUuid(row.mid), timestamp, properties };
}

/** `$lib` of forwarded V3 events. */
export const FORWARDER_LIB = 'telemetry-forwarder';
