/**
 * `telemetry import FILE`: NDJSON of Sunbird batches or of single V3 events, through the same
 * checks and de-duplication as the collector — straight into the store (no HTTP), or to a running
 * server with --url — with progress, line numbers for unreadable lines and a file to keep them.
 */
import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { ApiError } from '../api/errors.js';
import { loadConfig } from '../config.js';
import type { IngestResult } from '../ingest/collector.js';
import { utf8Text } from '../ingest/decode.js';
import { openCollector } from '../server.js';
import { postWithRetry, SendHttpError, writeKeyHeaders } from '../simulate/send-http.js';

const HELP = `usage: telemetry import [options] FILE

FILE holds one JSON value per line: a Sunbird batch {"params":{"msgid"},"events":[…]} or one V3 event.
Events are checked, de-duplicated and stored exactly as the collector does; invalid events go to
failed_events. Without --url the store TELEMETRY_STORE names (default: telemetry.duckdb in TELEMETRY_DATA_DIR,
./data) is opened directly: stop the server first (the store is one file, one process).

  --data-dir DIR    the data directory whose store to import into (default TELEMETRY_DATA_DIR or ./data)
  --url URL         send to a running server instead (POST URL/v1/telemetry; sends the first key of
                    TELEMETRY_WRITE_KEYS when set)
  --rejects FILE    write every unreadable line to FILE, as it was, to fix and import again
  -q, --quiet       no progress bar
  -h, --help        this text

Unreadable lines (not JSON, or a batch the collector refuses) are reported with their line numbers
and skipped; every other line is imported.

Exit codes: 0 every line was read; 2 some lines were unreadable (the rest is imported);
1 the import could not run (bad arguments, missing file, store in use, server unreachable).
`;

/** Loose events are sent in groups of this many, as one synthetic batch (the collector's limit is 5000). */
const GROUP = 1000;
/** Over HTTP a group also stops at this many bytes, well under the server's 5 MB body limit. */
const GROUP_BYTES = 1024 * 1024;
const NEWLINE = Buffer.from('\n');
/** Unreadable lines listed by number in the summary at most (all of them go to --rejects). */
const LISTED = 20;

export interface ImportSummary {
  lines: number;
  badLines: number;
  /** The first unreadable lines, by number (1-based), with the reason. */
  unreadable: { line: number; reason: string }[];
  batches: number;
  duplicateBatches: number;
  received: number;
  stored: number;
  duplicates: number;
  rejected: number;
}

export interface ImportOptions {
  /** Data directory of the store (default TELEMETRY_DATA_DIR). Ignored with `url`. */
  dataDir?: string;
  /** A running server's base URL: batches go to its /v1/telemetry instead of the store. */
  url?: string;
  /** Unreadable lines are written here, each as it was. */
  rejectsFile?: string;
  onProgress?: (bytes: number) => void;
}

/** Where batches go: a collector on the store, or a server. A refused batch throws `Refused`. */
interface Sink {
  ingest(batch: string): Promise<IngestResult>;
  close(): Promise<void>;
}

class Refused extends Error {}

async function openSink(options: ImportOptions): Promise<Sink> {
  if (options.url) {
    const endpoint = new URL('/v1/telemetry', options.url).toString();
    const headers = writeKeyHeaders(loadConfig().writeKeys);
    return {
      async ingest(batch) {
        try {
          return (await postWithRetry(endpoint, batch, headers, 5)) as IngestResult;
        } catch (error) {
          // 400/413/415: this batch is refused, the next one may be fine; anything else stops the import.
          if (error instanceof SendHttpError && [400, 413, 415].includes(error.status ?? 0)) {
            throw new Refused(error.message);
          }
          throw error;
        }
      },
      close: async () => {},
    };
  }
  const config = loadConfig(process.env, options.dataDir ? { dataDir: options.dataDir } : {});
  const collector = await openCollector(config);
  return {
    async ingest(batch) {
      try {
        return await collector.collector.ingest(batch);
      } catch (error) {
        if (error instanceof ApiError) throw new Refused(error.message);
        throw error;
      }
    },
    close: () => collector.close(),
  };
}

