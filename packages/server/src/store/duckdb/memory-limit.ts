/**
 * Bytes per unit in DuckDB's memory settings (DuckDB's docs, "Configuration": `memory_limit`): decimal KB/MB/GB/TB,
 * binary KiB/MiB/GiB/TiB, case-insensitive, with or without a space.
 */
const UNITS = new Map<string, number>(
  Object.entries({
    b: 1,
    byte: 1,
    bytes: 1,
    k: 1e3,
    kb: 1e3,
    kilobytes: 1e3,
    m: 1e6,
    mb: 1e6,
    megabytes: 1e6,
    g: 1e9,
    gb: 1e9,
    gigabytes: 1e9,
    t: 1e12,
    tb: 1e12,
    terabytes: 1e12,
    kib: 2 ** 10,
    mib: 2 ** 20,
    gib: 2 ** 30,
    tib: 2 ** 40,
  }),
);

/**
 * The bytes a DuckDB memory setting such as '256MB', '1.5 GiB', '.5GB' or '1e3MB' stands for (a decimal number as
 * DuckDB reads it, then a unit), or undefined for what this does not read: a bare number or a percentage, which DuckDB
 * refuses too, and `-1`, which DuckDB takes as "no limit" (memory-limit.test.ts compares with the real DuckDB).
 */
export function memoryLimitBytes(setting: string): number | undefined {
  const match = /^\s*((?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*([a-z]+)\s*$/i.exec(setting);
  const unit = match && UNITS.get(match[2].toLowerCase());
  return match && unit ? Math.round(Number(match[1]) * unit) : undefined;
}
