// LOG: generic logging of API calls, service calls, app updates and the like (spec §2.13): its edata type and schema.
import { closedObject, OBJECT_ARRAY, STRING } from '../json-schema.js';

export interface LogEdata {
  /** "system", "process", "api_access", "api_call", "job", "app_update", ... (free string). */
  type: string;
  /** "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL" per the spec; any case is seen in real data. */
  level: string;
  message: string;
  pageid?: string;
  /** Key/value pairs, e.g. `[{"url": "/content"}, {"method": "POST"}]`. */
  params?: Record<string, unknown>[];
}

export const logEdataSchema = closedObject(
  { type: STRING, level: STRING, message: STRING, pageid: STRING, params: OBJECT_ARRAY },
  ['type', 'level', 'message'],
);
