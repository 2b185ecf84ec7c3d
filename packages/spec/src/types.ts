// The V3 event model as TypeScript types: the 17 eids, the envelope with edata typed per eid, and the ingest batch.
//
// This module and everything it re-exports are free of ajv (type-only re-exports), because the browser SDK imports it.
import type { Actor, TelemetryContext, TelemetryObject } from './envelope.js';
import type { AssessEdata } from './events/assess.js';
import type { AuditEdata } from './events/audit.js';
import type { EndEdata } from './events/end.js';
import type { ErrorEdata } from './events/error.js';
import type { ExdataEdata } from './events/exdata.js';
import type { FeedbackEdata } from './events/feedback.js';
import type { HeartbeatEdata } from './events/heartbeat.js';
import type { ImpressionEdata } from './events/impression.js';
import type { InteractEdata } from './events/interact.js';
import type { InterruptEdata } from './events/interrupt.js';
import type { LogEdata } from './events/log.js';
import type { MetricsEdata } from './events/metrics.js';
import type { ResponseEdata } from './events/response.js';
import type { SearchEdata } from './events/search.js';
import type { ShareEdata } from './events/share.js';
import type { StartEdata } from './events/start.js';
import type { SummaryEdata } from './events/summary.js';

export type { Actor, Cdata, Pdata, Rollup, TelemetryContext, TelemetryObject } from './envelope.js';
export type { AssessEdata } from './events/assess.js';
export type { AuditEdata } from './events/audit.js';
export type { EndEdata } from './events/end.js';
export type { ErrorEdata } from './events/error.js';
export type { ExdataEdata } from './events/exdata.js';
export type { FeedbackEdata } from './events/feedback.js';
export type { HeartbeatEdata } from './events/heartbeat.js';
export type { ImpressionEdata } from './events/impression.js';
export type { InteractEdata } from './events/interact.js';
export type { InterruptEdata } from './events/interrupt.js';
export type { LogEdata } from './events/log.js';
export type { MetricsEdata, MetricValue } from './events/metrics.js';
export type {
  Dspec,
  InlineObject,
  Parent,
  Plugin,
  Question,
  ShareItem,
  Target,
  Uaspec,
  Visit,
} from './events/parts.js';
export type { ResponseEdata } from './events/response.js';
export type { SearchEdata } from './events/search.js';
export type { ShareEdata } from './events/share.js';
export type { StartEdata } from './events/start.js';
export type { SummaryEdata, SummaryExtra } from './events/summary.js';

/** The 17 event ids of Telemetry V3, in the spec's order. There is no EXPERIMENT event in V3. */
export const EIDS = [
  'START',
  'END',
  'IMPRESSION',
  'INTERACT',
  'ASSESS',
  'RESPONSE',
  'INTERRUPT',
  'FEEDBACK',
  'SHARE',
  'AUDIT',
  'ERROR',
  'HEARTBEAT',
  'LOG',
  'SEARCH',
  'METRICS',
  'SUMMARY',
  'EXDATA',
] as const;

export type Eid = (typeof EIDS)[number];

/** "3.1" only adds the optional `context.pdata.platform`; Sunbird's pipeline accepts both. */
export type TelemetryVersion = '3.0' | '3.1';

/** The edata type of each event. */
export interface EdataByEid {
  START: StartEdata;
  END: EndEdata;
  IMPRESSION: ImpressionEdata;
  INTERACT: InteractEdata;
  ASSESS: AssessEdata;
  RESPONSE: ResponseEdata;
  INTERRUPT: InterruptEdata;
  FEEDBACK: FeedbackEdata;
  SHARE: ShareEdata;
  AUDIT: AuditEdata;
  ERROR: ErrorEdata;
  HEARTBEAT: HeartbeatEdata;
  LOG: LogEdata;
  SEARCH: SearchEdata;
  METRICS: MetricsEdata;
  SUMMARY: SummaryEdata;
  EXDATA: ExdataEdata;
}

/** One event of type K. Keys are listed in the order Sunbird's SDK writes them. */
export interface EventOf<K extends Eid> {
  eid: K;
  /** Epoch milliseconds when the event happened on the client. */
  ets: number;
  ver: TelemetryVersion;
  /** Unique message id, the de-duplication key. Any non-empty string. */
  mid: string;
  actor: Actor;
  context: TelemetryContext;
  object?: TelemetryObject;
  /** Dimension tags set by the channel; strings only. */
  tags?: string[];
  edata: EdataByEid[K];
}

/**
 * A V3 event. Without a type argument it is the union over all eids, so checking `event.eid` narrows `event.edata`.
 * Validated events may carry more top-level keys (e.g. `@timestamp`, `syncts`): the envelope is open.
 */
export type TelemetryEvent<E extends Eid = Eid> = { [K in E]: EventOf<K> }[E];

/**
 * The body of `POST /v1/telemetry` as Sunbird's JS SDK (and ours) sends it. The mobile SDK sends `ts` (an ISO string)
 * instead of `ets` and adds `params.did`/`key`/`requesterId`, so a collector should require neither `ets` nor `ts`.
 */
export interface TelemetryBatch {
  /** e.g. "api.sunbird.telemetry". */
  id: string;
  ver: string;
  /** Epoch milliseconds when the batch was sent. */
  ets: number;
  params: {
    /** Unique id of the batch, the batch de-duplication key. */
    msgid: string;
    did?: string;
    key?: string;
    requesterId?: string;
  };
  events: TelemetryEvent[];
}
