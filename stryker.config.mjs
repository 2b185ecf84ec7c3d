// StrykerJS for `npm run test:mutation` (scripts/mutation/run.mjs picks the folder through MUTATION_FOLDER and a
// chunk of its source files through MUTATION_MUTATE, with MUTATION_REPORT naming that chunk's report).
// The tap runner runs each test file as `node … file.test.ts`; Node's test runner prints TAP when piped.
// Cost: a mutant costs the test files that executed its code (per-file coverage), fastest-first order of
// folders.mjs, each a fresh process. A hang costs 3 × the files' dry-run time + 60 s + the measured spawn overhead
// and counts as detected. Lower timeouts were tried: on a 2-core machine shared five ways (load 20-28), a test
// process took a minute at 15% of a core, so surviving mutants, which run every covering file, were reported as
// timeouts (a mutant of a status field no test reads "timed out"), inflating the score and hiding survivors.
import { FOLDERS } from './scripts/mutation/folders.mjs';

const name = process.env.MUTATION_FOLDER ?? 'ingest';
const folder = FOLDERS[name];
if (!folder) throw new Error(`unknown MUTATION_FOLDER ${name}: one of ${Object.keys(FOLDERS).join(', ')}`);
const report = process.env.MUTATION_REPORT ?? name;

export default {
  testRunner: 'tap',
  plugins: ['@stryker-mutator/tap-runner'],
  tap: {
    testFiles: folder.testFiles,
    nodeArgs: [
      '-r',
      '{{hookFile}}',
      '-r',
      './scripts/mutation/watchdog.cjs',
      // A mutant that allocates without end fails fast instead of taking the shared machine's memory.
      '--max-old-space-size=1024',
      '--conditions=development',
      '--import',
      'tsx',
      '{{testFile}}',
    ],
    forceBail: true,
  },
  // MUTATION_MUTATE (comma-separated globs or file:line ranges) narrows a folder to part of it.
  mutate: process.env.MUTATION_MUTATE ? process.env.MUTATION_MUTATE.split(',') : folder.mutate,
  coverageAnalysis: 'perTest',
  // Results are kept per chunk: a rerun tests only mutants whose code or covering test files changed.
  incremental: true,
  incrementalFile: `reports/mutation/${report}.incremental.json`,
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
  // MUTATION_TIMEOUT_MS (run.mjs --timeout-ms): lower it only on a quiet machine, see above.
  timeoutMS: Number(process.env.MUTATION_TIMEOUT_MS ?? 60_000),
  timeoutFactor: 3,
  reporters: ['clear-text', 'json', 'progress-append-only'],
  jsonReporter: { fileName: `reports/mutation/${report}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: false },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['reports', '.bench', 'data', 'dist', 'coverage'],
};
