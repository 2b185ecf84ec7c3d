/** Turns DuckDB's values into JSON-safe ones for API answers: one converter for every read path of the store. */
import {
  DuckDBDateValue,
  DuckDBTypeId,
  type DuckDBValueConverter,
  type JS,
  JSDuckDBValueConverter,
} from '@duckdb/node-api';

/** Times of day and bytes: their text (JS would give microseconds or an object of byte indexes). */
const AS_TEXT = new Set<DuckDBTypeId>([
  DuckDBTypeId.BLOB,
  DuckDBTypeId.BIT,
  DuckDBTypeId.TIME,
  DuckDBTypeId.TIME_NS,
  DuckDBTypeId.TIME_TZ,
]);
const DATES = new Set<DuckDBTypeId>([
  DuckDBTypeId.DATE,
  DuckDBTypeId.TIMESTAMP,
  DuckDBTypeId.TIMESTAMP_S,
  DuckDBTypeId.TIMESTAMP_MS,
  DuckDBTypeId.TIMESTAMP_NS,
  DuckDBTypeId.TIMESTAMP_TZ,
]);
/** A double holds every decimal of up to 15 significant digits exactly as written. */
const DOUBLE_DIGITS = 15;

/**
 * DuckDB's JS values (the driver's JSDuckDBValueConverter), except where JSON would change the value: DECIMALs of more
 * than 15 significant digits as their exact text (as BIGINTs past 2^53 are, by `toJsonValue`), bytes and times of day
 * as text, and dates a JS Date cannot hold (`infinity`, past year 275760) as DuckDB's text. Nested values (lists,
 * structs, maps) are converted by the same rules.
 */
export const apiValueConverter: DuckDBValueConverter<JS> = (value, type, converter) => {
  if (value === null || value === undefined) return null;
  if (AS_TEXT.has(type.typeId)) return String(value);
  if (type.typeId === DuckDBTypeId.DECIMAL) {
    const text = String(value);
    // Significant digits: not the sign, the leading zeros, the point or the scale's trailing zeros (1.500… is 15).
    const digits = text.replace(/(\.\d*?)0+$/, '$1').replace(/^-?[0.]*|\./g, '');
    return digits.length > DOUBLE_DIGITS ? text : Number(text);
  }
  // DuckDB's text of an infinite DATE is a far date (5881580-07-11); an infinite TIMESTAMP's is `infinity`.
  if (value instanceof DuckDBDateValue && !value.isFinite) return value.days > 0 ? 'infinity' : '-infinity';
  if (DATES.has(type.typeId)) {
    try {
      return JSDuckDBValueConverter(value, type, converter);
    } catch {
      return String(value);
    }
  }
  return JSDuckDBValueConverter(value, type, converter);
};

export function toJsonValue(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = toJsonValue(item);
    return out;
  }
  return value;
}

export function toJsonRows(rows: unknown[][]): unknown[][] {
  return rows.map((row) => row.map(toJsonValue));
}
