/**
 * The ClickHouse test service (scripts/clickhouse.sh) for the benches' `--store clickhouse`: started when it is not
 * running, and a database of the bench's own on it.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

/**
 * Starts the service when it is not running and gives the store URL of `database` on it and the server's pid.
 * @throws Error when the script fails (its stderr in the message)
 */
export function clickHouseTestService(database: string): { url: string; pid?: number } {
  const script = path.resolve(import.meta.dirname, '../../../scripts/clickhouse.sh');
  const run = (command: string) => {
    const done = spawnSync('bash', [script, command], { encoding: 'utf8' });
    if (done.status !== 0) throw new Error(`scripts/clickhouse.sh ${command} failed:\n${done.stderr}`);
    return done.stdout.trim();
  };
  run('start');
  const pid = Number(/pid (\d+)/.exec(run('status'))?.[1]) || undefined;
  return { url: run('url').replace(/[^/]*$/, database), pid };
}
