import { defineConfig } from 'vitest/config';

// Two suites: `unit` needs nothing but Node (pure maths, embedded engine, local HTTP peers);
// `stack` talks to the real Docker services and is run by .ci/run after the stack is built.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'stack',
          include: ['test/stack/**/*.test.ts'],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
