/** `telemetry serve`: the collector and API on the embedded store, until SIGINT/SIGTERM. */
import { startServer } from '../server.js';

const HELP = `usage: telemetry serve

Configured by environment variables (see the README's configuration table):
  PORT (8080), HOST (127.0.0.1), TELEMETRY_DATA_DIR (./data), TELEMETRY_ADMIN_TOKEN, TELEMETRY_WRITE_KEYS, …

A HOST other than loopback without TELEMETRY_ADMIN_TOKEN is refused unless TELEMETRY_ALLOW_OPEN=1
(docs/security.md).
`;

export async function serveCommand(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const server = await startServer();
  for (const warning of server.warnings) process.stderr.write(`telemetry: warning: ${warning}\n`);
  process.stdout.write(`telemetry: collecting on ${server.url}/v1/telemetry (data in ${server.config.dataDir})\n`);
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
