/**
 * The clock correction of one batch, for every ingest format: a client stamps its batch with its own send time
 * (Sunbird's batch envelope `ets`; PostHog's `sent_at`, once parsed to epoch ms), the collector knows when it
 * received the batch, and the difference is how far the device's clock is off (plus the network's transit time).
 * PostHog corrects its timestamps the same way with `sent_at`. The correction is stored as the batch's
 * `clock_offset_ms` and applied in the derived column `events.ets_corrected`; `ets` and `raw` keep what was sent
 * (docs/spool.md, ../shared/DESIGN.md "derived values").
 */

/** Differences up to this are transit time or ordinary drift, not a wrong clock: 1 minute (TELEMETRY_CLOCK_SKEW_MS). */
export const DEFAULT_CLOCK_SKEW_MS = 60_000;

/**
 * `receivedMs − sentMs`, rounded to whole ms, when its size exceeds `boundMs`; 0 when it does not, or when the batch
 * carries no usable send time (absent, not a finite number, or not a positive epoch). Units: epoch ms, UTC.
 */
export function clockOffsetMs(receivedMs: number, sentMs: unknown, boundMs: number): number {
  if (typeof sentMs !== 'number' || !Number.isFinite(sentMs) || sentMs <= 0) return 0;
  const offset = Math.round(receivedMs - sentMs);
  return Math.abs(offset) > boundMs ? offset : 0;
}
