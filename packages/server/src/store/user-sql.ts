/**
 * The refusals of user SQL (`Store.readOnlyQuery`, POST /api/sql) that both stores give, with one code and message
 * each, so the same text is refused alike on DuckDB and on ClickHouse (docs/security.md, docs/clickhouse.md). Each
 * engine finds the case its own way (DuckDB parses with its own parser, duckdb/sql-sandbox.ts; ClickHouse's text is
 * lexed and its server's refusals read, clickhouse/user-sql.ts) and throws these.
 */
import { StoreError } from './store.js';

/**
 * Table functions that read files or URLs, in either engine: DuckDB's readers (read_csv, parquet_scan, glob, …) and
 * ClickHouse's (file, url, s3, hdfs, … and sqlite, which opens a file), by lower-case name. Refused as file access;
 * any other table function outside an engine's allowlist is a function not allowed.
 */
const FILE_READER =
  /^(read_|parquet_|sniff_|glob$|arrow_scan|seq_scan$|iceberg|delta_|deltalake$|hudi$|file$|filecluster$|url$|urlcluster$|s3$|s3cluster$|hdfs$|hdfscluster$|azureblobstorage|gcs$|cosn$|oss$|input$|sqlite$)/;

/** Whether the table function `name` reads a file or a URL. */
export function readsFiles(name: string): boolean {
  return FILE_READER.test(name.toLowerCase());
}

/** Text that is not one statement starting with SELECT or WITH (a write, a command, a setting). */
export function notSelect(): StoreError {
  return new StoreError('STORE_READ_ONLY_VIOLATION', 'only a SELECT or WITH … SELECT statement is allowed');
}

/** More than one statement (`count`, as the engine counts them). */
export function notOneStatement(count: number): StoreError {
  return new StoreError('STORE_READ_ONLY_VIOLATION', `exactly one statement is allowed, got ${count}`);
}

/** Only whitespace and comments: a mistake in the query, not a refusal. */
export function noStatement(): StoreError {
  return new StoreError('STORE_QUERY_FAILED', 'the query has no statement, only whitespace or comments');
}

/**
 * A table function outside `allowed`: file access when it reads files or URLs (readsFiles), else a function not
 * allowed, naming the ones that are.
 */
export function tableFunctionRefused(name: string, allowed: readonly string[]): StoreError {
  if (readsFiles(name))
    return new StoreError(
      'STORE_FILE_ACCESS_DISABLED',
      `file access is disabled for SQL queries: ${name}() reads files`,
    );
  return new StoreError(
    'STORE_FUNCTION_NOT_ALLOWED',
    `table function ${name}() is not allowed; allowed: ${allowed.length ? allowed.join(', ') : 'none'}`,
  );
}
