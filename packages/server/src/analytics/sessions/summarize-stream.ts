/** The pure summarizer for one device stream: drops server events, orders by `ets`, yields summaries and page views. */
import { pageTimes } from './page-time.js';
import { type PageTimeRow, SERVER_EIDS, type StreamEvent, type SummarizerOptions, type SummaryRow } from './types.js';
import { summarizeWorkflow } from './workflow-summarizer.js';

export interface StreamSummary {
  summaries: SummaryRow[];
  pages: PageTimeRow[];
}

const server = new Set<string>(SERVER_EIDS);

/** Events may arrive in any order; Array.prototype.sort is stable, so equal `ets` keep their load order. */
export function summarizeStream(events: readonly StreamEvent[], options: SummarizerOptions = {}): StreamSummary {
  const sorted = events.filter((e) => !server.has(e.eid)).sort((a, b) => a.ets - b.ets);
  if (sorted.length === 0) return { summaries: [], pages: [] };
  return { summaries: summarizeWorkflow(sorted, options), pages: pageTimes(sorted, options) };
}
