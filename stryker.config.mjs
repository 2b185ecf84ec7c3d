// StrykerJS for `npm run test:mutation` (scripts/mutation/run.mjs picks the folder through MUTATION_FOLDER).
// The tap runner runs each test file as `node … file.test.ts`; Node's test runner prints TAP when piped.
import { FOLDERS } from './scripts/mutation/folders.mjs';

const name = process.env.MUTATION_FOLDER ?? 'ingest';
const folder = FOLDERS[name];
if (!folder) throw new Error(`unknown MUTATION_FOLDER ${name}: one of ${Object.keys(FOLDERS).join(', ')}`);

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
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 20_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'json', 'progress-append-only'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true, reportMutants: false },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['reports', '.bench', 'data', 'dist', 'coverage'],
};
