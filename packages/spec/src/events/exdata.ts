// EXDATA: a wrapper for encrypted or serialized data from partners, xAPI and the like (spec §2.17): edata type and schema.
import { closedObject, STRING } from '../json-schema.js';

/** Nothing is required. */
export interface ExdataEdata {
  /** Free text, e.g. "partnerdata", "xapi". */
  type?: string;
  /** Serialized data (encrypted, encoded or stringified); must be a string. */
  data?: string;
}

export const exdataEdataSchema = closedObject({ type: STRING, data: STRING });
