/**
 * The freshness figures (metrics/freshness.ts): worked by hand, then a property test against a reference that follows
 * every event on its own (acknowledged, loaded with its segment, summarized by the first run started after its load).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Freshness } from './freshness.js';

test('worked example: delays to visible and to summarized, backlogs, the p99 by events', () => {
  let now = 0;
  const visible: Array<[number, number]> = [];
  const summarized: Array<[number, number]> = [];
  const f = new Freshness({
    now: () => now,
    onVisible: (s, n) => visible.push([s, n]),
    onSummarized: (s, n) => summarized.push([s, n]),
  });
  f.acknowledged(1, 10, 0);
  f.acknowledged(1, 90, 100);
  f.acknowledged(2, 5, 200);
  f.acknowledged(2, 0, 210); // an all-duplicate commit acknowledges nothing new
  now = 1000;
  assert.deepEqual(f.status(), {
    unloadedEvents: 105,
    unsummarizedEvents: 0,
    visibleP99Ms: null,
    summarizedP99Ms: null,
    windowMs: 300_000,
  });
  f.loaded(1);
  assert.deepEqual(visible, [
    [1, 10],
    [0.9, 90],
  ]);
  // 100 events: the 99th by delay is among the 10 that waited 1000 ms.
  assert.deepEqual(f.status(), {
    unloadedEvents: 5,
    unsummarizedEvents: 100,
    visibleP99Ms: 1000,
    summarizedP99Ms: null,
    windowMs: 300_000,
  });
  // A run that started before the load does not include it.
  f.summarized(999, 3000);
  assert.deepEqual(summarized, []);
  f.summarized(1000, 3500);
  assert.deepEqual(summarized, [
    [3.5, 10],
    [3.4, 90],
  ]);
  now = 4000;
  f.loaded(2);
  const s = f.status();
  assert.equal(s.unloadedEvents, 0);
  assert.equal(s.unsummarizedEvents, 5);
  // 105 events: rank 104 (ceil 103.95); 90 at 900 ms, 10 at 1000 ms, 5 at 3800 ms.
  assert.equal(s.visibleP99Ms, 3800);
  assert.equal(s.summarizedP99Ms, 3500);
  // Past the window nothing is recent.
  now = 4000 + 300_001;
  assert.equal(f.status().visibleP99Ms, null);
  assert.equal(f.status().summarizedP99Ms, null);
  assert.equal(f.status().unsummarizedEvents, 5);
});

test('commits within 50 ms are kept as one, at the earliest time: a delay is over-stated, never under-stated', () => {
  const visible: Array<[number, number]> = [];
  const f = new Freshness({ onVisible: (s, n) => visible.push([s, n]) });
  f.acknowledged(7, 3, 1000);
  f.acknowledged(7, 4, 1049);
  f.acknowledged(7, 5, 1050);
  f.loaded(7, 2000);
  assert.deepEqual(visible, [
    [1, 7],
    [0.95, 5],
  ]);
});

/** One step of a random history: a commit, a load up to a segment, or a summarizer run. */
type Step =
  | { kind: 'ack'; segment: number; events: number; gap: number }
  | { kind: 'load'; gap: number }
  | { kind: 'summarize'; gap: number; duration: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('ack' as const),
    segment: fc.integer({ min: 0, max: 2 }),
    events: fc.integer({ min: 0, max: 5 }),
    gap: fc.integer({ min: 0, max: 200 }),
  }),
  fc.record({ kind: fc.constant('load' as const), gap: fc.integer({ min: 0, max: 500 }) }),
  fc.record({
    kind: fc.constant('summarize' as const),
    gap: fc.integer({ min: 0, max: 500 }),
    duration: fc.integer({ min: 0, max: 300 }),
  }),
);

/** Nearest-rank p99 over single events' delays. */
function p99(delays: number[]): number | null {
  if (delays.length === 0) return null;
  const sorted = [...delays].sort((a, b) => a - b);
  return sorted[Math.ceil(0.99 * sorted.length) - 1];
}

