// AUDIT: an object was changed, including life-cycle changes such as Draft → Review (spec §2.10): edata type and schema.
import { closedObject, NUMBER, STRING, STRING_ARRAY } from '../json-schema.js';

/** Nothing is required. */
export interface AuditEdata {
  /** Not in the spec text; accepted by the pipeline schema. */
  type?: string;
  /** Names of the updated properties. */
  props?: string[];
  /** Current state, e.g. "Live". */
  state?: string;
  /** Previous state, e.g. "Review". */
  prevstate?: string;
  /** Not in the spec text; accepted by the pipeline schema. */
  duration?: number;
}

export const auditEdataSchema = closedObject({
  type: STRING,
  props: STRING_ARRAY,
  state: STRING,
  prevstate: STRING,
  duration: NUMBER,
});
