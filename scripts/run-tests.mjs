// Runs every *.test.ts under the given paths (default: packages/ and scripts/) with Node's test runner,
// TypeScript loaded by tsx and workspace packages resolved to their sources. Ends with the skipped tests counted by
// reason (the oracle suites skip where the shared reference material is absent).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const roots = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = [];
function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.name.endsWith('.test.ts')) files.push(full);
  }
}
for (const root of roots.length ? roots : ['packages', 'scripts']) {
  if (fs.statSync(root).isDirectory()) walk(root);
  else files.push(root);
}
files.sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// A second reporter writes TAP to a file, read afterwards for the skip directives: `ok 3 - name # SKIP reason`.
const tap = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'run-tests-')), 'report.tap');
const result = spawnSync(
  process.execPath,
  [
    '--conditions=development',
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...passThrough,
    ...files,
  ],
  { stdio: 'inherit' },
);
const skips = new Map();
const lines = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8').split('\n') : [];
lines.forEach((line, i) => {
  const skip = /^\s*ok \d+ - .* # SKIP(?: (.*))?$/.exec(line);
  // A skipped suite is counted by its tests, when they are skipped one by one (as the oracle tests are).
  if (!skip || /^\s*type: 'suite'$/.test(lines[i + 3] ?? '')) return;
  const reason = skip[1] ?? '(no reason given)';
  skips.set(reason, (skips.get(reason) ?? 0) + 1);
});
fs.rmSync(path.dirname(tap), { recursive: true, force: true });
for (const [reason, count] of skips) console.log(`skipped ${count} test${count === 1 ? '' : 's'}: ${reason}`);
process.exit(result.status ?? 1);
