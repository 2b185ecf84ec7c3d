/** Sessions and time spent: the pure summarizer and the queue drain that keeps `summaries`/`page_time` current. */
export { type DrainResult, drainSummaryQueue } from './drain.js';
export { type StreamSummary, summarizeStream } from './summarize-stream.js';
export type { PageTimeRow, StreamEvent, StreamKey, SummarizerOptions, SummaryRow } from './types.js';
