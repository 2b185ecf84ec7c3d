// ERROR: the user hit an error (spec §2.11): its edata type and schema.
//
// Sunbird's JS SDK adds `traceid`; the pipeline schema rejects it, so we do too.
import { closedObject, STRING } from '../json-schema.js';
import { type InlineObject, inlineObjectSchema, type Plugin, pluginSchema } from './parts.js';

export interface ErrorEdata {
  /** Error code, e.g. "ERR_DOWNLOAD_FAILED". */
  err: string;
  /** Classification, e.g. "SYSTEM", "MOBILEAPP", "CONTENT" (free string). */
  errtype: string;
  stacktrace: string;
  pageid?: string;
  object?: InlineObject;
  plugin?: Plugin;
}

export const errorEdataSchema = closedObject(
  {
    err: STRING,
    errtype: STRING,
    stacktrace: STRING,
    pageid: STRING,
    object: inlineObjectSchema,
    plugin: pluginSchema,
  },
  ['err', 'errtype', 'stacktrace'],
);
