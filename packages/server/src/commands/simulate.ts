/** `telemetry simulate`: seeded e-Samwad-like V3 traffic, straight into the store or over HTTP to a collector. */

import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dialectFor, SqlParams } from '../analytics/dialect/index.js';
import { catchUpSessionPaths } from '../analytics/session-paths.js';
import { drainSummaryQueue } from '../analytics/sessions/index.js';
import { loadConfig } from '../config.js';
import { simulate, startMidPrefix } from '../simulate/generate.js';
import { resolveParams, type SimulationParams } from '../simulate/params.js';
import { createProgress } from '../simulate/progress.js';
import { type SendHttpResult, sendOverHttp, writeKeyHeaders } from '../simulate/send-http.js';
import { GroundTruth } from '../simulate/truth.js';
import { receivedBy, spoolDirOf, writeToStore } from '../simulate/write-store.js';
import { lockSpool } from '../spool/spool-lock.js';
import { openStore } from '../store/open-store.js';

const HELP = `usage: telemetry simulate [options]

Generates realistic, reproducible Sunbird V3 traffic from an e-Samwad-like teacher app:
users of schools across districts (context.rollup, UDISE codes in cdata) join over the first
weeks, have sessions (START … IMPRESSION/INTERACT/SEARCH/FEEDBACK/SHARE/ASSESS/ERROR/INTERRUPT
… END), walk a funnel at the chosen step rates and return at the chosen weekly rates.
By default the traffic ends now (today is the last day; nothing after the wall clock).
The same options, --start and seed give the same events, up to the wall clock. See docs/simulator.md.

  --events N        simulate users until at least N events (overrides --users)
  --users N         users to simulate (default 1000)
  --days N          simulated days (default 56), ending now: today is the last day
  --start DATE      first day, UTC, YYYY-MM-DD (default: days - 1 days before today)
  --seed N          PRNG seed (default 42)
  --params FILE     JSON with any simulation parameter (see docs/simulator.md); flags win
  --data-dir DIR    fast path: load into this data directory (default TELEMETRY_DATA_DIR or ./data),
                    into the store TELEMETRY_STORE names (default its telemetry.duckdb); the server must
                    not be running on it
  --url URL         HTTP mode: POST batches to URL/v1/telemetry instead (sends the first key of
                    TELEMETRY_WRITE_KEYS, the server's variable, when set)
  --concurrency N   HTTP requests in flight (default 4)
  --truth FILE      write the ground truth (funnel, cohorts, counts) as JSON
  --progress        show the progress bar even when stderr is not a terminal
  -h, --help        this text
`;

const INTEGER_FLAGS = ['events', 'users', 'days', 'seed', 'concurrency'] as const;

