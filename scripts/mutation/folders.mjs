// The folders `npm run test:mutation` mutates, each with the test files that can notice its mutants.
// A narrow test subset per folder keeps a run affordable on a shared 2-core machine: with per-test-file
// coverage, StrykerJS runs for each mutant only the files (of this subset) that executed its code.

/** @type {Record<string, { mutate: string[], testFiles: string[] }>} */
export const FOLDERS = {
  ingest: {
    mutate: ['packages/server/src/ingest/**/*.ts', '!packages/server/src/ingest/dedup-index.ts', '!**/*.test.ts'],
    testFiles: [
      'packages/server/src/ingest/*.test.ts',
      'packages/server/src/ingest/posthog/*.test.ts',
      'packages/server/test/bad-input.test.ts',
      'packages/server/test/ingest-*.test.ts',
      // ingest/posthog/ (PostHog's capture API, added after issue 10 began): its HTTP suite.
      'packages/server/test/posthog-capture.test.ts',
    ],
  },
  dedup: {
    mutate: ['packages/server/src/ingest/dedup-index.ts'],
    testFiles: ['packages/server/src/ingest/dedup-index*.test.ts'],
  },
  spool: {
    mutate: ['packages/server/src/spool/**/*.ts', '!**/*.test.ts'],
    testFiles: ['packages/server/src/spool/*.test.ts', 'packages/server/test/spool-*.test.ts'],
  },
  insights: {
    mutate: ['packages/server/src/analytics/*.ts', '!**/*.test.ts', '!packages/server/src/analytics/test-fixture.ts'],
    testFiles: ['packages/server/src/analytics/*.test.ts', 'packages/server/src/api/insights*.test.ts'],
  },
  // A slice of `insights`, small enough to compare before and after quickly.
  funnels: {
    mutate: ['packages/server/src/analytics/funnels.ts'],
    testFiles: ['packages/server/src/analytics/funnels*.test.ts', 'packages/server/src/api/insights*.test.ts'],
  },
  summarizer: {
    // The summary drain's SQL and appenders moved behind the store port (store/duckdb/summary-*.ts): still measured here.
    mutate: [
      'packages/server/src/analytics/sessions/**/*.ts',
      'packages/server/src/store/duckdb/summary-*.ts',
      '!**/*.test.ts',
    ],
    testFiles: ['packages/server/src/analytics/sessions/*.test.ts'],
  },
  'sdk-delivery': {
    mutate: [
      'packages/sdk/src/queue.ts',
      'packages/sdk/src/retry.ts',
      'packages/sdk/src/transport.ts',
      'packages/sdk/src/sender.ts',
    ],
    // The unit files, fastest first (a mutant stops at the first file that fails). Not the browser suites and
    // size.test.ts: they load the built bundle in dist/, which StrykerJS's sandbox does not rebuild from mutated
    // sources. Not the suites against a real collector (collector.integration, promises.node) nor the property
    // test over the whole client: each takes minutes on a busy machine, and a surviving mutant runs every file.
    testFiles: [
      'packages/sdk/test/sender.test.ts',
      'packages/sdk/test/queue.test.ts',
      'packages/sdk/test/delivery.test.ts',
      'packages/sdk/test/transport.test.ts',
      'packages/sdk/test/events.test.ts',
      'packages/sdk/test/facade-compat.test.ts',
      'packages/sdk/test/app-state.test.ts',
    ],
  },
};
