/**
 * The de-duplication index (src/ingest/dedup-index.ts) on its own: an add per stored event, a lookup per event, the
 * snapshot's hashChunks() at a clean stop and addHashes() at start-up (issue 16: memory, start-up at 10 million ids).
 *
 * `npm run bench:dedup -- [--ids 6000000] [--runs 3]`: per run, a new index gets `ids` distinct UUID-shaped mids one
 * add at a time (growing as the collector's does), then 1,000,000 lookups of stored mids and 1,000,000 of mids never
 * added; hashChunks() of the whole index (copied into one array), and addHashes() of them, a chunk at a time, into a
 * new index sized once. Prints the medians, nanoseconds per
 * operation (the string's hash included) and milliseconds for the whole index, and the bytes the tables hold per id
 * at the end. Numbers from one machine; read them against a run of the code before, not as absolutes.
 */
import { parseArgs } from 'node:util';
import { DedupIndex } from '../src/ingest/dedup-index.js';

const { values } = parseArgs({
  options: { ids: { type: 'string', default: '6000000' }, runs: { type: 'string', default: '3' } },
});
const IDS = Number(values.ids);
const RUNS = Number(values.runs);
const LOOKUPS = 1_000_000;
/** As dedup-snapshot.ts reads and writes them. */
const CHUNK_PAIRS = 1 << 16;
if (!(IDS >= LOOKUPS && RUNS >= 1)) throw new Error('--ids must be at least 1000000 and --runs at least 1');

const mid = (prefix: string, i: number) => `${prefix}5a4c1e2-7f3b-4c2a-9e8d-${String(i).padStart(12, '0')}`;
const stored = Array.from({ length: IDS }, (_, i) => mid('d', i));
const absent = Array.from({ length: LOOKUPS }, (_, i) => mid('x', i));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const round = (x: number) => Math.round(x);

const figures: Record<string, number[]> = {};
const record = (name: string, value: number) => {
  figures[name] = [...(figures[name] ?? []), value];
};
let bytesPerId = 0;
for (let run = 1; run <= RUNS; run++) {
  const index = new DedupIndex();
  let started = performance.now();
  for (const id of stored) index.add(id);
  record('add_ns', ((performance.now() - started) * 1e6) / IDS);
  let found = 0;
  started = performance.now();
  for (let i = 0; i < LOOKUPS; i++) if (index.has(stored[i])) found++;
  record('has_stored_ns', ((performance.now() - started) * 1e6) / LOOKUPS);
  started = performance.now();
  for (const id of absent) if (index.has(id)) found--;
  record('has_absent_ns', ((performance.now() - started) * 1e6) / LOOKUPS);
  if (found !== LOOKUPS) throw new Error(`lookups answered wrong: ${found} of ${LOOKUPS}`);
  while (index.growing) index.add(mid('g', index.size));
  bytesPerId = index.bytes / index.size;
  started = performance.now();
  // As a snapshot does: chunks of 64K pairs (512 KB), each written out (here: copied) before the next.
  const pairs = new Uint32Array(index.size * 2);
  let n = 0;
  for (const chunk of index.hashChunks(CHUNK_PAIRS)) {
    pairs.set(chunk, n);
    n += chunk.length;
  }
  record('hashes_ms', performance.now() - started);
  started = performance.now();
  const rebuilt = new DedupIndex();
  rebuilt.reserve(index.size);
  for (let at = 0; at < pairs.length; at += CHUNK_PAIRS * 2)
    rebuilt.addHashes(pairs.subarray(at, at + CHUNK_PAIRS * 2));
  record('add_hashes_ms', performance.now() - started);
  if (rebuilt.size !== index.size) throw new Error(`addHashes kept ${rebuilt.size} of ${index.size}`);
  process.stderr.write(
    `run ${run}: ${JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(v[run - 1])])))}\n`,
  );
}
console.log(
  JSON.stringify({
    bench: 'dedup',
    ids: IDS,
    ...Object.fromEntries(Object.entries(figures).map(([name, xs]) => [name, round(median(xs))])),
    bytes_per_id: Number(bytesPerId.toFixed(2)),
    runs: RUNS,
  }),
);
