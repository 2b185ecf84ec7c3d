// RESPONSE: a user's answer to a poll, calendar event or question (spec §2.6): its edata type and schema.
import { closedObject, OBJECT_ARRAY, STRING } from '../json-schema.js';
import { type Target, targetSchema } from './parts.js';

export interface ResponseEdata {
  /** What was responded to. */
  target: Target;
  /** "CHOOSE", "DRAG", "SELECT", "MATCH", "INPUT", "SPEAK", "WRITE" (free string). */
  type: string;
  /** Response tuples, e.g. `[{"lhs": "option1"}, {"rhs": "optionN"}]`. */
  values: Record<string, unknown>[];
}

export const responseEdataSchema = closedObject({ target: targetSchema, type: STRING, values: OBJECT_ARRAY }, [
  'target',
  'type',
  'values',
]);
