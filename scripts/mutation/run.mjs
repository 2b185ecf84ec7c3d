// `npm run test:mutation [-- folder…] [--summary] [--fresh] [--only=file,…] [--timeout-ms=N]`: StrykerJS over each named folder (default: all of
// scripts/mutation/folders.mjs), one source file (a chunk) at a time, then the score per folder and file and every
// surviving mutant. Reports stay in reports/mutation/<folder>/ (git-ignored), one per chunk (a few neighbouring
// files), so a run cut short keeps what it finished, and StrykerJS's incremental mode reruns only mutants whose code or covering test files
// changed (--fresh forgets earlier results). --summary only prints what earlier runs left there.
// MUTATION_CONCURRENCY (default 2) sets Stryker's parallel test processes. --timeout-ms (MUTATION_TIMEOUT_MS) sets the
// fixed part of a hung mutant's timeout (default 60 s, stryker.config.mjs). Slow: not part of `npm test` or CI.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { globSync } from 'glob';
import { FOLDERS } from './folders.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const summaryOnly = args.includes('--summary');
const fresh = args.includes('--fresh');
const names = args.filter((a) => !a.startsWith('--'));
for (const name of names)
  if (!FOLDERS[name]) throw new Error(`unknown folder ${name}: ${Object.keys(FOLDERS).join(', ')}`);
const selected = names.length ? names : Object.keys(FOLDERS);

/** The source files a folder mutates (its `mutate` globs, `!` ones excluded), sorted, relative to the root. */
function sourceFiles(folder) {
  const include = folder.mutate.filter((g) => !g.startsWith('!'));
  const ignore = folder.mutate.filter((g) => g.startsWith('!')).map((g) => g.slice(1));
  return globSync(include, { cwd: root, ignore, posix: true }).sort();
}
// A chunk is a run of neighbouring source files of about CHUNK_BYTES: StrykerJS's start-up (sandbox, dry run of
// the folder's test files) costs about a minute on a busy machine, so one chunk per tiny file would waste it.
const CHUNK_BYTES = 15_000;
// `--only=a.ts,b.ts` (paths relative to the root) mutates just those files of the folders, one chunk per file:
// on a busy machine a chunk that cannot finish loses all its results, so a run is narrowed to what fits.
const only = args
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
/** The folder's source files in chunks: [{ name: '<folder>/<first file's path with / as _>', files }]. */
function chunks(name) {
  const result = [];
  let bytes = Number.POSITIVE_INFINITY;
  for (const file of sourceFiles(FOLDERS[name])) {
    if (only && !only.includes(file)) continue;
    if (only) bytes = Number.POSITIVE_INFINITY;
    const size = fs.statSync(path.join(root, file)).size;
    if (bytes + size > CHUNK_BYTES) {
      result.push({ name: `${name}/${file.replace(/\.ts$/, '').replace(/\//g, '_')}`, files: [] });
      bytes = 0;
    }
    result.at(-1).files.push(file);
    bytes += size;
  }
  return result;
}
const stryker = path.join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js');
// A loop-heavy file (a JSON scanner) hangs under half its mutants; at 60 s each such a run takes most of an hour,
// so a quiet machine may lower the fixed part (the 3 × dry-run time still scales with the covering tests).
const timeoutMs = args.find((a) => a.startsWith('--timeout-ms='))?.slice('--timeout-ms='.length);

// Stryker runs the tests in a copy under .stryker-tmp/, where ../shared is not beside the repository.
const env = { ...process.env, ...(timeoutMs ? { MUTATION_TIMEOUT_MS: timeoutMs } : {}) };
const reference = path.resolve(root, '../shared/reference');
if (!env.TELEMETRY_REFERENCE_DIR && fs.existsSync(reference)) env.TELEMETRY_REFERENCE_DIR = reference;

