/**
 * The ordered checks every event of a batch goes through before it is spooled. Each step either
 * passes the event on or rejects it with a reason from a closed set (each has a counter).
 */
import {
  type Eid,
  levelAllows,
  REJECTION_REASONS as SCHEMA_REJECTIONS,
  type TelemetryLevel,
  validateEvent,
} from '@telemetry/spec';
import { checkColumnValues } from './column-values.js';
import type { ReadingVerdict } from './one-reading.js';
import { POSTHOG_REJECTIONS } from './posthog/event-rules.js';

/**
 * The validator's reasons, plus the collector's own: size, one reading of the bytes (ingest/one-reading.ts),
 * values the typed columns hold exactly (ingest/column-values.ts), the level ceiling, and PostHog's rules for
 * PostHog events (ingest/posthog/event-rules.ts). docs/ingestion.md, docs/posthog.md.
 */
export const REJECTION_REASONS = [
  'too_large',
  'too_deep',
  'duplicate_key',
  'invalid_unicode',
  'nul_character',
  'invalid_number',
  ...SCHEMA_REJECTIONS,
  'invalid_ets',
  'above_level',
  ...POSTHOG_REJECTIONS,
] as const;
export type IngestRejection = (typeof REJECTION_REASONS)[number];

export interface Rejected {
  reason: IngestRejection;
  errors: string[];
}

export interface StepLimits {
  maxEventBytes: number;
  /** Objects and arrays nested deeper than this are rejected (`too_deep`); the event itself is level 1. */
  maxDepth: number;
  /** The highest level accepted for a channel. */
  levelFor: (channel: string | undefined) => TelemetryLevel;
}

/** Byte length without allocating: a UTF-16 length bounds the UTF-8 length from below and by 3x from above. */
export function tooLarge(raw: string, max: number): boolean {
  if (raw.length > max) return true;
  if (raw.length * 3 <= max) return false;
  return Buffer.byteLength(raw, 'utf8') > max;
}

/**
 * Runs the steps in order; returns undefined when the event passes. `reading` is checkReading's verdict on `raw`
 * (the collector reads each event while finding it in the body: ingest/event-spans.ts).
 */
export function checkEvent(
  event: unknown,
  raw: string,
  limits: StepLimits,
  reading: ReadingVerdict | undefined,
): Rejected | undefined {
  // 1. size, as Sunbird's extractor does (1 MB by default)
  if (tooLarge(raw, limits.maxEventBytes)) {
    return { reason: 'too_large', errors: [`event is larger than ${limits.maxEventBytes} bytes`] };
  }
  // 2. one reading: bytes that JSON.parse and the store's JSON reader would read differently, or not at all
  if (reading) return { reason: reading.reason, errors: [reading.error] };
  // 3. the V3 schema for its eid
  const verdict = validateEvent(event);
  if (!verdict.valid) return { reason: verdict.reason, errors: verdict.errors };
  // 4. values the typed columns hold exactly (ets range, numeric edata columns)
  const columns = checkColumnValues(verdict.event);
  if (columns) return { reason: columns.reason, errors: [columns.error] };
  // 5. the channel's telemetry level ceiling
  const { eid, context } = verdict.event;
  const level = limits.levelFor(context.channel);
  if (!levelAllows(level, eid as Eid)) {
    return { reason: 'above_level', errors: [`${eid} is above the "${level}" telemetry level of this channel`] };
  }
  return undefined;
}
