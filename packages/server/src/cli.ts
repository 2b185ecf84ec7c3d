#!/usr/bin/env node
/** The `telemetry` command: one sub-command per file under commands/. */
// First: sets DuckDB's allocator options, which its library reads once, when it loads (the imports below load it).
import './store/duckdb/allocator.js';
import { forwardRetryCommand } from './commands/forward-retry.js';
import { importCommand } from './commands/import.js';
import { serveCommand } from './commands/serve.js';
import { simulateCommand } from './commands/simulate.js';
import { sqlCommand } from './commands/sql.js';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  serve: { run: serveCommand, summary: 'run the collector and the HTTP API (configured by environment, see README)' },
  import: {
    run: importCommand,
    summary: 'import FILE: NDJSON of V3 events or of Sunbird batches, through the same checks (or to --url)',
  },
  simulate: { run: simulateCommand, summary: 'simulate seeded e-Samwad-like V3 traffic into the store or to --url' },
  sql: { run: sqlCommand, summary: 'sql "SELECT …": a read-only query against the store' },
  'forward-retry': {
    run: forwardRetryCommand,
    summary: "send the PostHog forwarder's dead letters again, at most --limit for --timeout s (store, or --url)",
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 1;
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)} ${c.summary}`);
  return `usage: telemetry <command> [options]\n\n${lines.join('\n')}\n\nRun "telemetry <command> --help" for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`telemetry: unknown command "${name}"\n\n${usage()}`);
    return 1;
  }
  return command.run(rest);
}

// A closed pipe on stdout or stderr (`telemetry serve | head`, a log collector gone) loses the lines written to it, and
// nothing else: unhandled, its EPIPE ended the process before the server's clean stop (spool loaded, mid snapshot).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`telemetry: ${(error as Error).message ?? error}\n`);
    process.exitCode = 1;
  },
);
