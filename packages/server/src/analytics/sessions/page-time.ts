/**
 * Time spent per page view, computed correctly rather than as Sunbird's page_summary does (see
 * docs/sessions.md): every gap between consecutive events is credited once, to the page whose
 * IMPRESSION came last, with the same idle rule and rounding as the summaries.
 */
import { roundHalfUp } from './round.js';
import { DEFAULTS, type PageTimeRow, type StreamEvent, type SummarizerOptions } from './types.js';

/** `events` must be one stream, without LOG/AUDIT/SEARCH, stably sorted by `ets`. */
export function pageTimes(events: readonly StreamEvent[], options: SummarizerOptions = {}): PageTimeRow[] {
  const idleSeconds = options.idleSeconds ?? DEFAULTS.idleSeconds;
  const breakSeconds = (options.sessionBreakMinutes ?? DEFAULTS.sessionBreakMinutes) * 60;
  const rows: PageTimeRow[] = [];
  let view: PageTimeRow | null = null;
  let timeSpent = 0;
  let previousEts = 0;

  const endView = () => {
    if (view) rows.push({ ...view, time_spent: roundHalfUp(timeSpent, 2) });
    view = null;
    timeSpent = 0;
  };

  for (const event of events) {
    const opensView = event.eid === 'IMPRESSION' && event.edata_pageid !== null;
    const gap = (event.ets - previousEts) / 1000;
    // A session break ends the page view: whatever follows is a new visit, even on the same page.
    if (view && gap > breakSeconds) endView();
    if (view) {
      // The gap since the previous event belongs to the page being viewed then; idle gaps count zero.
      timeSpent += roundHalfUp(gap > idleSeconds ? 0 : gap, 2);
      view.end_time = event.ets;
      if (!opensView) view.event_count += 1;
    }
    previousEts = event.ets;
    if (opensView) {
      endView();
      view = {
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
  endView();
  return rows;
}
