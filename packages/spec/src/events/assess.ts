// ASSESS: the outcome of one assessment question inside content (spec §2.5): its edata type and schema.
import { closedObject, NUMBER, OBJECT_ARRAY, STRING } from '../json-schema.js';
import { type Question, questionSchema } from './parts.js';

export interface AssessEdata {
  item: Question;
  /** Position of the question within the content. */
  index?: number;
  /** "Yes" or "No" (case-sensitive per the spec, free string in the schema). */
  pass: string;
  /** Evaluated score, usually between 0 and 1. */
  score: number;
  /** The answer as key/value pairs, e.g. `[{"ans1": "6"}]`. */
  resvalues: Record<string, unknown>[];
  /** Time taken, in seconds. */
  duration: number;
}

export const assessEdataSchema = closedObject(
  { item: questionSchema, index: NUMBER, pass: STRING, score: NUMBER, resvalues: OBJECT_ARRAY, duration: NUMBER },
  ['item', 'pass', 'score', 'resvalues', 'duration'],
);
