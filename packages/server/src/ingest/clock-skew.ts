/**
 * The clock correction of one batch, for every ingest format: a client stamps its batch with its own send time
 * (Sunbird's batch envelope `ets`; PostHog's `sent_at`, once parsed to epoch ms), the collector knows when it
 * received the batch, and the difference is how far the device's clock is off (plus the network's transit time).
 * PostHog corrects its timestamps the same way with `sent_at`. The correction is stored as the batch's
 * `clock_offset_ms` and applied in the derived column `events.ets_corrected`; `ets` and `raw` keep what was sent
 * (docs/spool.md, ../shared/DESIGN.md "derived values").
 */

import { MAX_ETS, MIN_ETS } from './column-values.js';

/** Differences up to this are transit time or ordinary drift, not a wrong clock: 1 minute (TELEMETRY_CLOCK_SKEW_MS). */
export const DEFAULT_CLOCK_SKEW_MS = 60_000;

/**
 * `receivedMs − sentMs`, rounded to whole ms, when its size exceeds `boundMs`; 0 when it does not, or when the batch
 * carries no usable send time (absent, not a finite number, or not a positive epoch up to MAX_ETS, year 9999), so
 * ets + offset always fits in BIGINT. Units: epoch ms, UTC.
 */
export function clockOffsetMs(receivedMs: number, sentMs: unknown, boundMs: number): number {
  // A send time outside the storable ets range is no time (1e20 made an offset no spool field or BIGINT could hold).
  if (typeof sentMs !== 'number' || !Number.isFinite(sentMs) || sentMs <= MIN_ETS || sentMs > MAX_ETS) return 0;
  const offset = Math.round(receivedMs - sentMs);
  return Math.abs(offset) > boundMs ? offset : 0;
}
