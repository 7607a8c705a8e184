import { defineConfig } from 'vitest/config';
import SlowFilesFirst from './test/support/slowFilesFirst';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    setupFiles: ['test/support/invariantHooks.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: the stack (Temporal, Postgres, worker, API, simulators) needs one of them.
    maxWorkers: 2,
    // The longest files first, so they overlap the short ones (test/support/slowFilesFirst.ts).
    sequence: { sequencer: SlowFilesFirst },
  },
});
