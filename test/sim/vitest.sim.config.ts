import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The simulator and payment-adapter tests need no Temporal or database, so they skip the project's globalSetup.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/sim/**/*.test.ts', 'test/payment/**/*.test.ts'],
  },
});
