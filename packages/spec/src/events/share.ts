// SHARE: content, telemetry, a link or a file shared in or out (spec §2.9): its edata type and schema.
import { closedObject, STRING } from '../json-schema.js';
import { type ShareItem, shareItemsSchema } from './parts.js';

export interface ShareEdata {
  /** "In" or "Out". */
  dir?: string;
  /** "File", "Link" or "Message". */
  type?: string;
  /** What was shared; the pipeline turns each item into a SHARE_ITEM event. */
  items: ShareItem[];
}

export const shareEdataSchema = closedObject({ dir: STRING, type: STRING, items: shareItemsSchema }, ['items']);
