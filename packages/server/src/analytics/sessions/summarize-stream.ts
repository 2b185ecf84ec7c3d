/**
 * The summarizer for one device stream: workflow summaries and page views in one pass over its
 * events in `ets` order. It can stop after the last event known, save its state (resume-state.ts)
 * and be resumed with later events, giving exactly what one pass over all of them gives.
 */
import { PageTimer } from './page-time.js';
import { restoreState, saveState } from './resume-state.js';
import { type PageTimeRow, SERVER_EIDS, type StreamEvent, type SummarizerOptions, type SummaryRow } from './types.js';
import { WorkflowSummarizer } from './workflow-summarizer.js';

export interface StreamSummary {
  summaries: SummaryRow[];
  pages: PageTimeRow[];
}

/** What a stream gives at the end of the events known so far. */
export interface StreamEnd {
  /** Rows that later events cannot change. */
  final: StreamSummary;
  /** Rows closed only because the events ran out: replaced when the stream is resumed. */
  open: StreamSummary;
  /** Where to resume: the state after the last event, and that event's time. */
  state: string;
  lastEts: number;
}

const server = new Set<string>(SERVER_EIDS);

export class StreamSummarizer {
  private walker: WorkflowSummarizer;
  private pages: PageTimer;
  lastEts = Number.NEGATIVE_INFINITY;

  constructor(options: SummarizerOptions = {}, state?: string) {
    if (state) {
      ({ walker: this.walker, pages: this.pages } = restoreState(state, options));
      this.lastEts = this.walker.previousEts ?? this.lastEts;
    } else {
      this.walker = new WorkflowSummarizer(options);
      this.pages = new PageTimer(options);
    }
  }

  /** Events in stable `ets` order, without LOG/AUDIT/SEARCH, none before the last one pushed. */
  push(event: StreamEvent): void {
    this.walker.push(event);
    this.pages.push(event);
    this.lastEts = event.ets;
  }

  /** Saves the state first, then closes what is open (which spends the walker). */
  end(): StreamEnd {
    const state = saveState(this.walker, this.pages);
    const final = { summaries: this.walker.output, pages: this.pages.output };
    const open = { summaries: this.walker.finish(), pages: this.pages.finish() };
    return { final, open, state, lastEts: this.lastEts };
  }
}

/** Events may arrive in any order; Array.prototype.sort is stable, so equal `ets` keep their load order. */
export function summarizeStream(events: readonly StreamEvent[], options: SummarizerOptions = {}): StreamSummary {
  const sorted = events.filter((e) => !server.has(e.eid)).sort((a, b) => a.ets - b.ets);
  const stream = new StreamSummarizer(options);
  for (const event of sorted) stream.push(event);
  const { final, open } = stream.end();
  return { summaries: [...final.summaries, ...open.summaries], pages: [...final.pages, ...open.pages] };
}
