// The complete JSON Schema of each of the 17 events: the shared envelope around that event's edata schema.
//
// Written from the spec tables (sunbird-telemetry-v3.md §1–2) and held to the same verdicts as Sunbird's production
// pipeline schemas by the oracle test (schemas.oracle.test.ts). Plain data: compiling them is validate.ts's job.
import { actorSchema, contextSchema, objectSchema } from './envelope.js';
import { assessEdataSchema } from './events/assess.js';
import { auditEdataSchema } from './events/audit.js';
import { endEdataSchema } from './events/end.js';
import { errorEdataSchema } from './events/error.js';
import { exdataEdataSchema } from './events/exdata.js';
import { feedbackEdataSchema } from './events/feedback.js';
import { heartbeatEdataSchema } from './events/heartbeat.js';
import { impressionEdataSchema } from './events/impression.js';
import { interactEdataSchema } from './events/interact.js';
import { interruptEdataSchema } from './events/interrupt.js';
import { logEdataSchema } from './events/log.js';
import { metricsEdataSchema } from './events/metrics.js';
import { responseEdataSchema } from './events/response.js';
import { searchEdataSchema } from './events/search.js';
import { shareEdataSchema } from './events/share.js';
import { startEdataSchema } from './events/start.js';
import { summaryEdataSchema } from './events/summary.js';
import { type JsonSchema, STRING_ARRAY } from './json-schema.js';
import type { Eid } from './types.js';

export type { JsonSchema } from './json-schema.js';

/** The schema of each event's edata. */
export const EDATA_SCHEMAS: Readonly<Record<Eid, JsonSchema>> = {
  START: startEdataSchema,
  END: endEdataSchema,
  IMPRESSION: impressionEdataSchema,
  INTERACT: interactEdataSchema,
  ASSESS: assessEdataSchema,
  RESPONSE: responseEdataSchema,
  INTERRUPT: interruptEdataSchema,
  FEEDBACK: feedbackEdataSchema,
  SHARE: shareEdataSchema,
  AUDIT: auditEdataSchema,
  ERROR: errorEdataSchema,
  HEARTBEAT: heartbeatEdataSchema,
  LOG: logEdataSchema,
  SEARCH: searchEdataSchema,
  METRICS: metricsEdataSchema,
  SUMMARY: summaryEdataSchema,
  EXDATA: exdataEdataSchema,
};

/**
 * The envelope around one edata schema. The envelope is open (extra top-level keys such as `@timestamp` or `syncts`
 * are accepted), as in the pipeline. `edata` is listed last so that envelope errors, which usually mean a broken
 * producer, are reported before edata errors.
 */
export function eventSchema(eid: Eid, edata: JsonSchema): JsonSchema {
  return {
    type: 'object',
    required: ['eid', 'ets', 'ver', 'mid', 'actor', 'context', 'edata'],
    properties: {
      eid: { const: eid },
      // Epoch ms. Any JSON number, as in the pipeline (which declares a date-time format that never applies to numbers).
      ets: { type: 'number' },
      ver: { enum: ['3.0', '3.1'] },
      mid: { type: 'string', minLength: 1 },
      actor: actorSchema,
      context: contextSchema,
      object: objectSchema,
      tags: STRING_ARRAY,
      edata,
    },
  };
}

/** The full schema of every event, keyed by eid. */
export const EVENT_SCHEMAS: Readonly<Record<Eid, JsonSchema>> = Object.fromEntries(
  Object.entries(EDATA_SCHEMAS).map(([eid, edata]) => [eid, eventSchema(eid as Eid, edata)]),
) as Record<Eid, JsonSchema>;
