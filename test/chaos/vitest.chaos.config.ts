import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The chaos run's pure parts (its coverage, its verdict, its steering plan) need no stack: this config skips the
// project's globalSetup, so they run in a second. `npx vitest run --config test/chaos/vitest.chaos.config.ts`
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/chaos/**/*.test.ts'],
  },
});
