/**
 * Time spent per page view, computed correctly rather than as Sunbird's page_summary does (see
 * docs/sessions.md): every gap between consecutive events is credited once, to the page whose
 * IMPRESSION came last, with the same idle rule and rounding as the summaries.
 */
import { roundHalfUp } from './round.js';
import { DEFAULTS, type PageTimeRow, type StreamEvent, type SummarizerOptions } from './types.js';

/** The open page view, as a drain saves it between runs (resume-state.ts). */
export interface PageTimerState {
  view: PageTimeRow | null;
  timeSpent: number;
  previousEts: number;
}

/** One event at a time, so a drain can save the open view and continue when more events arrive. */
export class PageTimer {
  state: PageTimerState = { view: null, timeSpent: 0, previousEts: 0 };
  /** Views ended by the events pushed (final). */
  readonly output: PageTimeRow[] = [];
  private readonly idleSeconds: number;
  private readonly breakSeconds: number;

  constructor(options: SummarizerOptions = {}) {
    this.idleSeconds = options.idleSeconds ?? DEFAULTS.idleSeconds;
    this.breakSeconds = (options.sessionBreakMinutes ?? DEFAULTS.sessionBreakMinutes) * 60;
  }

  push(event: StreamEvent): void {
    const s = this.state;
    const opensView = event.eid === 'IMPRESSION' && event.edata_pageid !== null;
    const gap = (event.ets - s.previousEts) / 1000;
    // A session break ends the page view: whatever follows is a new visit, even on the same page.
    if (s.view && gap > this.breakSeconds) this.endView(this.output);
    if (s.view) {
      // The gap since the previous event belongs to the page being viewed then; idle gaps count zero.
      s.timeSpent += roundHalfUp(gap > this.idleSeconds ? 0 : gap, 2);
      s.view.end_time = event.ets;
      if (!opensView) s.view.event_count += 1;
    }
    s.previousEts = event.ets;
    if (opensView) {
      this.endView(this.output);
      s.view = {
        actor_id: event.actor_id ?? '',
        sid: event.sid ?? '',
        pageid: event.edata_pageid as string,
        env: event.env ?? '',
        start_time: event.ets,
        end_time: event.ets,
        time_spent: 0,
        event_count: 1,
      };
    }
  }

  /** End of input: the view still open, if any. Provisional (more events would extend it); the timer is spent after. */
  finish(): PageTimeRow[] {
    const open: PageTimeRow[] = [];
    this.endView(open);
    return open;
  }

  private endView(into: PageTimeRow[]): void {
    const s = this.state;
    if (s.view) into.push({ ...s.view, time_spent: roundHalfUp(s.timeSpent, 2) });
    s.view = null;
    s.timeSpent = 0;
  }
}
