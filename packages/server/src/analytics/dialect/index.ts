/** Picks the SQL helpers for a store's dialect, and collects bound parameters under generated names. */
import type { Dialect, QueryParams } from '../../store/store.js';
import { clickhouse } from './clickhouse.js';
import type { ParamType, SqlDialect } from './dialect.js';
import { duckdb } from './duckdb.js';

export type { ParamType, SqlDialect } from './dialect.js';

export function dialectFor(name: Dialect): SqlDialect {
  return name === 'clickhouse' ? clickhouse : duckdb;
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
    this.values[name] = type === 'Int64' ? Math.trunc(Number(value)) : value;
    return this.dialect.param(name, type);
  }

  str(value: string): string {
    return this.add(value, 'String');
  }

  int(value: number): string {
    return this.add(value, 'Int64');
  }
}
