// `npm run test:mutation [-- folder…] [--summary]`: StrykerJS over each named folder (default: all of
// scripts/mutation/folders.mjs), one after the other, then the score per folder and file and every surviving
// mutant. Reports stay in reports/mutation/ (git-ignored). --summary only prints what the last runs left there.
// MUTATION_CONCURRENCY (default 2) sets Stryker's parallel test processes. Slow: not part of `npm test` or CI.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FOLDERS } from './folders.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const summaryOnly = args.includes('--summary');
const names = args.filter((a) => !a.startsWith('--'));
for (const name of names)
  if (!FOLDERS[name]) throw new Error(`unknown folder ${name}: ${Object.keys(FOLDERS).join(', ')}`);
const selected = names.length ? names : Object.keys(FOLDERS);

// Stryker runs the tests in a copy under .stryker-tmp/, where ../shared is not beside the repository.
const env = { ...process.env };
const reference = path.resolve(root, '../shared/reference');
if (!env.TELEMETRY_REFERENCE_DIR && fs.existsSync(reference)) env.TELEMETRY_REFERENCE_DIR = reference;

if (!summaryOnly) {
  for (const name of selected) {
    console.log(`\n=== mutation testing: ${name} ===`);
    const run = spawnSync('npx', ['stryker', 'run', 'stryker.config.mjs'], {
      cwd: root,
      stdio: 'inherit',
      env: { ...env, MUTATION_FOLDER: name },
    });
    if (run.status !== 0) console.error(`stryker failed for ${name} (exit ${run.status})`);
  }
}

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);
/** Stryker's mutation score: detected / (detected + undetected), compile and runtime errors left out. */
function score(mutants) {
  const detected = mutants.filter((m) => DETECTED.has(m.status)).length;
  const undetected = mutants.filter((m) => UNDETECTED.has(m.status)).length;
  return { detected, undetected, score: detected + undetected ? (100 * detected) / (detected + undetected) : NaN };
}
const fmt = (s) => `${s.score.toFixed(1).padStart(5)}%  (${s.detected} detected, ${s.undetected} undetected)`;

const rows = [];
const survivors = [];
for (const name of selected) {
  const file = path.join(root, 'reports/mutation', `${name}.json`);
  if (!fs.existsSync(file)) {
    rows.push(`${name.padEnd(14)} no report`);
    continue;
  }
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const all = [];
  const perFile = [];
  for (const [source, { mutants }] of Object.entries(report.files)) {
    all.push(...mutants);
    perFile.push(`  ${path.relative(root, path.resolve(root, source)).padEnd(60)} ${fmt(score(mutants))}`);
    for (const m of mutants) {
      if (!UNDETECTED.has(m.status)) continue;
      const at = `${path.relative(root, path.resolve(root, source))}:${m.location.start.line}:${m.location.start.column}`;
      const replacement = (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 80);
      survivors.push(`${name}\t${m.status}\t${at}\t${m.mutatorName}\t${replacement}`);
    }
  }
  rows.push(`${name.padEnd(14)} ${fmt(score(all))}`, ...perFile);
}
console.log('\n=== mutation score per folder ===');
for (const row of rows) console.log(row);
console.log(`\n=== surviving mutants (${survivors.length}) ===`);
for (const s of survivors) console.log(s);
