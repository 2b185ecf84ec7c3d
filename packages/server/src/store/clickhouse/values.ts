/**
 * ClickHouse's JSON values as the Store port's JSON-safe ones (store.ts QueryResult), by column type: 64-bit
 * integers (quoted by the server) as numbers up to 2^53 and as their text beyond, DateTime as an ISO string (UTC), and
 * the same inside Nullable and Array. What DuckDB's adapter gives for the same columns (store/duckdb/values.ts).
 */

/** One value of a column of `type` (ClickHouse's type name), as the port gives it. */
export function toPortValue(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  const nullable = /^Nullable\((.*)\)$/.exec(type);
  if (nullable) return toPortValue(value, nullable[1]);
  const array = /^Array\((.*)\)$/.exec(type);
  if (array && Array.isArray(value)) return value.map((item) => toPortValue(item, array[1]));
  if (/^U?Int(64|128|256)$/.test(type) && typeof value === 'string') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (/^DateTime\b/.test(type) && typeof value === 'string') return `${value.replace(' ', 'T')}.000Z`;
  if (type === 'Date' && typeof value === 'string') return value;
  return value;
}

/** Rows of a JSONCompact answer, each value converted by its column's type. */
export function toPortRows(rows: unknown[][], types: string[]): unknown[][] {
  return rows.map((row) => row.map((value, i) => toPortValue(value, types[i])));
}