if (!summaryOnly) {
  for (const name of selected) {
    const dir = path.join(root, 'reports/mutation', name);
    if (fresh) fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    for (const chunk of chunks(name)) {
      const files = chunk.files.join(', ');
      console.log(`\n=== mutation testing: ${name}: ${files} ===`);
      const started = Date.now();
      const run = spawnSync(process.execPath, [stryker, 'run', 'stryker.config.mjs'], {
        cwd: root,
        stdio: 'inherit',
        env: { ...env, MUTATION_FOLDER: name, MUTATION_MUTATE: chunk.files.join(','), MUTATION_REPORT: chunk.name },
      });
      const seconds = Math.round((Date.now() - started) / 1000);
      console.log(`=== ${files}: ${seconds} s${run.status === 0 ? '' : `, stryker failed (exit ${run.status})`} ===`);
      fs.writeFileSync(path.join(root, 'reports/mutation', `${chunk.name}.seconds`), `${seconds}\n`);
    }
  }
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
/** Counts by status and Stryker's mutation score: detected / (detected + undetected), errors left out. */
function score(mutants) {
  const count = (status) => mutants.filter((m) => m.status === status).length;
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const undetected = mutants.filter((m) => UNDETECTED.has(m.status)).length;
  return {
    mutants: mutants.length,
    killed: count('Killed'),
    timeout: count('Timeout'),
    survived: count('Survived'),
    noCoverage: count('NoCoverage'),
    errors: mutants.length - detected - undetected,
    score: detected + undetected ? (100 * detected) / (detected + undetected) : Number.NaN,
    // On a busy machine a slow test can pass Stryker's timeout: the score counting timeouts as undetected bounds it.
    killedOnly: detected + undetected ? (100 * count('Killed')) / (detected + undetected) : Number.NaN,
  };
}
const HEAD = `${'score'.padStart(6)} ${'≥score'.padStart(6)} ${'mutants'.padStart(7)} ${'killed'.padStart(6)} ${'timeout'.padStart(7)} ${'survived'.padStart(8)} ${'no cov'.padStart(6)} ${'errors'.padStart(6)}`;
const fmt = (s) =>
  `${`${s.score.toFixed(1)}%`.padStart(6)} ${`${s.killedOnly.toFixed(1)}%`.padStart(6)} ${String(s.mutants).padStart(7)} ${String(s.killed).padStart(6)} ${String(s.timeout).padStart(7)} ${String(s.survived).padStart(8)} ${String(s.noCoverage).padStart(6)} ${String(s.errors).padStart(6)}`;

/** Per source file, its mutants from the newest report of the folder that holds it; and the folder's run time. */
function results(name) {
  const dir = path.join(root, 'reports/mutation', name);
  const byFile = new Map();
  let seconds = 0;
  const reports = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /(?<!incremental)\.json$/.test(f)) : [];
  const newestFirst = reports
    .map((f) => ({ file: path.join(dir, f), at: fs.statSync(path.join(dir, f)).mtimeMs }))
    .sort((a, b) => b.at - a.at);
  for (const { file } of newestFirst) {
    const report = JSON.parse(fs.readFileSync(file, 'utf8'));
    let used = false;
    for (const [source, { mutants }] of Object.entries(report.files)) {
      const relative = path.relative(root, path.resolve(root, source));
      if (byFile.has(relative)) continue;
      byFile.set(relative, mutants);
      used = true;
    }
    const timeFile = file.replace(/\.json$/, '.seconds');
    if (used && fs.existsSync(timeFile)) seconds += Number(fs.readFileSync(timeFile, 'utf8'));
  }
  return { byFile, seconds };
}

const rows = [];
const survivors = [];
for (const name of selected) {
  const { byFile, seconds } = results(name);
  const all = [];
  const perFile = [];
  const missing = [];
  for (const relative of sourceFiles(FOLDERS[name])) {
    const mutants = byFile.get(relative);
    if (!mutants) {
      missing.push(relative);
      continue;
    }
    all.push(...mutants);
    perFile.push(`  ${''.padEnd(12)} ${fmt(score(mutants))}  ${relative}`);
    for (const m of mutants) {
      if (!UNDETECTED.has(m.status)) continue;
      const at = `${relative}:${m.location.start.line}:${m.location.start.column + 1}`;
      const replacement = (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 80);
      survivors.push(`${name}\t${m.status}\t${at}\t${m.mutatorName}\t${replacement}`);
    }
  }
  const note = missing.length ? `  (no report yet for ${missing.join(', ')})` : '';
  rows.push(`${name.padEnd(14)} ${fmt(score(all))}  ${seconds} s${note}`, ...perFile);
}
console.log('\n=== mutation score per folder ===');
console.log(`${'folder'.padEnd(14)} ${HEAD}  run time`);
for (const row of rows) console.log(row);
console.log(`\n=== surviving mutants (${survivors.length}) ===`);
for (const s of survivors) console.log(s);
