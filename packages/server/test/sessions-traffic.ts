/**
 * Seeded random Sunbird-style traffic for the sessions tests: device streams with nested START/END,
 * noise, server events, case variants and gaps from 0 ms to hours (around the 600 s idle and 1800 s
 * break edges), so the summarizer's quirks are all exercised.
 */
import type { StreamEvent } from '../src/analytics/sessions/types.js';
import type { OracleEvent } from './oracle/sunbird-workflow-summary.js';

/** mulberry32: small, seeded, good enough to vary traffic reproducibly. */
export function random(seed: number): () => number {
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
export function streamEvents(
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

/** An oracle event as the production summarizer reads it (the columns the drain selects). */
export function toStreamEvent(e: OracleEvent): StreamEvent {
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
