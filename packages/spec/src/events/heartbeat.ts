// HEARTBEAT: the process is still running (spec §2.12): its edata type and schema — the one edata that is open.
import { OBJECT } from '../json-schema.js';

/** The spec gives `{}`; the pipeline accepts any object, so any key is allowed. */
export type HeartbeatEdata = Record<string, unknown>;

export const heartbeatEdataSchema = OBJECT;
