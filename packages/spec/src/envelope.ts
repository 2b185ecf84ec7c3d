// The V3 envelope parts shared by all 17 events (actor, context, pdata, cdata, rollup, object): their types and schemas.
//
// Source: sunbird-telemetry-v3.md §1.2. Where the spec and Sunbird's production pipeline disagree the schema follows
// the pipeline (pdata required; object keys optional; context.rollup unchecked), because an event we accept must also
// be accepted by any Sunbird pipeline we forward to. All these objects are open: extra keys are accepted and kept.
import { type JsonSchema, openObject, STRING } from './json-schema.js';

/** Who did it. `id` may be blank (e.g. before login); `type` is "User", "System", ... */
export interface Actor {
  id: string;
  type: string;
}

/** The producer of the event. Required by the pipeline (the spec says optional). */
export interface Pdata {
  /** Unique id of the producing app or service, e.g. "prod.diksha.app". */
  id: string;
  /** Instance or sub-component, e.g. "sunbird.app.contentplayer". */
  pid?: string;
  /** Build version of the producer. */
  ver?: string;
  /** Operating system, e.g. "Android" (added in V3.1). */
  platform?: string;
}

/** One correlation: exactly `{type, id}`, nothing else (the pipeline closes cdata items). */
export interface Cdata {
  type: string;
  id: string;
}

/** Up to four hierarchy levels, e.g. for content `l1` is the root collection id. */
export interface Rollup {
  l1?: string;
  l2?: string;
  l3?: string;
  l4?: string;
}

export interface TelemetryContext {
  /** The tenant that produced the event; must be non-empty. */
  channel: string;
  pdata: Pdata;
  /** Where in the product it happened, e.g. "home", "ContentPlayer"; may be blank. */
  env: string;
  /** Session id. */
  sid?: string;
  /** Device id. */
  did?: string;
  cdata?: Cdata[];
  /** Not checked by the pipeline schema, so not checked by ours either. */
  rollup?: Rollup;
}

/** The subject of the event. The spec requires id and type when present; the pipeline accepts `{}`, and so do we. */
export interface TelemetryObject {
  id?: string;
  type?: string;
  ver?: string;
  rollup?: Rollup;
}

export const actorSchema = openObject({ id: STRING, type: STRING }, ['id', 'type']);

export const pdataSchema = openObject({ id: STRING, pid: STRING, ver: STRING }, ['id']);

const cdataItemSchema: JsonSchema = {
  type: 'object',
  properties: { type: STRING, id: STRING },
  required: ['type', 'id'],
  additionalProperties: false,
};

export const contextSchema = openObject(
  {
    channel: { type: 'string', minLength: 1 },
    pdata: pdataSchema,
    env: STRING,
    sid: STRING,
    did: STRING,
    cdata: { type: 'array', items: cdataItemSchema },
  },
  ['channel', 'env', 'pdata'],
);

export const rollupSchema = openObject({ l1: STRING, l2: STRING, l3: STRING, l4: STRING });

export const objectSchema = openObject({ id: STRING, type: STRING, ver: STRING, rollup: rollupSchema });
