// SEARCH: a search was run for content, items or assets (spec §2.14): its edata type and schema.
import { closedObject, NUMBER, OBJECT, OBJECT_ARRAY, STRING } from '../json-schema.js';

export interface SearchEdata {
  /** "content", "assessment", "asset" (free string). */
  type?: string;
  query: string;
  /** The search API's filters (free object). */
  filters?: Record<string, unknown>;
  sort?: Record<string, unknown>;
  /** Server-generated correlation id. */
  correlationid?: string;
  /** Number of results. */
  size: number;
  /** The top results with their scores; may be empty. */
  topn: Record<string, unknown>[];
}

export const searchEdataSchema = closedObject(
  {
    type: STRING,
    query: STRING,
    filters: OBJECT,
    sort: OBJECT,
    correlationid: STRING,
    size: NUMBER,
    topn: OBJECT_ARRAY,
  },
  ['query', 'size', 'topn'],
);
