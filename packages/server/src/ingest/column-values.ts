/**
 * The values that fill typed columns must be what the columns can hold, exactly, so a column and
 * SQL over `raw` (json_extract) read the same value: `ets` (BIGINT ms and the TIMESTAMP `ts`) and
 * the edata fields store/duckdb/load-segment-sql.ts extracts. Runs after the V3 schema, which
 * already makes them the right JSON type for every event but HEARTBEAT (whose edata is free).
 * The rules and why: docs/ingestion.md.
 */

/** The first storable `ets`: 1970-01-01T00:00:00.000Z, epoch ms. */
export const MIN_ETS = 0;
/** The last storable `ets`: 9999-12-31T23:59:59.999Z, epoch ms (a four-digit year everywhere). */
export const MAX_ETS = 253_402_300_799_999;
/** The largest magnitude of a numeric edata column (seconds or a rating): sums of them stay finite and exact enough. */
export const MAX_COLUMN_NUMBER = Number.MAX_SAFE_INTEGER;

/** The edata fields with a column of their own, and the JSON type the column takes. */
const EDATA_COLUMNS: ReadonlyArray<readonly [string, 'string' | 'number']> = [
  ['type', 'string'],
  ['subtype', 'string'],
  ['mode', 'string'],
  ['id', 'string'],
  ['pageid', 'string'],
  ['uri', 'string'],
  ['query', 'string'],
  ['duration', 'number'],
  ['rating', 'number'],
];

export type ColumnProblem = 'invalid_ets' | 'invalid_number' | 'invalid_schema';

export interface ColumnVerdict {
  reason: ColumnProblem;
  error: string;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_CHARACTER = /[\x00-\x1f]/;

/** Checks a schema-valid event's column values; undefined when every column holds exactly what was sent. */
export function checkColumnValues(event: { mid?: unknown; ets: number; edata?: unknown }): ColumnVerdict | undefined {
  // The spool's framing keeps a copy of the mid, with control characters as spaces; the de-duplication index is
  // rebuilt from it at a start, so such a mid would be two ids (spool/segment-format.ts).
  if (typeof event.mid === 'string' && CONTROL_CHARACTER.test(event.mid)) {
    return { reason: 'invalid_schema', error: '/mid: must not hold control characters (U+0000 to U+001F)' };
  }
  const { ets } = event;
  if (!Number.isInteger(ets) || ets < MIN_ETS || ets > MAX_ETS) {
    return {
      reason: 'invalid_ets',
      error: `/ets: must be whole epoch milliseconds from ${MIN_ETS} (1970-01-01) to ${MAX_ETS} (9999-12-31), got ${ets}`,
    };
  }
  const edata = event.edata;
  if (edata === null || typeof edata !== 'object') return undefined;
  for (const [key, type] of EDATA_COLUMNS) {
    const value = (edata as Record<string, unknown>)[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== type) {
      return { reason: 'invalid_schema', error: `/edata/${key}: must be a ${type} (it fills the edata_${key} column)` };
    }
    if (type === 'number' && Math.abs(value as number) > MAX_COLUMN_NUMBER) {
      return {
        reason: 'invalid_number',
        error: `/edata/${key}: must be at most ${MAX_COLUMN_NUMBER} in magnitude, got ${value}`,
      };
    }
  }
  return undefined;
}