test('property: the figures equal a per-event reference, delays over-stated by less than 50 ms', () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      let now = 0;
      const f = new Freshness({ now: () => now, windowMs: 1e12 });
      // The reference: every event with its segment and times. Segments are written in order (the spool's current
      // segment only grows): an ack goes to the open segment, `segment` (0-2) only says how far it has moved on.
      const events: Array<{ segment: number; ack: number; loaded?: number; summarized?: number }> = [];
      let open = 1;
      let loadedUpTo = 0;
      for (const s of steps) {
        now += s.gap;
        if (s.kind === 'ack') {
          open += s.segment;
          f.acknowledged(open, s.events);
          for (let i = 0; i < s.events; i++) events.push({ segment: open, ack: now });
        } else if (s.kind === 'load') {
          // The loader takes the sealed segments: all but the open one.
          loadedUpTo = open - 1;
          f.loaded(loadedUpTo);
          for (const e of events) if (e.loaded === undefined && e.segment <= loadedUpTo) e.loaded = now;
        } else {
          const started = now;
          now += s.duration;
          f.summarized(started);
          for (const e of events)
            if (e.loaded !== undefined && e.summarized === undefined && e.loaded <= started) e.summarized = now;
        }
      }
      const status = f.status();
      assert.equal(status.unloadedEvents, events.filter((e) => e.loaded === undefined).length);
      assert.equal(
        status.unsummarizedEvents,
        events.filter((e) => e.loaded !== undefined && e.summarized === undefined).length,
      );
      for (const [got, delays] of [
        [status.visibleP99Ms, events.flatMap((e) => (e.loaded === undefined ? [] : [e.loaded - e.ack]))],
        [status.summarizedP99Ms, events.flatMap((e) => (e.summarized === undefined ? [] : [e.summarized - e.ack]))],
      ] as const) {
        const want = p99(delays);
        if (want === null) assert.equal(got, null);
        else {
          assert.ok(got !== null && got >= want && got < want + 50, `p99 ${got}, per event ${want}`);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test('bounded while loads or summarizer runs keep failing: the oldest fold into one, delays over-stated, counts kept', () => {
  const delays: number[] = [];
  const f = new Freshness({ windowMs: 1e12, onVisible: (seconds, n) => delays.push(...Array(n).fill(seconds)) });
  // 10,005 one-event segments, segment s acknowledged at s seconds, none loaded.
  for (let s = 1; s <= 10_005; s++) f.acknowledged(s, 1, s * 1000);
  assert.equal(f.status(0).unloadedEvents, 10_005);
  const waiting = (f as unknown as { unloaded: Map<number, unknown> }).unloaded;
  assert.equal(waiting.size, 10_000);
  for (let s = 1; s <= 10_005; s++) f.loaded(s, 20_000_000);
  const status = f.status(20_000_000);
  assert.deepEqual([status.unloadedEvents, status.unsummarizedEvents], [0, 10_005]);
  // Segments 1-6 folded into one at 1 s: their delays read 19,999 s (over-stated), the others exact.
  assert.equal(delays.length, 10_005);
  assert.equal(delays.filter((d) => d === 19_999).length, 6);
  assert.equal(Math.min(...delays), 20_000 - 10_005);
  // p99: the 9,905th smallest of 10,005 delays, segment 101's.
  assert.equal(status.visibleP99Ms, 20_000_000 - 101_000);
  f.summarized(20_000_000, 20_000_500);
  assert.equal(f.status(20_000_500).unsummarizedEvents, 0);

  // Each segment loaded as it comes and no summarizer run succeeding: the loads waiting stay bounded too.
  const summarized: number[] = [];
  const g = new Freshness({ windowMs: 1e12, onSummarized: (seconds, n) => summarized.push(...Array(n).fill(seconds)) });
  for (let s = 1; s <= 10_005; s++) {
    g.acknowledged(s, 1, s * 1000);
    g.loaded(s, s * 1000 + 500);
  }
  assert.equal((g as unknown as { unsummarized: unknown[] }).unsummarized.length, 10_000);
  assert.equal(g.status(0).unsummarizedEvents, 10_005);
  g.summarized(20_000_000, 20_000_000);
  assert.equal(g.status(0).unsummarizedEvents, 0);
  // Loads 1-6 folded at the first's acknowledgement: 6 events at 19,999 s, the rest exact.
  assert.equal(summarized.length, 10_005);
  assert.equal(summarized.filter((d) => d === 19_999).length, 6);
  assert.equal(Math.min(...summarized), 20_000 - 10_005);
});
