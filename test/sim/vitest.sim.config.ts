import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The simulator, payment-adapter and architecture tests need no Temporal or database, so they skip the project's
// globalSetup. (test/payment's other files drive the whole stack: only the adapter's conformance test runs here.)
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/sim/**/*.test.ts', 'test/payment/stripeConformance.test.ts', 'test/architecture/**/*.test.ts'],
  },
});
