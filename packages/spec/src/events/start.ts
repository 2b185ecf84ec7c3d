// START: the beginning of an app, session, player, editor or workflow (spec §2.1): its edata type and schema.
import { closedObject, NUMBER, STRING } from '../json-schema.js';
import { type Dspec, dspecSchema, type Uaspec, uaspecSchema } from './parts.js';

export interface StartEdata {
  /** What started: "app", "session", "editor", "player", "workflow", "assessment" (free string; real data also has "content"). */
  type: string;
  dspec?: Dspec;
  uaspec?: Uaspec;
  /** Location of the device. */
  loc?: string;
  /** e.g. player "play"/"edit"/"preview"; workflow "Review"/"Flag"/"Publish". */
  mode?: string;
  /** Time taken to start, in seconds. */
  duration?: number;
  pageid?: string;
}

export const startEdataSchema = closedObject(
  {
    type: STRING,
    dspec: dspecSchema,
    uaspec: uaspecSchema,
    loc: STRING,
    mode: STRING,
    duration: NUMBER,
    pageid: STRING,
  },
  ['type'],
);
