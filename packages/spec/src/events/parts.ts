// The edata sub-structures the spec names without always defining them (DSPEC, UASPEC, VISIT, TARGET, PLUGIN, QUESTION,
// inline OBJECT, ITEMS): their types and schemas, from sunbird-telemetry-v3.md §1.3.
import {
  closedObject,
  type JsonSchema,
  NUMBER,
  OBJECT_ARRAY,
  openObject,
  STRING,
  STRING_ARRAY,
} from '../json-schema.js';

/** Device spec (START). Open. Numbers use -1 for "unknown", hence the minimum. */
export interface Dspec {
  os?: string;
  make?: string;
  id?: string;
  mem?: number;
  idisk?: number;
  edisk?: number;
  scrn?: number;
  camera?: string;
  cpu?: string;
  sims?: number;
  cap?: string[];
}

/** User-agent spec (START). Open. */
export interface Uaspec {
  agent?: string;
  ver?: string;
  system?: string;
  platform?: string;
  raw?: string;
}

/** A parent reference inside TARGET and inline OBJECT. Open, nothing required. */
export interface Parent {
  id?: string;
  type?: string;
}

/** An object shown on a page (IMPRESSION visits). Closed. */
export interface Visit {
  objid: string;
  objtype: string;
  objver?: string;
  section?: string;
  index?: number;
}

/** What an interaction or response was aimed at. Closed. */
export interface Target {
  id: string;
  ver: string;
  type: string;
  parent?: Parent;
}

/** The plugin that raised the event. Closed. */
export interface Plugin {
  id: string;
  ver: string;
  category?: string;
}

/** An assessment question (ASSESS item). Closed. */
export interface Question {
  id: string;
  maxscore?: number;
  /** Expected time to answer, in seconds. */
  exlength?: number;
  params?: Record<string, unknown>[];
  uri?: string;
  desc?: string;
  title?: string;
  /** Missing micro concepts. */
  mmc?: string[];
  /** Micro concepts. */
  mc?: string[];
  type?: string;
}

/** The object an ERROR happened on. Closed; unlike the envelope object, id/type/ver are required. */
export interface InlineObject {
  id: string;
  type: string;
  ver: string;
  subtype?: string;
  name?: string;
  code?: string;
  parent?: Parent;
}

/** A shared thing (SHARE items). Closed, nothing required. */
export interface ShareItem {
  id?: string;
  type?: string;
  ver?: string;
  params?: Record<string, unknown>[];
  origin?: { id?: string; type?: string };
  to?: { id?: string; type?: string };
}

const DSPEC_COUNT: JsonSchema = { type: 'number', minimum: -1 };

export const dspecSchema = openObject({
  os: STRING,
  make: STRING,
  id: STRING,
  mem: DSPEC_COUNT,
  idisk: DSPEC_COUNT,
  edisk: DSPEC_COUNT,
  scrn: DSPEC_COUNT,
  camera: STRING,
  cpu: STRING,
  sims: DSPEC_COUNT,
  cap: STRING_ARRAY,
});

export const uaspecSchema = openObject({ agent: STRING, ver: STRING, system: STRING, platform: STRING, raw: STRING });

const parentSchema = openObject({ id: STRING, type: STRING });

export const visitSchema = closedObject(
  { objid: STRING, objtype: STRING, objver: STRING, section: STRING, index: NUMBER },
  ['objid', 'objtype'],
);

export const targetSchema = closedObject({ id: STRING, ver: STRING, type: STRING, parent: parentSchema }, [
  'id',
  'ver',
  'type',
]);

export const pluginSchema = closedObject({ id: STRING, ver: STRING, category: STRING }, ['id', 'ver']);

export const questionSchema = closedObject(
  {
    id: STRING,
    maxscore: NUMBER,
    exlength: NUMBER,
    params: OBJECT_ARRAY,
    uri: STRING,
    desc: STRING,
    title: STRING,
    mmc: STRING_ARRAY,
    mc: STRING_ARRAY,
    type: STRING,
  },
  ['id'],
);

export const inlineObjectSchema = closedObject(
  { id: STRING, type: STRING, ver: STRING, subtype: STRING, name: STRING, code: STRING, parent: parentSchema },
  ['id', 'type', 'ver'],
);

const endpointSchema = openObject({ id: STRING, type: STRING });

export const shareItemsSchema: JsonSchema = {
  type: 'array',
  items: closedObject({
    id: STRING,
    type: STRING,
    ver: STRING,
    params: OBJECT_ARRAY,
    origin: endpointSchema,
    to: endpointSchema,
  }),
};
