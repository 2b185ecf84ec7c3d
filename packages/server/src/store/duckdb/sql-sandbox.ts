/**
 * The sandbox for user SQL: the statement is parsed by DuckDB itself (json_serialize_sql) and its tree
 * checked before anything is bound, because binding a file reader already opens the file.
 *
 * Rules (docs/security.md): only a SELECT; table functions from an allowlist (none reads a file); no table
 * reference that DuckDB would turn into a file read (a replacement scan such as FROM 'x.csv'); no catalog
 * view or function that reveals settings, paths or other databases.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { StoreError } from '../store.js';
import { noStatement, notOneStatement, notSelect, tableFunctionRefused } from '../user-sql.js';

/** Table functions a user query may call: generators only, none touches a file, a setting or the catalog. */
export const ALLOWED_TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest', 'json_each', 'json_tree']);

/** Scalar functions that reveal the server's settings or environment (temp_directory, home, …). */
const DENIED_SCALAR_FUNCTIONS = new Set(['current_setting', 'getenv']);

/**
 * Catalog views that reveal paths or settings (duckdb_databases, pg_settings, …): DuckDB's internal views
 * of the main and pg_catalog schemas. information_schema (names and types only) stays readable.
 */
const DENIED_VIEW = /^(duckdb_|pg_|sqlite_|pragma_)/;
const DENIED_SCHEMAS = new Set(['pg_catalog']);

/** A table name DuckDB would read as a file or URL (replacement scan). */
const PATH_LIKE = /[/\\:.]/;

interface Node {
  [key: string]: unknown;
}

/**
 * Parses `sql` with DuckDB's own parser and refuses what the sandbox does not allow.
 * @throws StoreError STORE_READ_ONLY_VIOLATION (not a SELECT, or more than one statement), STORE_FILE_ACCESS_DISABLED
 *   (a file or URL read, wherever it is), STORE_FUNCTION_NOT_ALLOWED (else the first function or catalog view outside
 *   the allowlist),
 *   STORE_QUERY_FAILED (syntax, or no statement at all).
 */
export async function checkSandbox(connection: DuckDBConnection, sql: string): Promise<void> {
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($sql::VARCHAR)', { sql });
  // String(...) copies the value out of the result before it is parsed.
  const tree = JSON.parse(finiteJson(String(reader.getRowsJS()[0][0]))) as Node;
  if (tree.error) {
    if (tree.error_type === 'not implemented') throw notSelect();
    throw new StoreError('STORE_QUERY_FAILED', String(tree.error_message).split('\n')[0]);
  }
  const statements = Array.isArray(tree.statements) ? tree.statements.length : 0;
  if (statements === 0) throw noStatement();
  if (statements > 1) throw notOneStatement(statements);
  // A file read anywhere is refused as file access, before a function not allowed met earlier in the tree: the
  // refusal does not depend on the order of a join (ClickHouse's user SQL names it alike, clickhouse/user-sql.ts).
  let notAllowed: StoreError | undefined;
  visit(tree, (node) => {
    try {
      checkNode(node);
    } catch (error) {
      if (!(error instanceof StoreError) || error.code !== 'STORE_FUNCTION_NOT_ALLOWED') throw error;
      notAllowed ??= error;
    }
  });
  if (notAllowed) throw notAllowed;
}

/**
 * DuckDB's tree writes a non-finite constant (`SELECT 1e400`) as a bare Infinity, -Infinity or NaN, which JSON.parse
 * refuses; outside strings they become null (the sandbox never looks at a constant's value).
 */
function finiteJson(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (token) => (token.startsWith('"') ? token : 'null'));
}

function checkNode(node: Node): void {
  if (node.type === 'TABLE_FUNCTION') {
    const name = String((node.function as Node | undefined)?.function_name ?? '').toLowerCase();
    if (ALLOWED_TABLE_FUNCTIONS.has(name)) return;
    // The codes and the file readers' names are shared with ClickHouse's user SQL (store/user-sql.ts).
    throw tableFunctionRefused(name, [...ALLOWED_TABLE_FUNCTIONS]);
  }
  if (node.type === 'BASE_TABLE') {
    const name = String(node.table_name ?? '');
    const schema = String(node.schema_name ?? '').toLowerCase();
    if (PATH_LIKE.test(name)) {
      throw new StoreError(
        'STORE_FILE_ACCESS_DISABLED',
        `file access is disabled for SQL queries: "${name}" is a file`,
      );
    }
    if (
      node.catalog_name ||
      DENIED_SCHEMAS.has(schema) ||
      (schema !== 'information_schema' && DENIED_VIEW.test(name))
    ) {
      throw new StoreError('STORE_FUNCTION_NOT_ALLOWED', `${[schema, name].filter(Boolean).join('.')} is not readable`);
    }
    return;
  }
  if (node.class === 'FUNCTION' && DENIED_SCALAR_FUNCTIONS.has(String(node.function_name).toLowerCase())) {
    throw new StoreError('STORE_FUNCTION_NOT_ALLOWED', `${String(node.function_name)}() is not allowed`);
  }
  // A CTE named like a catalog view would let a reference outside its scope reach the view.
  const ctes = (node.cte_map as { map?: { key: string }[] } | undefined)?.map ?? [];
  for (const cte of ctes) {
    if (DENIED_VIEW.test(cte.key.toLowerCase())) {
      throw new StoreError('STORE_FUNCTION_NOT_ALLOWED', `a CTE may not be named ${cte.key}`);
    }
  }
}

/** Calls `check` on every object in the parse tree, depth first. */
function visit(value: unknown, check: (node: Node) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) visit(item, check);
  } else if (value !== null && typeof value === 'object') {
    check(value as Node);
    for (const child of Object.values(value)) visit(child, check);
  }
}
