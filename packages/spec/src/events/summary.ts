// SUMMARY: a client-side summary of a session or app use (spec §2.16): its edata type and schema.
//
// The spec text also lists envsummary/eventssummary/pagesummary; the production pipeline schema rejects them and
// allows `extra` instead. We follow the pipeline.
import { closedObject, NUMBER, openObject, STRING } from '../json-schema.js';

/** Mime-type or app specific summary data, e.g. `{id: "wordsPerMin", value: "40"}`. Open, nothing required. */
export interface SummaryExtra {
  id?: string;
  value?: string;
}

export interface SummaryEdata {
  /** "session", "app", "tool", ... (free text). */
  type: string;
  mode?: string;
  /** Epoch ms of the first event. */
  starttime: number;
  /** Epoch ms of the last event. */
  endtime: number;
  /** Seconds, excluding idle time. */
  timespent: number;
  /** Count of IMPRESSION events. */
  pageviews: number;
  /** Count of INTERACT events. */
  interactions: number;
  extra?: SummaryExtra[];
}

export const summaryEdataSchema = closedObject(
  {
    type: STRING,
    mode: STRING,
    starttime: NUMBER,
    endtime: NUMBER,
    timespent: NUMBER,
    pageviews: NUMBER,
    interactions: NUMBER,
    extra: { type: 'array', items: openObject({ id: STRING, value: STRING }) },
  },
  ['type', 'starttime', 'endtime', 'timespent', 'pageviews', 'interactions'],
);
