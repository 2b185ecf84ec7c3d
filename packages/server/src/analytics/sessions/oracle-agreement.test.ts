/**
 * Our summarizer against the literal port of Sunbird's model (test/oracle/sunbird-workflow-summary.ts)
 * on seeded random Sunbird-style traffic: every summary must match, field by field.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type OracleEvent,
  type OracleSummary,
  workflowSummaries,
} from '../../../test/oracle/sunbird-workflow-summary.js';
import { random, streamEvents, toStreamEvent } from '../../../test/sessions-traffic.js';
import { summarizeStream } from './summarize-stream.js';
import type { SummaryRow } from './types.js';

function ours(events: OracleEvent[]): string[] {
  const groups = new Map<string, OracleEvent[]>();
  for (const e of events) {
    const key = JSON.stringify([
      e.context.did ?? '',
      e.context.channel,
      e.context.pdata?.id ?? 'default.consumption.app.id',
    ]);
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const out: string[] = [];
  for (const [key, group] of groups) {
    const [did, channel, pdataId] = JSON.parse(key) as string[];
    for (const row of summarizeStream(group.map(toStreamEvent)).summaries)
      out.push(comparable(did, channel, pdataId, row));
  }
  return out.sort();
}

function comparable(did: string, channel: string, pdataId: string, r: SummaryRow): string {
  return JSON.stringify([
    did,
    channel,
    pdataId,
    r.actor_id,
    r.sid,
    r.type,
    r.mode,
    r.object_id,
    r.start_time,
    r.end_time,
    r.time_diff,
    r.time_spent,
    r.interact_events_count,
    r.interact_events_per_min,
    sortedCounts(r.events_summary),
  ]);
}

function fromOracle(s: OracleSummary): string {
  return JSON.stringify([
    s.did,
    s.channel,
    s.pdataId,
    s.uid,
    s.sid,
    s.type,
    s.mode,
    s.objectId,
    s.startTime,
    s.endTime,
    s.timeDiff,
    s.timeSpent,
    s.interactEventsCount,
    s.interactEventsPerMin,
    sortedCounts(s.eventsSummary),
  ]);
}

const sortedCounts = (m: Record<string, number>) => Object.entries(m).sort(([a], [b]) => (a < b ? -1 : 1));

test("our summaries equal Sunbird model's on 200 seeded random traffic mixes", () => {
  let compared = 0;
  for (let seed = 1; seed <= 200; seed++) {
    const rand = random(seed);
    const events: OracleEvent[] = [];
    for (const did of ['d1', 'd2', undefined]) {
      for (const channel of ['c1', 'c2']) {
        for (const pdata of ['app.web', undefined])
          events.push(...streamEvents(rand, did, channel, pdata, 20 + Math.floor(rand() * 80)));
      }
    }
    // Arrival order is shuffled: both sides must order by ets themselves (stably, for equal ets).
    for (let i = events.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [events[i], events[j]] = [events[j], events[i]];
    }
    const expected = workflowSummaries(events).map(fromOracle).sort();
    assert.deepEqual(ours(events), expected, `seed ${seed}`);
    compared += expected.length;
  }
  assert.ok(compared > 2000, `compared ${compared} summaries`);
});
