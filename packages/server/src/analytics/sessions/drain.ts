/**
 * Keeps `summaries` and `page_time` up to date: the store hands over the device streams the loader
 * queued and their new events (Store.drainSummaryQueue); this summarizes them and gives back their
 * rows and resume states, which the store writes in one step with clearing the queue (so a crash
 * leaves the queue to be drained again at start-up). No SQL and no driver here.
 *
 * Incremental (docs/sessions.md): each stream's summarizer state after its last event is kept in
 * `summary_state`. When every newly loaded event of a stream comes after that event, the drain
 * restores the state and reads only the new events; it replaces only the rows the last drain left
 * open (closed by the end of input). Otherwise — a late event, or no state yet — the stream is
 * recomputed from its first event. Both give exactly the rows one pass over all events gives.
 */
import type { QueuedStream, Store, SummarizedStream, SummaryDrain } from '../../store/store.js';
import { StreamSummarizer } from './summarize-stream.js';
import type { SummarizerOptions } from './types.js';

export interface DrainResult {
  streams: number;
  /** Summary rows written (final and open). */
  summaries: number;
  /** Streams continued from their saved state rather than recomputed. */
  resumed: number;
  /** Events read and summarized: the new ones for a resumed stream, all for a recomputed one. */
  eventsRead: number;
  /**
   * Whether everything loaded before the call is summarized (Store.drainSummaryQueue): false only where another
   * process summarizes (ClickHouse, several collectors) and has not got that far.
   */
  caughtUp: boolean;
}

/** Summarizes every queued device stream. Safe to call at any time and repeatedly; a no-op when the queue is empty. */
export async function drainSummaryQueue(store: Store, options: SummarizerOptions = {}): Promise<DrainResult> {
  let result = { streams: 0, summaries: 0, resumed: 0, eventsRead: 0 };
  const caughtUp = await store.drainSummaryQueue(async (drain) => {
    const output = new DrainOutput();
    const eventsRead = await summarize(drain, output, options);
    const resumed = drain.streams.filter((k) => k.resume).length;
    result = { streams: drain.streams.length, summaries: output.summaries, resumed, eventsRead };
    return output.streams;
  });
  return { ...result, caughtUp };
}

/** The streams a drain gives back, and how many summary rows (final and open) they hold. */
class DrainOutput {
  readonly streams: SummarizedStream[] = [];
  summaries = 0;

  add(stream: QueuedStream, end: SummarizedStream['end']): void {
    const { did, channel, pdata_id } = stream;
    this.streams.push({ stream: { did, channel, pdata_id }, end });
    this.summaries += end.final.summaries.length + end.open.summaries.length;
  }
}

/**
 * The epoch-ms bound every event to summarize lies above, or null when one stream needs its whole history: a resumed
 * stream's events are after its `resumeEts`; a stream with no saved state has none before its `fromEts`
 * (QueuedStream); a stream recomputed for a late event has no such bound. Without it a drain that met a new device read
 * the whole events table, a cost that grew with the store. A loop, not Math.min(...): spreading 200,000 keys overflows
 * the stack, and a drain that throws never empties its queue.
 */
export function readBound(keys: readonly Pick<QueuedStream, 'resume' | 'resumeEts' | 'fromEts'>[]): number | null {
  let bound = Number.POSITIVE_INFINITY;
  for (const k of keys) {
    const after = k.resume ? k.resumeEts : k.resumeEts === null ? k.fromEts - 1 : null;
    if (after === null) return null;
    if (after < bound) bound = after;
  }
  return bound;
}

/** Feeds the events, in stream order, into one summarizer per stream. */
async function summarize(drain: SummaryDrain, output: DrainOutput, options: SummarizerOptions): Promise<number> {
  const keys = drain.streams;
  let done = 0; // keys[0 .. done) have been started (the last one may still be open in `stream`)
  let stream: StreamSummarizer | null = null;
  // Ends the current stream and those before `idx` that had no events: a resumed stream re-emits its open rows.
  const advanceTo = (idx: number) => {
    if (stream) output.add(keys[done - 1], stream.end());
    stream = null;
    for (; done < idx - 1; done++) {
      const key = keys[done];
      if (key.resume) output.add(key, new StreamSummarizer(options, key.state ?? undefined).end());
    }
  };
  const read = await drain.readEvents(readBound(keys), (index, event) => {
    const idx = index + 1; // keys[idx - 1] is the event's stream
    if (idx !== done) {
      advanceTo(idx);
      const key = keys[idx - 1];
      stream = new StreamSummarizer(options, key.resume ? (key.state ?? undefined) : undefined);
      done = idx;
    }
    stream?.push(event);
  });
  advanceTo(keys.length + 1);
  return read;
}
