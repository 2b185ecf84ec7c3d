// Telemetry levels (Security ⊂ Basic ⊂ Enhanced ⊂ Full) and the project's one map from each eid to the lowest level
// that sends it. The spec defines the levels only as data categories and assigns no events; docs/levels.md explains
// each line. The SDK drops events above its level and the collector enforces a per-channel ceiling, both through here.
import type { Eid } from './types.js';

/** From least to most data; each level includes every level before it. */
export const TELEMETRY_LEVELS = ['security', 'basic', 'enhanced', 'full'] as const;

export type TelemetryLevel = (typeof TELEMETRY_LEVELS)[number];

const RANK: Readonly<Record<TelemetryLevel, number>> = { security: 0, basic: 1, enhanced: 2, full: 3 };

/** The lowest level at which each event is sent. Reasons, one per line, in docs/levels.md. */
export const EVENT_LEVEL: Readonly<Record<Eid, TelemetryLevel>> = {
  // Security: the audit trail of who changed what.
  AUDIT: 'security',
  // Basic (+ quality): is the product up and working, and how often is it used.
  START: 'basic',
  END: 'basic',
  INTERRUPT: 'basic',
  ERROR: 'basic',
  HEARTBEAT: 'basic',
  LOG: 'basic',
  METRICS: 'basic',
  // Enhanced (+ insights): how people use the product.
  IMPRESSION: 'enhanced',
  INTERACT: 'enhanced',
  SEARCH: 'enhanced',
  SHARE: 'enhanced',
  FEEDBACK: 'enhanced',
  SUMMARY: 'enhanced',
  // Full (+ diagnostic): what people answered, and opaque payloads.
  ASSESS: 'full',
  RESPONSE: 'full',
  EXDATA: 'full',
};

/** Whether an event of type `eid` is sent at `level`. Unknown eids are allowed only at full. */
export function levelAllows(level: TelemetryLevel, eid: Eid): boolean {
  const needed = EVENT_LEVEL[eid] ?? 'full';
  return RANK[needed] <= RANK[level];
}

/** Reads a level from configuration or a header, ignoring case and surrounding spaces. */
export function parseLevel(s: string): TelemetryLevel | undefined {
  const level = s.trim().toLowerCase();
  return (TELEMETRY_LEVELS as readonly string[]).includes(level) ? (level as TelemetryLevel) : undefined;
}
