// END: the closure of what a START opened, matched by (type, mode) (spec §2.2): its edata type and schema.
import { closedObject, NUMBER, OBJECT_ARRAY, STRING } from '../json-schema.js';

export interface EndEdata {
  /** Same values as START's type. */
  type: string;
  mode?: string;
  /** Total time from START to END, in seconds. */
  duration?: number;
  pageid?: string;
  /** What happened in between, e.g. `[{"progress": 50}]`. */
  summary?: Record<string, unknown>[];
}

export const endEdataSchema = closedObject(
  { type: STRING, mode: STRING, duration: NUMBER, pageid: STRING, summary: OBJECT_ARRAY },
  ['type'],
);