export async function importFile(file: string, options: ImportOptions = {}): Promise<ImportSummary> {
  const summary: ImportSummary = {
    lines: 0,
    badLines: 0,
    unreadable: [],
    batches: 0,
    duplicateBatches: 0,
    received: 0,
    stored: 0,
    duplicates: 0,
    rejected: 0,
  };
  // Read as latin1, one char a byte, so each line's bytes are had back exactly: bytes that are not UTF-8 reach the
  // collector as decode.ts marks them (the event is refused as invalid_unicode), and --rejects gets lines as they were.
  const input = fs.createReadStream(file, { encoding: 'latin1' });
  // Opened before the sink, so a missing file fails before the store is locked.
  await new Promise<void>((resolve, reject) => input.once('open', () => resolve()).once('error', reject));
  const rejects = options.rejectsFile ? fs.openSync(options.rejectsFile, 'w') : undefined;
  const unreadable = (line: number, bytes: Buffer, reason: string) => {
    summary.badLines++;
    if (summary.unreadable.length < LISTED) summary.unreadable.push({ line, reason });
    if (rejects !== undefined) fs.writeSync(rejects, Buffer.concat([bytes, NEWLINE]));
  };
  const add = (r: IngestResult) => {
    summary.received += r.received ?? 0;
    summary.stored += r.stored ?? 0;
    summary.duplicates += r.duplicates ?? 0;
    summary.rejected += r.rejected ?? 0;
    if (r.duplicate_batch) summary.duplicateBatches++;
  };
  const sink = await openSink(options);
  let loose: { line: number; text: string; bytes: Buffer }[] = [];
  let looseBytes = 0;
  const flushLoose = async () => {
    if (loose.length === 0) return;
    const group = loose;
    loose = [];
    looseBytes = 0;
    try {
      // Raw lines are spliced into the batch text, so each event keeps its exact bytes.
      add(await sink.ingest(`{"events":[${group.map((l) => l.text).join(',')}]}`));
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      for (const l of group) unreadable(l.line, l.bytes, error.message);
    }
  };
  try {
    let read = 0;
    input.on('data', (chunk) => {
      read += chunk.length; // latin1: a char a byte
      options.onProgress?.(read);
    });
    let number = 0;
    for await (const line of readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      number++;
      const bytes = Buffer.from(line, 'latin1');
      const decoded = utf8Text(bytes);
      // A UTF-8 byte-order mark opening the file is not part of the JSON (RFC 8259 §8.1), as over HTTP.
      const text = number === 1 && decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded;
      if (text.trim() === '') continue;
      summary.lines++;
      // Over HTTP the text would go out as UTF-8, its marks as U+FFFD: the event would be stored changed.
      if (options.url && !isUtf8(bytes)) {
        unreadable(
          number,
          bytes,
          'not UTF-8 (import it into the store, which refuses only the events holding such bytes)',
        );
        continue;
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        unreadable(number, bytes, `not JSON: ${(error as Error).message}`);
        continue;
      }
      if (value !== null && typeof value === 'object' && Array.isArray((value as { events?: unknown }).events)) {
        summary.batches++;
        try {
          add(await sink.ingest(text));
        } catch (error) {
          if (!(error instanceof Refused)) throw error;
          unreadable(number, bytes, error.message);
        }
      } else {
        loose.push({ line: number, text, bytes });
        looseBytes += text.length;
        if (loose.length >= GROUP || (options.url && looseBytes >= GROUP_BYTES)) await flushLoose();
      }
    }
    await flushLoose();
  } finally {
    input.destroy();
    if (rejects !== undefined) fs.closeSync(rejects);
    await sink.close();
  }
  return summary;
}

export async function importCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      url: { type: 'string' },
      rejects: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const file = positionals[0];
  if (values.help || !file) {
    process.stdout.write(HELP);
    return values.help ? 0 : 1;
  }
  const total = fs.statSync(file).size;
  const showProgress = !values.quiet && process.stderr.isTTY;
  const started = performance.now();
  const summary = await importFile(file, {
    dataDir: values['data-dir'],
    url: values.url,
    rejectsFile: values.rejects,
    onProgress: (bytes) => {
      if (!showProgress) return;
      const ratio = total ? bytes / total : 1;
      const bar = '█'.repeat(Math.round(ratio * 30)).padEnd(30, '░');
      process.stderr.write(`\r${bar} ${(ratio * 100).toFixed(0).padStart(3)}%  ${(bytes / 1e6).toFixed(1)} MB`);
    },
  });
  if (showProgress) process.stderr.write('\n');
  const seconds = (performance.now() - started) / 1000;
  for (const { line, reason } of summary.unreadable) process.stderr.write(`${file}:${line}: ${reason}\n`);
  if (summary.badLines > summary.unreadable.length) {
    process.stderr.write(`… and ${summary.badLines - summary.unreadable.length} more unreadable lines\n`);
  }
  if (summary.badLines > 0 && values.rejects) {
    process.stderr.write(`unreadable lines written to ${values.rejects}\n`);
  }
  process.stdout.write(
    `imported ${file}${values.url ? ` to ${values.url}` : ''} in ${seconds.toFixed(1)} s: ${summary.lines} lines (${summary.batches} batches, ${summary.duplicateBatches} duplicate batches, ${summary.badLines} unreadable), ` +
      `${summary.received} events: ${summary.stored} stored, ${summary.duplicates} duplicates, ${summary.rejected} rejected (see failed_events)\n`,
  );
  return summary.badLines > 0 ? 2 : 0;
}
