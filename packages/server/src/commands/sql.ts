/** `telemetry sql "SELECT …"`: the same read-only rules as /api/sql, against the store file or a running server. */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openStore } from '../store/open-store.js';
import type { ReadOnlyQueryResult } from '../store/store.js';

const HELP = `usage: telemetry sql [--json] [--data-dir DIR] [--url http://127.0.0.1:8080] "SELECT …"

Without --url the store TELEMETRY_STORE names (default: telemetry.duckdb in --data-dir, TELEMETRY_DATA_DIR or
./data) is opened directly (stop the server first, or use --url).
With --url the query goes to that server's /api/sql (TELEMETRY_ADMIN_TOKEN is sent when set).

  --json            the answer as /api/sql gives it (one JSON object), not a table
`;

/** The rows as a table, then their count, and when a limit cut them off, which one and how to see the rest. */
function printTable(result: ReadOnlyQueryResult): void {
  const cells = [
    result.columns,
    ...result.rows.map((row) => row.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))),
  ];
  const widths = result.columns.map((_, i) =>
    Math.min(
      60,
      cells.reduce((width, row) => Math.max(width, String(row[i] ?? '').length), 0),
    ),
  );
  const line = (row: unknown[]) =>
    row
      .map((v, i) =>
        String(v ?? '')
          .slice(0, 60)
          .padEnd(widths[i]),
      )
      .join(' │ ');
  process.stdout.write(`${line(cells[0])}\n${widths.map((w) => '─'.repeat(w)).join('─┼─')}\n`);
  for (const row of cells.slice(1)) process.stdout.write(`${line(row)}\n`);
  const limit = result.truncatedReason === 'bytes' ? 'TELEMETRY_QUERY_MAX_BYTES' : 'TELEMETRY_SQL_MAX_ROWS';
  const cut = result.truncated ? `; cut off at ${limit}: add a LIMIT or aggregate to see the rest` : '';
  process.stdout.write(`(${result.rows.length} rows${cut})\n`);
}

export async function sqlCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const query = positionals.join(' ');
  if (values.help || !query) {
    process.stdout.write(HELP);
    return values.help ? 0 : 1;
  }
  const { json, url } = values;
  const config = loadConfig(process.env, values['data-dir'] ? { dataDir: values['data-dir'] } : {});
  let result: ReadOnlyQueryResult;
  if (url) {
    const endpoint = `${url.replace(/\/$/, '')}/api/sql`;
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(config.adminToken ? { authorization: `Bearer ${config.adminToken}` } : {}),
        },
        body: JSON.stringify({ query }),
      });
    } catch (error) {
      // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND …) is its cause.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new Error(`could not reach ${endpoint} (${why}); is the server running there?`);
    }
    const body = (await response.json()) as ReadOnlyQueryResult & { params?: { errmsg?: string } };
    if (!response.ok) throw new Error(body.params?.errmsg ?? `HTTP ${response.status}`);
    result = body;
  } else {
    const store = await openStore({
      url: config.store,
      dataDir: config.dataDir,
      mustExist: true,
      sqlUser: config.clickhouseSqlUser,
    });
    try {
      result = await store.readOnlyQuery(query, {
        maxRows: config.sqlMaxRows,
        maxBytes: config.queryMaxBytes,
        deadline: Date.now() + config.sqlTimeoutMs,
      });
    } finally {
      await store.close();
    }
  }
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else printTable(result);
  return 0;
}
