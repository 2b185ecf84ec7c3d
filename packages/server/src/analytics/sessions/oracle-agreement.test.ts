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
import { summarizeStream } from './summarize-stream.js';
import type { StreamEvent, SummaryRow } from './types.js';

/** mulberry32: small, seeded, good enough to vary traffic reproducibly. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TYPES = ['app', 'session', 'player', 'Player', 'content', 'resource'];
const MODES = [null, null, 'play', 'Play', 'preview'];
const OTHERS = [
  'INTERACT',
  'INTERACT',
  'IMPRESSION',
  'ASSESS',
  'RESPONSE',
  'ERROR',
  'SHARE',
  'LOG',
  'AUDIT',
  'SEARCH',
  'HEARTBEAT',
];
const INTERACT_TYPES = ['click', 'CLICK', 'touch', 'other', 'scroll', 'app'];

/** One device stream: a stack-shaped START/END walk with noise, and gaps from seconds to hours. */
function streamEvents(
  rand: () => number,
  did: string | undefined,
  channel: string,
  pdata: string | undefined,
  n: number,
) {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const events: OracleEvent[] = [];
  const open: { type: string; mode: string | null }[] = [];
  let ets = 1_700_000_000_000 + Math.floor(rand() * 1e6);
  let sid = `s${Math.floor(rand() * 1e6)}`;
  for (let i = 0; i < n; i++) {
    const g = rand();
    // Gaps: same ms, sub-second with .xx5 rounding cases, normal, exactly 600 s, idle, exactly 1800 s, breaks.
    ets +=
      g < 0.05
        ? 0
        : g < 0.15
          ? 5 + Math.floor(rand() * 3) * 1000 + 1000
          : g < 0.75
            ? Math.floor(rand() * 60_000)
            : g < 0.8
              ? 600_000
              : g < 0.88
                ? 600_001 + Math.floor(rand() * 1_000_000)
                : g < 0.9
                  ? 1_800_000
                  : 1_800_001 + Math.floor(rand() * 7_200_000);
    if (g >= 0.9) sid = `s${Math.floor(rand() * 1e6)}`;
    const r = rand();
    let eid: string;
    let edata: OracleEvent['edata'] = {};
    if (r < 0.2) {
      eid = 'START';
      const type = open.length === 0 && rand() < 0.6 ? 'app' : pick(TYPES);
      const mode = pick(MODES);
      open.push({ type, mode });
      edata = { type, mode };
    } else if (r < 0.38) {
      eid = 'END';
      const u = rand();
      // Mostly the innermost open one; sometimes an outer one, an unmatched one, or a case variant.
      const target =
        open.length && u < 0.6
          ? open.pop()
          : open.length && u < 0.75
            ? open[0]
            : { type: pick(TYPES), mode: pick(MODES) };
      edata = { type: target?.type ?? null, mode: u > 0.95 ? (target?.mode ?? '').toUpperCase() : target?.mode };
    } else {
      eid = pick(OTHERS);
      if (eid === 'INTERACT') edata = { type: pick(INTERACT_TYPES) };
      else if (eid === 'IMPRESSION')
        edata = { type: rand() < 0.1 ? 'app' : 'view', pageid: `p${Math.floor(rand() * 5)}` };
      else if (rand() < 0.1) edata = { type: 'app' };
    }
    events.push({
      eid,
      ets,
      actor: { id: rand() < 0.05 ? null : `u${Math.floor(rand() * 3)}` },
      context: { channel, did, sid, env: pick(['home', 'library']), ...(pdata ? { pdata: { id: pdata } } : {}) },
      ...(rand() < 0.3 ? { object: { id: `do_${Math.floor(rand() * 4)}`, type: 'Content' } } : {}),
      edata,
    });
  }
  return events;
}

function toStreamEvent(e: OracleEvent): StreamEvent {
  return {
    eid: e.eid,
    ets: e.ets,
    actor_id: e.actor.id,
    sid: e.context.sid ?? null,
    env: e.context.env ?? null,
    edata_type: e.edata.type ?? null,
    edata_mode: e.edata.mode ?? null,
    edata_pageid: e.edata.pageid ?? null,
    object_id: e.object?.id ?? null,
    object_type: e.object?.type ?? null,
  };
}

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
