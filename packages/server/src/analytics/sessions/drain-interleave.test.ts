/**
 * Property (helper-32's, session 12): loads interleaved at random with drains — some committed while a drain is
 * between its snapshot and its write (before the summarizer reads the events, and after it has produced its rows) —
 * then drained until the queue is empty give exactly the summaries and page_time of one load of all events and one
 * drain. Events on four devices: ties, late events, long idle gaps, LOG events, START/END/IMPRESSION/INTERACT.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { aroundSummarize, openTestStore, v3 } from '../../../test/sessions-fixtures.js';
import type { Store } from '../../store/store.js';
import { drainSummaryQueue } from './drain.js';

function events(r: () => number, n: number) {
  const dids = ['d0', 'd1', 'd2', 'd3'];
  const clock: Record<string, number> = {};
  const out: object[] = [];
  for (let i = 0; i < n; i++) {
    const did = dids[Math.floor(r() * dids.length)];
    let t = clock[did] ?? 0;
    const step = r();
    // Mostly forward; a tie (t stays) below 0.1; late (before earlier events); a long idle gap.
    if (step >= 0.25) t += 1 + Math.floor(r() * 40);
    else if (step >= 0.2) t += 700 + Math.floor(r() * 1000);
    else if (step >= 0.1) t = Math.max(-50, t - Math.floor(r() * 100));
    clock[did] = Math.max(clock[did] ?? 0, t);
    const k = r();
    const e =
      k < 0.12
        ? v3(did, 'START', t, { type: 'app' })
        : k < 0.2
          ? v3(did, 'END', t, { type: 'app' })
          : k < 0.45
            ? v3(did, 'IMPRESSION', t, { type: 'view', pageid: ['home', 'a', 'b'][Math.floor(r() * 3)] })
            : k < 0.52
              ? v3(did, 'LOG', t, { type: 'api_call', level: 'INFO', message: 'x' })
              : v3(did, 'INTERACT', t);
    out.push(e);
  }
  return out;
}

async function rows(store: Store, sql: string) {
  return (await store.query(sql)).rows;
}

test("drain: loads interleaved with drains, some inside them, give one pass's rows", { timeout: 600_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.gen(), async (g) => {
      // Every random choice is drawn from fast-check, so a failure shrinks and replays.
      const r = () => g(fc.integer, { min: 0, max: 999 }) / 1000;
      const all = events(r, 20 + Math.floor(r() * 60));
      // batches in order
      const batches: object[][] = [];
      for (let i = 0; i < all.length; ) {
        const n = 1 + Math.floor(r() * 8);
        batches.push(all.slice(i, i + n));
        i += n;
      }
      const { store, load } = await openTestStore();
      const reference = await openTestStore();
      const trace: string[] = [];
      try {
        let next = 0;
        while (next < batches.length) {
          const action = r();
          if (action < 0.4) {
            trace.push(`load ${next}`);
            await load(batches[next++]);
          } else {
            // a drain, with some loads committed between its read and its write
            const before = next < batches.length && r() < 0.5 ? [batches[next++]] : [];
            const after = next < batches.length && r() < 0.5 ? [batches[next++]] : [];
            trace.push(`drain(before-summarize:${before.length}, after-summarize:${after.length})`);
            const interleaved = aroundSummarize(store, async (summarize, drain) => {
              for (const b of before.splice(0)) await load(b);
              const out = await summarize(drain);
              for (const b of after.splice(0)) await load(b);
              return out;
            });
            await drainSummaryQueue(interleaved);
            // The summarizer is not called on an empty queue: what it did not load is loaded now, in order.
            for (const b of [...before.splice(0), ...after.splice(0)]) await load(b);
          }
        }
        for (let i = 0; i < 5; i++) {
          await drainSummaryQueue(store);
          if (((await rows(store, 'SELECT count(*) FROM summary_queue'))[0][0] as number) === 0) break;
        }
        assert.deepEqual(await rows(store, 'SELECT count(*) FROM summary_queue'), [[0]], 'the queue is empty');
        await reference.load(all);
        await drainSummaryQueue(reference.store);
        for (const table of ['summaries', 'page_time']) {
          const q = `SELECT * FROM ${table} ORDER BY ALL`;
          assert.deepEqual(await rows(store, q), await rows(reference.store, q), `${table} after ${trace.join('; ')}`);
        }
      } finally {
        await store.close();
        await reference.store.close();
      }
    }),
    // No shrinking: each run opens two stores, and a failure's message names the steps taken.
    { numRuns: 12, endOnFailure: true },
  );
});
