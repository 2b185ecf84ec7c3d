/** `telemetry serve`: the collector and API on the embedded store, until SIGINT/SIGTERM. */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parsePort } from '../config.js';
import { type ServerOptions, startServer } from '../server.js';
import { resolveStoreUrl } from '../store/open-store.js';

const HELP = `usage: telemetry serve [--port N] [--host ADDR] [--data-dir DIR]

  --port N          HTTP port, 0 for any free one (default PORT or 8080)
  --host ADDR       interface to bind (default HOST or 127.0.0.1)
  --data-dir DIR    database and spool (default TELEMETRY_DATA_DIR or ./data)
  -h, --help        this text

A flag wins over its environment variable. Everything else is configured by environment variables
(see the README's configuration table): TELEMETRY_ADMIN_TOKEN, TELEMETRY_WRITE_KEYS, …

A HOST other than loopback without TELEMETRY_ADMIN_TOKEN is refused unless TELEMETRY_ALLOW_OPEN=1
(docs/security.md).
`;

/**
 * Reads serve's flags into configuration overrides.
 * Throws (message shown by the CLI) on an unknown flag, a stray argument or a port that is not a whole 0–65535.
 */
export function serveOptions(argv: string[]): ServerOptions & { help?: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { help: true };
  const options: ServerOptions = {};
  if (values.port !== undefined) options.port = parsePort(values.port, '--port');
  if (values.host !== undefined) options.host = values.host;
  if (values['data-dir'] !== undefined) options.dataDir = path.resolve(values['data-dir']);
  return options;
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { help, ...options } = serveOptions(argv);
  if (help) {
    process.stdout.write(HELP);
    return 0;
  }
  const server = await startServer(options);
  for (const warning of server.warnings) process.stderr.write(`telemetry: warning: ${warning}\n`);
  const target = resolveStoreUrl(server.config.store, server.config.dataDir);
  // On ClickHouse, the URL given and this collector's writer number (docs/clickhouse.md, "Several collectors").
  const where = target.scheme === 'duckdb' ? target.file : `${server.config.store} as writer ${server.config.writerId}`;
  process.stdout.write(
    `telemetry: collecting on ${server.url}/v1/telemetry (data in ${server.config.dataDir}; store ${where})\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  process.stdout.write('telemetry: stopping (committing and loading the spool)\n');
  // Bounded: what is acknowledged is in the spool already, so a stop cut short loses nothing.
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), server.config.shutdownTimeoutMs);
  });
  const outcome = await Promise.race([server.close().then(() => 'closed' as const), bound]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    process.stderr.write(
      `telemetry: not stopped after ${server.config.shutdownTimeoutMs} ms; exiting (the spool is loaded at the next start)\n`,
    );
    process.exit(0);
  }
  return 0;
}
