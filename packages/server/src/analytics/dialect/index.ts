/** Picks the SQL helpers for a store's dialect, and collects bound parameters under generated names. */
import { type Dialect, type QueryParams, StoreError } from '../../store/store.js';
import { clickhouse } from './clickhouse.js';
import type { ParamType, SqlDialect } from './dialect.js';
import { duckdb } from './duckdb.js';

export type { ParamType, SqlDialect } from './dialect.js';

export function dialectFor(name: Dialect): SqlDialect {
  return name === 'clickhouse' ? clickhouse : duckdb;
}

/**
 * The error for a query this engine cannot answer as DuckDB does yet (`what` names it, e.g. the property), rather than
 * an answer that differs: the same code and wording as the ClickHouse store's own refusals.
 */
export function unsupported(dialect: SqlDialect, what: string): StoreError {
  const engine = dialect.name === 'clickhouse' ? 'ClickHouse' : 'DuckDB';
  return new StoreError('STORE_UNSUPPORTED', `not yet supported on the ${engine} store: ${what}`);
}

/** A compiled query: SQL text holding only placeholders, and the values bound to them. */
export interface CompiledQuery {
  sql: string;
  params: QueryParams;
}

/** Every value reaches SQL through here: it is stored under a generated name and only the placeholder is returned. */
export class SqlParams {
  readonly values: QueryParams = {};
  private next = 0;

  constructor(readonly dialect: SqlDialect) {}

  add(value: string | number, type: ParamType): string {
    const name = `p${this.next++}`;
    this.values[name] = type === 'Int64' || type === 'UInt64' ? Math.trunc(Number(value)) : value;
    return this.dialect.param(name, type);
  }

  str(value: string): string {
    return this.add(value, 'String');
  }

  int(value: number): string {
    return this.add(value, 'Int64');
  }

  /** A row count for LIMIT or OFFSET (a non-negative integer). */
  rows(value: number): string {
    return this.add(value, 'UInt64');
  }
}
