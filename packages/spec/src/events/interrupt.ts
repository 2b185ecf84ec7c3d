// INTERRUPT: the user's activity was interrupted, e.g. app sent to background or a call (spec §2.7): edata type and schema.
import { closedObject, STRING } from '../json-schema.js';

export interface InterruptEdata {
  /** Spec values "m:background", "m:resume"; real data uses e.g. "resume" (free string). */
  type: string;
  pageid?: string;
}

export const interruptEdataSchema = closedObject({ type: STRING, pageid: STRING }, ['type']);
