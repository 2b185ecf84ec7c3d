// IMPRESSION: a user saw a page or screen (spec §2.3): its edata type and schema.
import { closedObject, NUMBER, STRING } from '../json-schema.js';
import { type Visit, visitSchema } from './parts.js';

export interface ImpressionEdata {
  /** "list", "detail", "view", "edit", "workflow", "search" (free string). */
  type: string;
  /** e.g. "Paginate", "Scroll". */
  subtype?: string;
  pageid: string;
  /** Relative URL of the page. */
  uri: string;
  /** Objects shown on the page. */
  visits?: Visit[];
  /** Time on the page, in seconds. Not in the spec text; the pipeline schema added it in 2019. */
  duration?: number;
}

export const impressionEdataSchema = closedObject(
  {
    type: STRING,
    subtype: STRING,
    pageid: STRING,
    uri: STRING,
    visits: { type: 'array', items: visitSchema },
    duration: NUMBER,
  },
  ['type', 'pageid', 'uri'],
);
