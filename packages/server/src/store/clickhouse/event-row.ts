/**
 * One spool record as the rows of the ClickHouse tables: the typed columns read from the event in JavaScript, once,
 * by the rules the DuckDB load applies in SQL (store/duckdb/load-segment-sql.ts insertsFrom), so both stores hold
 * the same values. ClickHouse 18.16 has no JSONExtract*, so extracting there would mean visitParam* (which reads
 * only flat, unescaped values): extracting here is both exact and the same on every ClickHouse version.
 */
import { FIELD_INDEX } from '../../spool/segment-format.js';
import type { ActorKeyRule } from '../store.js';

type Json = Record<string, unknown>;

const object = (value: unknown): Json | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;

/** A JSON value read as text, as DuckDB's json_transform to VARCHAR reads it: a scalar's text, an object's JSON. */
function text(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** A JSON value read as a number: a number, or text that reads as a finite one; else null. */
function number(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** A list of text values ([] when not a list: ClickHouse arrays are never NULL). */
const texts = (value: unknown): string[] =>
  Array.isArray(value) ? value.map((item) => text(item)).filter((item): item is string => item !== null) : [];

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when a key or string anywhere in `value` holds a lone surrogate. */
function hasLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(hasLoneSurrogate);
  if (value !== null && typeof value === 'object')
    return Object.entries(value).some(([key, item]) => LONE_SURROGATE.test(key) || hasLoneSurrogate(item));
  return false;
}

/** SQL's round(): half away from zero (Math.round goes half up). */
const round = (n: number) => Math.sign(n) * Math.round(Math.abs(n));

/** Sunbird's federated-id rule (store/duckdb/actor-key.ts): `f:org:u1` → `u1`. */
export function actorKey(rule: ActorKeyRule, actorId: string | null): string | null {
  if (actorId === null || rule === 'as-sent' || !actorId.startsWith('f:')) return actorId;
  return actorId.slice(actorId.lastIndexOf(':') + 1);
}

/** ets (epoch ms) as a DateTime: whole seconds, rounded down (as DuckDB's day of a TIMESTAMP), 0 before 1970. */
const dateTime = (ets: number) => Math.max(Math.floor(ets / 1000), 0);

/** An event record that cannot be a row: why, in the words failed_events keeps. */
export class UnloadableRecord extends Error {}

/**
 * The events row of an event record (kind 'e' or 'p'). `arrivalSeq`: its place in the store's arrival order.
 * @throws UnloadableRecord when the event's JSON does not parse or lacks what a row needs (eid, mid, a numeric ets)
 */
export function eventRow(fields: string[], arrivalSeq: number, rule: ActorKeyRule): Json {
  const kind = fields[FIELD_INDEX.kind];
  const raw = fields[FIELD_INDEX.raw];
  let j: Json | undefined;
  try {
    // A PostHog event's typed values are the V3-shaped JSON the collector wrote in `errors` (spool/segment-format.ts).
    j = object(JSON.parse(kind === 'p' ? fields[FIELD_INDEX.errors] : raw));
  } catch (error) {
    throw new UnloadableRecord(`the event is not JSON: ${(error as Error).message}`);
  }
  if (!j) throw new UnloadableRecord('the event is not a JSON object');
  // As DuckDB's JSON reader: a \uD83D escape without its pair has no UTF-8 form (it would be stored as U+FFFD).
  if (hasLoneSurrogate(j)) throw new UnloadableRecord('the event holds a lone surrogate escape (not Unicode)');
  const context = object(j.context) ?? {};
  const pdata = object(context.pdata) ?? {};
  const actor = object(j.actor) ?? {};
  const obj = object(j.object) ?? {};
  const edata = object(j.edata) ?? {};
  const mid = text(j.mid);
  const eid = text(j.eid);
  const etsValue = number(typeof j.ets === 'number' ? j.ets : undefined);
  if (mid === null || eid === null || etsValue === null)
    throw new UnloadableRecord('the event has no mid, eid or numeric ets');
  const ets = round(etsValue);
  // Beyond 2^53 ms JavaScript cannot hold the value exactly (DuckDB refuses a little later, past TIMESTAMP's range).
  if (!Number.isSafeInteger(ets)) throw new UnloadableRecord(`the event's ets ${etsValue} is out of range`);
  const header = (name: 'hdr_channel' | 'hdr_pid' | 'hdr_did') => fields[FIELD_INDEX[name]] || null;
  const orHeader = (value: unknown, name: 'hdr_channel' | 'hdr_pid' | 'hdr_did') => {
    const sent = text(value);
    return sent === null || sent === '' ? header(name) : sent;
  };
  const cdata = Array.isArray(context.cdata) ? context.cdata.map((c) => object(c) ?? {}) : [];
  const actorId = text(actor.id);
  const rollup = (owner: unknown, level: number) => text(object(owner)?.[`l${level}`]);
  let size = number(edata.size);
  if (kind === 'p') {
    try {
      size = number(object(object(JSON.parse(raw))?.edata)?.size);
    } catch {
      size = null;
    }
  }
  return {
    mid,
    eid,
    ets,
    ts: dateTime(ets),
    ets_corrected: ets + Number(fields[FIELD_INDEX.clock_offset_ms] || 0),
    syncts: Number(fields[FIELD_INDEX.syncts]),
    ver: text(j.ver),
    actor_id: actorId,
    actor_key: actorKey(rule, actorId),
    actor_type: text(actor.type),
    channel: orHeader(context.channel, 'hdr_channel'),
    pdata_id: text(pdata.id),
    pdata_ver: text(pdata.ver),
    pdata_pid: orHeader(pdata.pid, 'hdr_pid'),
    env: text(context.env),
    sid: text(context.sid),
    did: orHeader(context.did, 'hdr_did'),
    cdata_type: cdata.map((c) => text(c.type) ?? ''),
    cdata_id: cdata.map((c) => text(c.id) ?? ''),
    tags: texts(j.tags),
    object_id: text(obj.id),
    object_type: text(obj.type),
    object_ver: text(obj.ver),
    edata_type: text(edata.type),
    edata_subtype: text(edata.subtype),
    edata_mode: text(edata.mode),
    edata_id: text(edata.id),
    edata_pageid: text(edata.pageid),
    edata_uri: text(edata.uri),
    edata_duration: number(edata.duration),
    edata_rating: number(edata.rating),
    edata_query: text(edata.query),
    edata_size: size,
    rollup_l1: rollup(context.rollup, 1),
    rollup_l2: rollup(context.rollup, 2),
    rollup_l3: rollup(context.rollup, 3),
    rollup_l4: rollup(context.rollup, 4),
    object_rollup_l1: rollup(obj.rollup, 1),
    object_rollup_l2: rollup(obj.rollup, 2),
    object_rollup_l3: rollup(obj.rollup, 3),
    object_rollup_l4: rollup(obj.rollup, 4),
    arrival_seq: arrivalSeq,
    ingest_format: kind === 'p' ? 'posthog' : 'sunbird',
    raw,
  };
}

/**
 * The failed_events row of a rejected-event record (kind 'f'), or of a record the store cannot load (`loadError`).
 * @throws UnloadableRecord for a rejected-event record whose errors are not a JSON list (without `loadError`)
 */
export function failedRow(fields: string[], loadSegment: number, seq: number, loadError?: string): Json {
  // As the DuckDB load (CAST(json(errors) AS VARCHAR[])): errors that are not a JSON list refuse the record.
  const errors = (): string[] => {
    let list: unknown;
    try {
      list = JSON.parse(fields[FIELD_INDEX.errors] || '[]');
    } catch {
      throw new UnloadableRecord('the rejected event record has errors that are not JSON');
    }
    if (!Array.isArray(list)) throw new UnloadableRecord('the rejected event record has errors that are not a list');
    return texts(list);
  };
  return {
    syncts: Number(fields[FIELD_INDEX.syncts]) || 0,
    mid: fields[FIELD_INDEX.mid] || null,
    eid: fields[FIELD_INDEX.eid] || null,
    reason: loadError === undefined ? fields[FIELD_INDEX.reason] : 'load_error',
    errors: loadError === undefined ? errors() : [loadError],
    batch_msgid: fields[FIELD_INDEX.msgid] || null,
    raw: fields[FIELD_INDEX.raw] ?? '',
    load_segment: loadSegment,
    seq,
  };
}

/** The batches row of a batch record (kind 'b'). */
export function batchRow(fields: string[], loadSegment: number, seq: number): Json {
  return {
    msgid: fields[FIELD_INDEX.msgid],
    syncts: Number(fields[FIELD_INDEX.syncts]),
    events: Number(fields[FIELD_INDEX.n]),
    load_segment: loadSegment,
    seq,
  };
}