export async function simulateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      events: { type: 'string' },
      users: { type: 'string' },
      days: { type: 'string' },
      start: { type: 'string' },
      seed: { type: 'string' },
      params: { type: 'string' },
      'data-dir': { type: 'string' },
      url: { type: 'string' },
      concurrency: { type: 'string' },
      truth: { type: 'string' },
      progress: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const numbers: Partial<Record<(typeof INTEGER_FLAGS)[number], number>> = {};
  for (const name of INTEGER_FLAGS) {
    const raw = values[name];
    if (raw === undefined) continue;
    const n = Number(raw.replaceAll('_', ''));
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got "${raw}"`);
    numbers[name] = n;
  }
  const fromFile: Partial<SimulationParams> = values.params ? JSON.parse(fs.readFileSync(values.params, 'utf8')) : {};
  const params = resolveParams({
    ...fromFile,
    ...(numbers.users !== undefined && { users: numbers.users }),
    ...(numbers.events !== undefined && { targetEvents: numbers.events }),
    ...(numbers.days !== undefined && {
      days: numbers.days,
      acquisitionDays: Math.min(fromFile.acquisitionDays ?? Math.ceil(numbers.days / 2), numbers.days),
    }),
    ...(numbers.seed !== undefined && { seed: numbers.seed }),
    ...(values.start !== undefined && { start: values.start }),
  });

  const truth = new GroundTruth(params);
  const progress = createProgress({
    unit: 'events',
    total: params.targetEvents,
    enabled: values.progress || undefined,
  });
  const events = simulate(params, truth);
  let line: string;
  if (values.url) {
    const sent = await sendOverHttp(events, {
      url: values.url,
      concurrency: numbers.concurrency,
      msgidPrefix: `sim-${params.seed}`,
      // The server's own variable: a key that opens its door opens it for the simulator too.
      headers: writeKeyHeaders(loadConfig().writeKeys),
      onProgress: (n) => progress.update(n),
    });
    progress.finish();
    line = sentLine(sent, values.url, params.seed);
  } else {
    const config = loadConfig();
    const dataDir = path.resolve(values['data-dir'] ?? config.dataDir);
    const spoolDir = spoolDirOf(dataDir);
    // The spool is written below: a collector (or import) on this directory must not share it.
    const lock = lockSpool(dataDir);
    const store = await openStore({ url: config.store, dataDir, spoolDir, writer: config.writerId }).catch((error) => {
      lock.release();
      throw error;
    });
    let streams = 0;
    let summarizeSeconds = 0;
    try {
      // The fast path skips the collector's mid index: refuse a seed whose events are already stored.
      const prefix = startMidPrefix(params);
      const p = new SqlParams(dialectFor(store.dialect));
      const seen = await store.query(
        `SELECT count(*) FROM events WHERE substring(mid, 1, ${p.int(prefix.length)}) = ${p.str(prefix)}`,
        p.values,
      );
      if (Number(seen.rows[0][0]) > 0) {
        throw new Error(`seed ${params.seed} is already in ${dataDir}; choose another --seed (or send with --url)`);
      }
      const written = await writeToStore(events, {
        store,
        spoolDir,
        receivedAt: receivedBy(Date.now()),
        // Sessions and time spent follow each load, as in the collector (server.ts).
        afterLoad: async () => {
          const summarizing = performance.now();
          streams += (await drainSummaryQueue(store)).streams;
          await catchUpSessionPaths(store);
          summarizeSeconds += (performance.now() - summarizing) / 1000;
        },
        onProgress: (n) => progress.update(n),
      });
      progress.finish();
      line =
        `loaded ${written.events} events (${written.rejected} invalid, kept in failed_events) into ${dataDir} in ${written.seconds.toFixed(1)} s ` +
        `(${Math.round(written.eventsPerSecond)} events/s, ${written.segments} segments); ` +
        `of which summarizing ${streams} device streams took ${summarizeSeconds.toFixed(1)} s`;
    } finally {
      try {
        await store.close();
      } finally {
        lock.release();
      }
    }
  }
  const summary = truth.summary();
  if (values.truth) fs.writeFileSync(values.truth, `${JSON.stringify({ params, truth: summary }, null, 2)}\n`);
  process.stdout.write(`${line}\n${summary.users} users, ${summary.sessions} sessions, seed ${params.seed}\n`);
  return 0;
}

/**
 * What HTTP mode reports: the collector's counts. Duplicates are explained when there are any: they
 * are no error, but no new data either. A simulated mid is seed, user and sequence
 * (`<EID>:sim-<seed>-<user>-<n>`), so a run with a seed used before sends mids the collector has,
 * and it keeps the events it stored first, even when that run had other --days or --start.
 */
function sentLine(sent: SendHttpResult, url: string, seed: number): string {
  const duplicates =
    sent.duplicates === 0
      ? 'duplicates 0'
      : `duplicates ${sent.duplicates} (mids already stored, e.g. by an earlier run with seed ${seed}: ` +
        'the collector keeps the first event of a mid; another --seed sends new traffic)';
  return (
    `sent ${sent.events} events in ${sent.batches} batches to ${url} in ${sent.seconds.toFixed(1)} s ` +
    `(${Math.round(sent.eventsPerSecond)} events/s): stored ${sent.stored}, ${duplicates}, rejected ${sent.rejected}`
  );
}
