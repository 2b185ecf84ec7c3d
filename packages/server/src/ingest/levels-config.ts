/** Parses the collector's level ceiling: "full", or "basic,channelA=full,channelB=security" (a default and per-channel overrides). */
import { parseLevel, type TelemetryLevel } from '@telemetry/spec';

export function parseLevelCeiling(spec: string): (channel: string | undefined) => TelemetryLevel {
  let fallback: TelemetryLevel = 'full';
  const perChannel = new Map<string, TelemetryLevel>();
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [left, right] = part.includes('=') ? part.split('=', 2) : [undefined, part];
    const level = parseLevel(right.trim());
    if (!level) throw new Error(`unknown telemetry level "${right}" in TELEMETRY_MAX_LEVEL`);
    if (left === undefined) fallback = level;
    else perChannel.set(left.trim(), level);
  }
  if (perChannel.size === 0) return () => fallback;
  return (channel) => (channel !== undefined && perChannel.get(channel)) || fallback;
}
