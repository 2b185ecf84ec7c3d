/**
 * The cost of the door's checks per event, in CPU microseconds, on the ingest benchmark's batches
 * (100 Sunbird-shaped INTERACT events, about 440 bytes each): JSON.parse of the body, finding the
 * events in it while reading each once (ingest/event-spans.ts + one-reading.ts), and the rest of
 * the checks (schema, column values, level). Best of several rounds; prints a last-line JSON object.
 */
import { findEventSpans } from '../src/ingest/event-spans.js';
import { checkEvent } from '../src/ingest/steps.js';
import { BatchFactory } from './batch.js';

const BATCHES = 300;
const ROUNDS = 30;
const factory = new BatchFactory(100);
const bodies = Array.from({ length: BATCHES }, () => factory.next());
const parsed = bodies.map((body) => (JSON.parse(body) as { events: unknown[] }).events);
const spans = bodies.map((body) => findEventSpans(body, 32) ?? []);
const limits = { maxEventBytes: 1 << 20, maxDepth: 32, levelFor: () => 'full' as const };
const events = BATCHES * 100;

function cpuMicrosPerEvent(work: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage();
    work();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / events);
  }
  return Number(best.toFixed(3));
}

const parse = cpuMicrosPerEvent(() => {
  for (const body of bodies) JSON.parse(body);
});
const spansAndReading = cpuMicrosPerEvent(() => {
  for (const body of bodies) findEventSpans(body, 32);
});
const checks = cpuMicrosPerEvent(() => {
  bodies.forEach((body, b) => {
    for (let i = 0; i < 100; i++) {
      const [start, end, reading] = spans[b][i];
      if (checkEvent(parsed[b][i], body.slice(start, end), limits, reading))
        throw new Error('a bench event is invalid');
    }
  });
});
console.log(
  JSON.stringify({
    bench: 'door',
    events_per_round: events,
    parse_us: parse,
    spans_and_reading_us: spansAndReading,
    checks_us: checks,
  }),
);
