/**
 * ClickHouse's errors as StoreErrors: the one place a driver or server error is read. 18.16 writes
 * `Code: 164, e.displayText() = DB::Exception: <message>, e.what() = DB::Exception`, a form the official client does
 * not parse (its ClickHouseError has no code then), so the code is read from the text here, for every version.
 */
import { StoreError } from '../store.js';

/** Server error codes this adapter tells apart (ClickHouse's src/Common/ErrorCodes.cpp). */
export const CLICKHOUSE_CODES = {
  TIMEOUT_EXCEEDED: 159,
  READONLY: 164,
  TOO_MANY_ROWS_OR_BYTES: 396,
  /** The query passed the server's `max_memory_usage` (or the server's own limit). */
  MEMORY_LIMIT_EXCEEDED: 241,
  INTO_OUTFILE_NOT_ALLOWED: 358,
  NOT_ENOUGH_SPACE: 243,
  CANNOT_WRITE_TO_FILE_DESCRIPTOR: 75,
  /** A shard of a cluster (cluster.ts) did not answer. */
  SOCKET_TIMEOUT: 209,
  NETWORK_ERROR: 210,
  ALL_CONNECTION_TRIES_FAILED: 279,
  /** A database the user may not read (users.xml `allow_databases`): the SQL user's, useSqlUser. */
  ACCESS_DENIED: 291,
} as const;

/** The server's error code in `message`, or undefined for an error that did not come from the server. */
export function serverCode(message: string): number | undefined {
  const match = /\bCode: (\d+)\b/.exec(message);
  return match ? Number(match[1]) : undefined;
}

/**
 * The server's message without the exception's decorations: its first line, and where that ends in `Log:` (a shard
 * that did not answer), the distinct causes the lines after it give, which name the shard.
 */
export function cleanMessage(error: unknown): string {
  const [first, ...rest] = String((error as Error)?.message ?? error).split('\n');
  const message = undecorated(first);
  if (!message.endsWith('Log:')) return message;
  const causes = [...new Set(rest.map(undecorated).filter((line) => line !== '' && !/^, e\.what\(\)/.test(line)))];
  return `${message} ${causes.join('; ')}`.trim();
}

function undecorated(line: string): string {
  return line
    .replace(/^Code: \d+, e\.displayText\(\) = DB::\w*Exception: /, '')
    .replace(/, e\.what\(\) = DB::\w*Exception\s*$/, '')
    .replace(/^Code: \d+\. DB::\w*Exception: /, '')
    .trim();
}

/** Codes of a cluster's shard that does not answer. */
const SHARD_UNREACHABLE: number[] = [
  CLICKHOUSE_CODES.SOCKET_TIMEOUT,
  CLICKHOUSE_CODES.NETWORK_ERROR,
  CLICKHOUSE_CODES.ALL_CONNECTION_TRIES_FAILED,
];

/** Errors of the connection itself: the server is not there (or went away), not a refusal of the query. */
const NETWORK = /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|socket hang up|Timeout error/i;

/**
 * `error` as a StoreError: STORE_TIMEOUT (TIMEOUT_EXCEEDED, or aborted at the deadline), STORE_READ_ONLY_VIOLATION
 * (READONLY), STORE_FUNCTION_NOT_ALLOWED (a table function under readonly), STORE_FILE_ACCESS_DISABLED (INTO
 * OUTFILE), STORE_RESULT_TOO_LARGE, STORE_OUT_OF_MEMORY (MEMORY_LIMIT_EXCEEDED), STORE_UNAVAILABLE
 * (no connection, no disk space, a cluster's shard that does not answer), STORE_ACCESS_DENIED (a database the user
 * may not read), else STORE_QUERY_FAILED. A StoreError passes unchanged.
 */
export function toStoreError(error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  const raw = String((error as Error)?.message ?? error);
  const code = serverCode(raw);
  const message = cleanMessage(error);
  const options = { cause: error };
  if (code === CLICKHOUSE_CODES.TIMEOUT_EXCEEDED || (error as Error)?.name === 'AbortError')
    return new StoreError('STORE_TIMEOUT', 'the query ran past its time limit', options);
  if (code === CLICKHOUSE_CODES.READONLY) {
    // Which function, and whether it reads files, is read from the statement (clickhouse/user-sql.ts).
    if (/table function/i.test(message))
      return new StoreError('STORE_FUNCTION_NOT_ALLOWED', `table functions are not allowed: ${message}`, options);
    return new StoreError('STORE_READ_ONLY_VIOLATION', message, options);
  }
  if (code === CLICKHOUSE_CODES.ACCESS_DENIED) return new StoreError('STORE_ACCESS_DENIED', message, options);
  if (code === CLICKHOUSE_CODES.INTO_OUTFILE_NOT_ALLOWED)
    return new StoreError('STORE_FILE_ACCESS_DISABLED', `file access is disabled for SQL queries: ${message}`, options);
  if (code === CLICKHOUSE_CODES.TOO_MANY_ROWS_OR_BYTES)
    return new StoreError('STORE_RESULT_TOO_LARGE', message, options);
  if (code === CLICKHOUSE_CODES.MEMORY_LIMIT_EXCEEDED)
    return new StoreError('STORE_OUT_OF_MEMORY', `the store ran out of memory: ${message}`, options);
  if (code === CLICKHOUSE_CODES.NOT_ENOUGH_SPACE || code === CLICKHOUSE_CODES.CANNOT_WRITE_TO_FILE_DESCRIPTOR)
    return new StoreError('STORE_UNAVAILABLE', `the store cannot write: ${message}`, options);
  if (code !== undefined && SHARD_UNREACHABLE.includes(code))
    return new StoreError('STORE_UNAVAILABLE', `a ClickHouse shard does not answer: ${message}`, options);
  if (code === undefined && NETWORK.test(raw))
    return new StoreError('STORE_UNAVAILABLE', `ClickHouse does not answer: ${message}`, options);
  return new StoreError('STORE_QUERY_FAILED', message, options);
}
