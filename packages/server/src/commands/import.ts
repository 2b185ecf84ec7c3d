/**
 * `telemetry import FILE`: NDJSON of Sunbird batches or of single V3 events, through the same
 * checks and de-duplication as the collector, straight into the store (no HTTP), with progress.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { ApiError } from '../api/errors.js';
import { loadConfig } from '../config.js';
import type { IngestResult } from '../ingest/collector.js';
import { openCollector } from '../server.js';

const HELP = `usage: telemetry import [--quiet] FILE

FILE holds one JSON value per line: a Sunbird batch {"params":{"msgid"},"events":[…]} or one V3 event.
Events are checked, de-duplicated and stored exactly as the collector does; invalid ones go to
failed_events. Stop the server first (the store is one file, one process). TELEMETRY_DATA_DIR selects it.
`;

/** Loose events are sent to the collector in groups of this many, as one synthetic batch. */
const GROUP = 1000;

export interface ImportSummary {
  lines: number;
  badLines: number;
  batches: number;
  duplicateBatches: number;
  received: number;
  stored: number;
  duplicates: number;
  rejected: number;
}

export async function importFile(
  file: string,
  dataDir?: string,
  onProgress?: (bytes: number) => void,
): Promise<ImportSummary> {
  const config = loadConfig(process.env, dataDir ? { dataDir } : {});
  const collector = await openCollector(config);
  const summary: ImportSummary = {
    lines: 0,
    badLines: 0,
    batches: 0,
    duplicateBatches: 0,
    received: 0,
    stored: 0,
    duplicates: 0,
    rejected: 0,
  };
  const add = (r: IngestResult) => {
    summary.received += r.received;
    summary.stored += r.stored;
    summary.duplicates += r.duplicates;
    summary.rejected += r.rejected;
    if (r.duplicate_batch) summary.duplicateBatches++;
  };
  let loose: string[] = [];
  const flushLoose = async () => {
    if (loose.length === 0) return;
    // Raw lines are spliced into the batch text, so each event keeps its exact bytes.
    add(await collector.collector.ingest(`{"events":[${loose.join(',')}]}`));
    loose = [];
  };
  try {
    const input = fs.createReadStream(file);
    let bytes = 0;
    input.on('data', (chunk) => {
      bytes += chunk.length;
      onProgress?.(bytes);
    });
    for await (const line of readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      if (line.trim() === '') continue;
      summary.lines++;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        summary.badLines++;
        continue;
      }
      if (value !== null && typeof value === 'object' && Array.isArray((value as { events?: unknown }).events)) {
        summary.batches++;
        try {
          add(await collector.collector.ingest(line));
        } catch (error) {
          if (!(error instanceof ApiError)) throw error;
          summary.badLines++;
        }
      } else {
        loose.push(line);
        if (loose.length >= GROUP) await flushLoose();
      }
    }
    await flushLoose();
  } finally {
    await collector.close();
  }
  return summary;
}

export async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { quiet: { type: 'boolean', short: 'q' }, help: { type: 'boolean', short: 'h' } },
  });
  const file = positionals[0];
  if (values.help || !file) {
    process.stdout.write(HELP);
    return values.help ? 0 : 1;
  }
  const total = fs.statSync(file).size;
  const showProgress = !values.quiet && process.stderr.isTTY;
  const started = performance.now();
  const summary = await importFile(file, undefined, (bytes) => {
    if (!showProgress) return;
    const ratio = total ? bytes / total : 1;
    const bar = '█'.repeat(Math.round(ratio * 30)).padEnd(30, '░');
    process.stderr.write(`\r${bar} ${(ratio * 100).toFixed(0).padStart(3)}%  ${(bytes / 1e6).toFixed(1)} MB`);
  });
  if (showProgress) process.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `imported ${file} in ${seconds.toFixed(1)} s: ${summary.lines} lines (${summary.batches} batches, ${summary.duplicateBatches} duplicate batches, ${summary.badLines} unreadable), ` +
      `${summary.received} events: ${summary.stored} stored, ${summary.duplicates} duplicates, ${summary.rejected} rejected (see failed_events)\n`,
  );
  return summary.badLines > 0 ? 2 : 0;
}
