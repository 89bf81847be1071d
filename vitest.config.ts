import { defineConfig } from 'vitest/config';

// Three suites: `unit` needs nothing but Node (pure maths, embedded engine, local HTTP peers);
// `stack` talks to the real Docker services and is run by .ci/run after the stack is built;
// `act` runs the PR-validation workflow under nektos/act (installed by .ci/run) on the real stack.
// Each run's temp files in one directory, removed at the end (test/support/run-tmpdir.ts).
const RUN_TMPDIR = './test/support/run-tmpdir.ts';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          globalSetup: [RUN_TMPDIR],
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'stack',
          globalSetup: [RUN_TMPDIR],
          include: ['test/stack/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'act',
          globalSetup: [RUN_TMPDIR],
          include: ['test/act/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 45 * 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
