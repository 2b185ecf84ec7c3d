/** The shapes the sessions summarizer reads (one event of a device stream) and writes (summaries, page views). */

/** One event of a device stream: the `events` columns the summarizer needs. */
export interface StreamEvent {
  eid: string;
  ets: number;
  actor_id: string | null;
  sid: string | null;
  env: string | null;
  edata_type: string | null;
  edata_mode: string | null;
  edata_pageid: string | null;
  object_id: string | null;
  object_type: string | null;
}

/** A device stream's key, as Sunbird groups it: (did ?? '', channel, pdata.id). */
export interface StreamKey {
  did: string;
  channel: string;
  pdata_id: string;
}

/** One row of the `summaries` table: a closed START/END (or implicit app) summary with time spent > 0. */
export interface SummaryRow {
  actor_id: string;
  sid: string;
  type: string;
  mode: string;
  /** Ancestors above this summary when it closed: 0 for a top-level (session) summary. */
  depth: number;
  start_time: number;
  end_time: number;
  time_diff: number;
  time_spent: number;
  interact_events_count: number;
  interact_events_per_min: number;
  events_summary: Record<string, number>;
  event_count: number;
  object_id: string | null;
  object_type: string | null;
}

/** One row of the `page_time` table: one page view, from its IMPRESSION to the next one or a break. */
export interface PageTimeRow {
  actor_id: string;
  sid: string;
  pageid: string;
  env: string;
  start_time: number;
  end_time: number;
  time_spent: number;
  event_count: number;
}

export interface SummarizerOptions {
  /** A gap longer than this many seconds counts zero. Default: 600 (Sunbird's idleTime). */
  idleSeconds?: number;
  /** A gap longer than this many minutes breaks the session. Default: 30 (Sunbird's sessionBreakTime). */
  sessionBreakMinutes?: number;
}

export const DEFAULTS = { idleSeconds: 600, sessionBreakMinutes: 30 } as const;

/** Sunbird's server events: not part of any summary (WorkFlowSummaryModel's serverEvents). */
export const SERVER_EIDS = ['LOG', 'AUDIT', 'SEARCH'] as const;
